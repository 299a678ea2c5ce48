"""Category rules from TOML: keyword phrases and regexes with weights, validated at load."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from parsers.rulefile import (
    RuleFileError,
    check_keys,
    data_path,
    load_toml,
    number,
    regexes,
    shipped,
    str_list,
)
from parsers.stem import forms

RULE_KEYS = ("category", "weight", "keywords", "patterns", "context", "unless", "not_after",
             "examples", "about")
ANY_NUMBER = "#"  # in not_after: any token of digits
NO_MATCH = "lainnya"


def load_taxonomy(path: Path | None = None) -> dict[str, str]:
    """Return category code -> Indonesian name from taxonomy.toml."""
    doc = load_toml(path or data_path("taxonomy.toml"))
    return {code: table.get("name", code) for code, table in doc.get("categories", {}).items()}


@dataclass(frozen=True, slots=True)
class Rule:
    """One category rule: it fires when a keyword or pattern matches (and its conditions hold)."""

    name: str
    category: str
    weight: float
    keywords: tuple[tuple[str, ...], ...]
    patterns: tuple[re.Pattern[str], ...]
    context: tuple[tuple[str, ...], ...]
    unless: tuple[tuple[str, ...], ...]
    examples: tuple[str, ...]
    # keyword phrase -> words that, right before it, make it no hit ("dua =kali": twice, not
    # the river); ANY_NUMBER stands for a number
    not_after: tuple[tuple[tuple[str, ...], frozenset[str]], ...] = ()


@dataclass(frozen=True, slots=True)
class Match:
    """Rule scores for one text: per category, and which rules fired."""

    scores: dict[str, float]
    fired: tuple[str, ...]

    def ranked(self) -> list[tuple[str, float]]:
        """Categories by descending score."""
        return sorted(self.scores.items(), key=lambda kv: -kv[1])


def _phrases(source: str, key: str, value: object) -> tuple[tuple[str, ...], ...]:
    return tuple(tuple(p.lower().split()) for p in str_list(source, key, value))


@dataclass
class CategoryRules:
    """All category rules with a first-word index for fast matching."""

    rules: tuple[Rule, ...]
    categories: frozenset[str]
    _index: dict[str, list[tuple[int, str, tuple[str, ...]]]] = field(default_factory=dict)
    _cache: dict[str, tuple[tuple[int, str, tuple[str, ...]], ...]] = field(
        default_factory=dict, repr=False)
    _with_patterns: tuple[int, ...] = ()
    _not_after: dict[tuple[int, tuple[str, ...]], frozenset[str]] = field(default_factory=dict)

    @classmethod
    def load(cls, paths: Sequence[Path] | None = None,
             categories: Iterable[str] | None = None) -> CategoryRules:
        """Load rule files (default: the shipped categories.toml) and validate every rule."""
        known = frozenset(categories if categories is not None else load_taxonomy())
        rules: list[Rule] = []
        for path in paths or (shipped("categories.toml"),):
            rules.extend(_load_file(path, known))
        engine = cls(tuple(rules), known)
        engine._with_patterns = tuple(i for i, r in enumerate(rules) if r.patterns)
        engine._not_after = {(i, phrase): words for i, r in enumerate(rules)
                             for phrase, words in r.not_after}
        for i, rule in enumerate(engine.rules):
            for role, phrases in (("keyword", rule.keywords), ("context", rule.context),
                                  ("unless", rule.unless)):
                for phrase in phrases:
                    engine._index.setdefault(phrase[0], []).append((i, role, phrase))
        return engine

    def _entries(self, token: str) -> tuple[tuple[int, str, tuple[str, ...]], ...]:
        """Index entries whose first word is one of the token's forms (cached per token)."""
        cached = self._cache.get(token)
        if cached is None:
            cached = tuple(e for f in forms(token) for e in self._index.get(f, ())) + tuple(
                self._index.get("=" + token, ()))
            if len(self._cache) < 200_000:
                self._cache[token] = cached
        return cached

    def _phrase_at(self, tokens: Sequence[str], i: int, phrase: tuple[str, ...]) -> bool:
        if i + len(phrase) > len(tokens):
            return False
        return all(tokens[i + k] == w[1:] if w[0] == "=" else w in forms(tokens[i + k])
                   for k, w in enumerate(phrase[1:], 1))

    def _after_excluded(self, rule_i: int, phrase: tuple[str, ...], before: str) -> bool:
        words = self._not_after.get((rule_i, phrase))
        return words is not None and (before in words
                                      or (ANY_NUMBER in words and before.isdigit()))

    def hits(self, tokens: Sequence[str], text: str) -> dict[int, int]:
        """Return rule index -> count of distinct keywords/patterns matched (conditions hold)."""
        seen: dict[int, set[tuple[str, ...]]] = {}
        context: set[int] = set()
        unless: set[int] = set()
        size = len(tokens)
        for i, token in enumerate(tokens):
            for rule_i, role, phrase in self._entries(token):
                if len(phrase) > 1:
                    # Cheap test of the second word before the full phrase check.
                    if i + 1 >= size:
                        continue
                    second, following = phrase[1], tokens[i + 1]
                    if (following != second[1:] if second[0] == "=" else
                            second not in forms(following)):
                        continue
                    if len(phrase) > 2 and not self._phrase_at(tokens, i, phrase):
                        continue
                if role == "keyword":
                    if i and self._not_after and self._after_excluded(rule_i, phrase,
                                                                      tokens[i - 1]):
                        continue
                    seen.setdefault(rule_i, set()).add(phrase)
                elif role == "context":
                    context.add(rule_i)
                else:
                    unless.add(rule_i)
        counts = {i: len(v) for i, v in seen.items()}
        for i in self._with_patterns:
            n = sum(1 for p in self.rules[i].patterns if p.search(text))
            if n:
                counts[i] = counts.get(i, 0) + n
        for i in list(counts):
            if (self.rules[i].context and i not in context) or i in unless:
                del counts[i]
        return counts

    def match(self, tokens: Sequence[str], text: str) -> Match:
        """Score every category: a rule adds its weight, a little more for extra keywords."""
        scores: dict[str, float] = {}
        fired = []
        for i, n in sorted(self.hits(tokens, text).items()):
            rule = self.rules[i]
            scores[rule.category] = scores.get(rule.category, 0.0) + rule.weight * (
                1.0 + 0.25 * (min(n, 3) - 1))
            fired.append(rule.name)
        return Match(scores, tuple(fired))


