"""Courtesy is told apart: a greeting, thanks or an acknowledgement, an empty message."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsers import Parser, default_parser
from parsers.courtesy import Courtesy
from parsers.rulefile import RuleFileError

_COURTESY = default_parser().courtesy
assert _COURTESY is not None
EXAMPLES = [(kind, text) for kind, texts in _COURTESY.examples.items() for text in texts]


@pytest.mark.parametrize(("kind", "text"), EXAMPLES, ids=[f"{k}:{t!r}" for k, t in EXAMPLES])
def test_courtesy_example_gets_its_kind(parser: Parser, kind: str, text: str) -> None:
    assert parser.parse(text).courtesy == kind


def test_every_kind_has_examples() -> None:
    assert sorted(_COURTESY.examples) == ["empty", "greeting", "thanks"]


@pytest.mark.parametrize("text", [
    "halo, jalan depan rumah saya rusak parah berlubang sudah sebulan",
    "terima kasih, tapi lampu jalan di gang 3 masih mati",
    "CEK 1234567",
    "5",
    "Selamat! Anda menang undian 100 juta dari Shopee, hub 081234567890",
])
def test_message_with_something_to_act_on_is_not_courtesy(parser: Parser, text: str) -> None:
    assert parser.parse(text).courtesy is None


def test_courtesy_needs_no_review(parser: Parser) -> None:
    assert [parser.parse(t).needs_review for t in ("halo", "makasih pak", "")] == [False] * 3


def test_misspelt_kind_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "courtesy.toml"
    path.write_text('[kinds]\nthanks = ["makasih"]\nthank = ["x"]\n', encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"kinds\.thank"):
        Courtesy.load(path)
