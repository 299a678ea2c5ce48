"""Ids taken before the INSERT come from the table's sequence on Postgres (store/ids.py)."""

from __future__ import annotations

import pytest

from sms_gateway.services import Services
from tests.unit.test_store_ids import ids_taken_then_inserted

pytestmark = pytest.mark.integration


def test_taken_ids_are_drawn_from_the_sequence_as_the_inserts_would(
        prod_services: Services) -> None:
    assert ids_taken_then_inserted(prod_services) == [4, 5, 6]
