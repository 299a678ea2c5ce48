"""Every shipped rule's examples fire that very rule (one generic test for all rule files)."""

from __future__ import annotations

import pytest

from parsers import Parser, default_parser
from parsers.commands import Grammar

_PARSER = default_parser()
CATEGORY_EXAMPLES = [(rule.name, rule.category, example)
                     for rule in _PARSER.rules.rules for example in rule.examples]


@pytest.mark.parametrize(("rule_name", "category", "example"), CATEGORY_EXAMPLES,
                         ids=[f"{r}:{e[:30]}" for r, _, e in CATEGORY_EXAMPLES])
def test_category_rule_fires_on_its_example(parser: Parser, rule_name: str, category: str,
                                           example: str) -> None:
    tokens = parser.normaliser.tokens(example)
    fired = parser.rules.match(tokens, " ".join(tokens)).fired
    assert rule_name in fired


@pytest.mark.parametrize(("rule_name", "category", "example"), CATEGORY_EXAMPLES,
                         ids=[f"{r}:{e[:30]}" for r, _, e in CATEGORY_EXAMPLES])
def test_category_rule_example_gets_the_rule_category(parser: Parser, rule_name: str,
                                                     category: str, example: str) -> None:
    assert parser.parse(example).category == category


def test_every_category_rule_has_examples(parser: Parser) -> None:
    assert [r.name for r in parser.rules.rules if not r.examples] == []


def _command_examples() -> list[tuple[str, str]]:
    import tomllib

    from parsers.rulefile import shipped

    doc = tomllib.loads(shipped("commands.toml").read_text("utf-8"))
    return [(intent, example) for intent, table in doc["intents"].items()
            for example in table.get("examples", [])]


@pytest.mark.parametrize(("intent", "example"), _command_examples())
def test_command_example_gives_its_intent(parser: Parser, intent: str, example: str) -> None:
    assert parser.parse(example).intent == intent


def _keyword_examples() -> list[tuple[str, str]]:
    import tomllib

    from parsers.rulefile import shipped

    doc = tomllib.loads(shipped("keywords.toml").read_text("utf-8"))
    return [(name.upper(), example) for name, table in doc["keywords"].items()
            for example in table.get("examples", [])]


@pytest.mark.parametrize(("keyword", "example"), _keyword_examples())
def test_keyword_example_sets_its_keyword(parser: Parser, keyword: str, example: str) -> None:
    assert parser.parse(example).keyword == keyword


@pytest.mark.parametrize("example", _PARSER.screener.examples)
def test_spam_example_is_spam(parser: Parser, example: str) -> None:
    assert parser.parse(example).spam is True


@pytest.mark.parametrize("example", _PARSER.screener.non_examples)
def test_spam_non_example_is_not_spam(parser: Parser, example: str) -> None:
    assert parser.parse(example).spam is False


def test_grammar_type_is_shipped() -> None:
    assert isinstance(_PARSER.grammar, Grammar)
