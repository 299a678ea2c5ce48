"""Sender numbers in E.164; phone numbers at rest encrypted, hashed and masked."""

from __future__ import annotations

from pathlib import Path

import pytest

from sms_gateway.store.pii import Vault, mask_phone, new_key
from sms_gateway.telco.phone import InvalidPhoneNumber, normalise


@pytest.mark.parametrize("raw", ["+6281234567890", "081234567890", "6281234567890",
                                 "+62 812-3456-7890"])
def test_indonesian_forms_normalise_to_e164(raw: str) -> None:
    assert normalise(raw) == "+6281234567890"


@pytest.mark.parametrize("raw", ["", "hello", "+62123", "12"])
def test_impossible_numbers_are_rejected(raw: str) -> None:
    with pytest.raises(InvalidPhoneNumber):
        normalise(raw)


def test_repeated_senders_come_from_a_bounded_cache_with_the_same_answers() -> None:
    """A flood repeats senders: each is parsed once; invalid ones are refused every time."""
    from sms_gateway.telco import phone

    phone._e164.cache_clear()  # noqa: SLF001
    for _ in range(3):
        assert [normalise(r) for r in ("081234567890", "+62 812-3456-7890")] \
            == ["+6281234567890"] * 2
        with pytest.raises(InvalidPhoneNumber, match="impossible phone number: '\\+62123'"):
            normalise("+62123")
        with pytest.raises(InvalidPhoneNumber, match="not a phone number: 'hello'"):
            normalise("hello")
    info = phone._e164.cache_info()  # noqa: SLF001
    assert (info.hits, info.currsize, info.maxsize) == (4, 2, phone.CACHE_SIZE)
    with pytest.raises(InvalidPhoneNumber):  # the region is part of the key
        normalise("081234567890", "US")


def test_vault_round_trips() -> None:
    vault = Vault(new_key())
    assert vault.decrypt(vault.encrypt("+6281234567890")) == "+6281234567890"


def test_ciphertext_does_not_contain_the_number() -> None:
    assert "81234567890" not in Vault(new_key()).encrypt("+6281234567890")


def test_digest_is_stable_per_key_and_differs_across_keys() -> None:
    a, b = Vault(new_key()), Vault(new_key())
    assert (a.digest("+62812") == a.digest("+62812"), a.digest("+62812") == b.digest("+62812")) \
        == (True, False)


def test_wrong_key_cannot_decrypt() -> None:
    token = Vault(new_key()).encrypt("+6281234567890")
    with pytest.raises(ValueError, match="wrong privacy key"):
        Vault(new_key()).decrypt(token)


def test_mask_keeps_prefix_and_last_four() -> None:
    assert mask_phone("+6281234567890") == "+62 812-****-7890"


def test_database_errors_do_not_carry_statement_parameters(tmp_path: Path) -> None:
    """Errors are logged; their parameters would be SMS texts and numbers in clear."""
    from sqlalchemy import text as sql
    from sqlalchemy.exc import IntegrityError

    from sms_gateway.store.db import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'e.db'}")
    with engine.begin() as conn:
        conn.execute(sql("CREATE TABLE t (phone TEXT UNIQUE)"))
        conn.execute(sql("INSERT INTO t VALUES (:p)"), {"p": "+6281234567890"})
    with pytest.raises(IntegrityError) as caught, engine.begin() as conn:
        conn.execute(sql("INSERT INTO t VALUES (:p)"), {"p": "+6281234567890"})
    engine.dispose()
    assert "6281234567890" not in str(caught.value)
