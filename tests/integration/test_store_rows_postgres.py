"""Plain rows on Postgres (store/rows.py), which checks the columns' lengths."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sms_gateway.services import Services
from tests.support.chunk_scenario import gateway
from tests.unit.test_store_rows import same_as_the_orm, too_long_is_refused

pytestmark = pytest.mark.integration


@pytest.fixture
def two(tmp_path: Path, pg_url: str, other_pg_url: str) -> Iterator[tuple[Services, Services]]:
    plain, orm = gateway(tmp_path / "plain", url=pg_url), gateway(tmp_path / "orm",
                                                                  url=other_pg_url)
    yield plain, orm
    plain.close()
    orm.close()


def test_plain_rows_are_those_the_orm_would_insert(two: tuple[Services, Services]) -> None:
    same_as_the_orm(*two)


def test_a_value_too_long_for_its_column_is_refused_not_cut(
        two: tuple[Services, Services]) -> None:
    too_long_is_refused(two[0])


def test_an_audit_entry_longer_than_its_columns_is_cut_not_refused(
        two: tuple[Services, Services]) -> None:
    # `sms-gateway user create` with a 58-character address failed on Postgres (target_id is
    # 40 characters) and created no user; the console's user pages wrote the same entry
    from sms_gateway.console import audit
    from sms_gateway.store.console import add_audit

    services = two[0]
    email = "verylongname.for.testing.audit@dinas-kominfo.example.go.id"
    with services.sessions.begin() as session:
        add_audit(session, "cli:" + "u" * 300, "user.create", target_type="user",
                  target_id=email, role="admin")
    with services.sessions() as session:
        entry = audit.recent(session)[0]
    assert (entry.target_id, len(entry.actor)) == (email[:40], 254)