def _not_after(source: str, key: str, value: object, keywords: tuple[tuple[str, ...], ...],
               ) -> tuple[tuple[tuple[str, ...], frozenset[str]], ...]:
    """not_after = { "keyword as written" = ["word", "#", ...] }: keywords of this rule only."""
    if not isinstance(value, dict):
        raise RuleFileError(source, key, "expected a table of keyword = [words]")
    out = []
    for phrase, words in value.items():
        split = tuple(phrase.lower().split())
        if split not in keywords:
            raise RuleFileError(source, f"{key}.{phrase}", "not a keyword of this rule")
        out.append((split, frozenset(w.lower() for w in str_list(source, f"{key}.{phrase}",
                                                                  words))))
    return tuple(out)


def _load_file(path: Path, known: frozenset[str]) -> list[Rule]:
    source = str(path)
    doc = load_toml(path)
    check_keys(source, "(top)", doc, ("rules",))
    rules = []
    for name, table in doc.get("rules", {}).items():
        key = f"rules.{name}"
        check_keys(source, key, table, RULE_KEYS, ("category",))
        if table["category"] not in known:
            raise RuleFileError(source, f"{key}.category",
                                f"unknown category {table['category']!r}")
        rule = Rule(
            name=name, category=table["category"],
            weight=number(source, f"{key}.weight", table.get("weight", 1.0)),
            keywords=_phrases(source, f"{key}.keywords", table.get("keywords", [])),
            patterns=regexes(source, f"{key}.patterns", table.get("patterns", [])),
            context=_phrases(source, f"{key}.context", table.get("context", [])),
            unless=_phrases(source, f"{key}.unless", table.get("unless", [])),
            examples=str_list(source, f"{key}.examples", table.get("examples", [])),
        )
        not_after = _not_after(source, f"{key}.not_after", table.get("not_after", {}),
                               rule.keywords)
        if not_after:
            rule = dataclasses.replace(rule, not_after=not_after)
        if not rule.keywords and not rule.patterns:
            raise RuleFileError(source, key, "needs keywords or patterns")
        rules.append(rule)
    return rules
