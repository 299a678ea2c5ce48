"""Deployment overrides: agencies, per-region category rules, keyword routes and channels.

Read from TOML and validated on load: an unknown key or a bad value is an OverrideError
naming the file and the key. References between rules and the directory (does this agency
exist?) are checked by the Directory that receives the overrides.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from routing.model import CHANNEL_KINDS, Channel
from routing.regions import is_region_code

_SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
_RULE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_KEYWORD = re.compile(r"^[A-Za-z0-9]{2,20}$")
_SECRET_REF = re.compile(r"^[A-Z][A-Z0-9_]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_URL = re.compile(r"^https?://[^\s/]+\S*$")


class OverrideError(ValueError):
    """An override file is malformed; the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where a rule sends a complaint: one fixed agency, or an agency type for the region."""

    agency: str | None = None
    agency_type: str | None = None

    def describe(self) -> str:
        """Return the target for a reason string."""
        return f"agency {self.agency}" if self.agency else f"agency type {self.agency_type}"


@dataclass(frozen=True, slots=True)
class Example:
    """One route query a rule must answer; agency None means the route needs a location."""

    category: str
    region: str | None
    keyword: str | None
    agency: str | None
    where: str


@dataclass(frozen=True, slots=True)
class AgencyEntry:
    """An added or renamed agency."""

    code: str
    name: str
    parent: str | None
    where: str


@dataclass(frozen=True, slots=True)
class CategoryRule:
    """Within region (and below it), send category to target instead of the taxonomy's type."""

    id: str
    category: str
    region: str
    target: Target
    examples: tuple[Example, ...]
    where: str


@dataclass(frozen=True, slots=True)
class KeywordRule:
    """An SMS keyword (e.g. KKP) that sends the complaint to target whatever its category."""

    keyword: str
    target: Target
    examples: tuple[Example, ...]
    where: str


@dataclass(frozen=True, slots=True)
class Overrides:
    """All overrides of one or more files; later files win."""

    agencies: Mapping[str, AgencyEntry] = field(default_factory=dict)
    category_rules: tuple[CategoryRule, ...] = ()
    keywords: Mapping[str, KeywordRule] = field(default_factory=dict)
    channels: Mapping[str, tuple[Channel, ...]] = field(default_factory=dict)
    # (agency code, "file: key") for every agency a rule or channel names, checked by Directory.
    references: tuple[tuple[str, str], ...] = ()

    def merged(self, later: Overrides) -> Overrides:
        """Return these overrides with later's on top (same code, id or keyword: later wins)."""
        ids = {rule.id for rule in later.category_rules}
        return Overrides(
            agencies={**self.agencies, **later.agencies},
            category_rules=tuple(r for r in self.category_rules if r.id not in ids)
            + later.category_rules,
            keywords={**self.keywords, **later.keywords},
            channels={**self.channels, **later.channels},
            references=self.references + later.references,
        )

    def examples(self) -> list[Example]:
        """Return every example of every rule, for the generic example check."""
        rules: list[CategoryRule | KeywordRule] = [*self.category_rules, *self.keywords.values()]
        return [example for rule in rules for example in rule.examples]


class _Reader:
    """Checks one TOML table against the keys it may have, naming file and key on error."""

    def __init__(self, path: str, where: str, table: Any, keys: set[str], required: set[str]):
        self.path, self.where = path, where
        if not isinstance(table, dict):
            self.fail("", "must be a table")
        for key in table:
            if key not in keys:
                self.fail(key, f"unknown key (allowed: {', '.join(sorted(keys))})")
        for key in sorted(required - table.keys()):
            self.fail(key, "missing required key")
        self.table = table
        self.text("note")  # free text, but still a string

    def fail(self, key: str, problem: str) -> None:
        name = f"{self.where}.{key}" if key else self.where
        raise OverrideError(f"{self.path}: {name}: {problem}")

    def text(self, key: str, pattern: re.Pattern[str] | None = None) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            self.fail(key, "must be a non-empty string")
        if pattern is not None and not pattern.match(value):
            self.fail(key, f"bad value {value!r} (expected {pattern.pattern})")
        return value.strip()

    def region(self, key: str, regions: Any) -> str | None:
        value = self.text(key)
        if value is not None and (not is_region_code(value) or value not in regions):
            self.fail(key, f"unknown region code {value!r}")
        return value

    def category(self, key: str, categories: Mapping[str, object]) -> str | None:
        value = self.text(key)
        if value is not None and value not in categories:
            self.fail(key, f"unknown category {value!r}")
        return value

    def target(self, references: list[tuple[str, str]]) -> Target:
        agency, agency_type = self.text("agency"), self.text("agency_type", _SLUG)
        if (agency is None) == (agency_type is None):
            self.fail("agency", "give exactly one of agency or agency_type")
        if agency is not None:
            references.append((agency, f"{self.path}: {self.where}.agency"))
        return Target(agency=agency, agency_type=agency_type)


_TOP_KEYS = {"agency", "category_override", "keyword", "channel"}
_EXAMPLE_KEYS = {"category", "region", "keyword", "agency", "needs_location"}


def load_overrides(path: str | Path, *, categories: Mapping[str, object], regions: Any,
                   name: str | None = None) -> Overrides:
    """Read and validate one override file; name (default: the path) is used in messages."""
    name = name or str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise OverrideError(f"{name}: cannot read override file: {exc}") from exc
    return parse_overrides(data, name, categories=categories, regions=regions)


def parse_overrides(data: dict[str, Any], name: str, *, categories: Mapping[str, object],
                    regions: Any) -> Overrides:
    """Validate an already parsed override document; name is used in error messages."""
    top = _Reader(name, "(top level)", data, _TOP_KEYS, set())
    for key in data:
        if not isinstance(data[key], list):
            top.fail(key, "must be an array of tables ([[...]])")
    doc = _Document(name, categories, regions)
    agencies = doc.agencies(data.get("agency", []))
    rules = doc.category_rules(data.get("category_override", []))
    keywords = doc.keywords(data.get("keyword", []))
    channels = doc.channels(data.get("channel", []))
    return Overrides(agencies=agencies, category_rules=rules, keywords=keywords,
                     channels=channels, references=tuple(doc.references))


@dataclass
class _Document:
    """One override file being read: its name, what its values are checked against, and the
    agency codes it mentions (checked against the directory once every file is read)."""

    name: str
    categories: Mapping[str, object]
    regions: Any
    references: list[tuple[str, str]] = field(default_factory=list)

    def reader(self, where: str, table: Any, keys: set[str], required: set[str]) -> _Reader:
        return _Reader(self.name, where, table, keys, required)

    def examples(self, rule: _Reader, category: str | None,
                 keyword: str | None) -> tuple[Example, ...]:
        raw = rule.table.get("examples", [])
        if not isinstance(raw, list):
            rule.fail("examples", "must be an array of inline tables")
        out = []
        for i, item in enumerate(raw):
            ex = self.reader(f"{rule.where}.examples[{i}]", item, _EXAMPLE_KEYS, set())
            needs_location = ex.table.get("needs_location", False)
            if not isinstance(needs_location, bool):
                ex.fail("needs_location", "must be true or false")
            expected = ex.text("agency")
            if expected is not None:
                self.references.append((expected, f"{self.name}: {ex.where}.agency"))
            if (expected is None) != needs_location:
                ex.fail("agency", "give agency, or needs_location = true")
            cat = ex.category("category", self.categories) or category
            if cat is None:
                ex.fail("category", "missing required key")
            out.append(Example(category=str(cat), where=f"{self.name}: {ex.where}",
                               region=ex.region("region", self.regions),
                               keyword=ex.text("keyword") or keyword, agency=expected))
        return tuple(out)

    def agencies(self, items: list[Any]) -> dict[str, AgencyEntry]:
        agencies: dict[str, AgencyEntry] = {}
        for i, item in enumerate(items):
            r = self.reader(f"agency[{i}]", item, {"code", "name", "parent", "note"},
                            {"code", "name"})
            code = r.text("code") or ""
            agency_type, _, scope = code.partition(":")
            if not _SLUG.match(agency_type) or not (scope == "nasional" or scope in self.regions):
                r.fail("code",
                       f"bad agency code {code!r} (expected <type>:<region code|nasional>)")
            if code in agencies:
                r.fail("code", f"duplicate agency {code!r}")
            agencies[code] = AgencyEntry(code, r.text("name") or "", r.text("parent"),
                                         f"{self.name}: {r.where}")
        return agencies

    def category_rules(self, items: list[Any]) -> tuple[CategoryRule, ...]:
        rules: list[CategoryRule] = []
        for i, item in enumerate(items):
            r = self.reader(f"category_override[{i}]", item,
                            {"id", "category", "region", "agency", "agency_type", "note",
                             "examples"}, {"id", "category", "region"})
            rule_id = r.text("id", _RULE_ID) or ""
            if any(rule.id == rule_id for rule in rules):
                r.fail("id", f"duplicate rule id {rule_id!r}")
            category = r.category("category", self.categories)
            region = r.region("region", self.regions)
            rules.append(CategoryRule(rule_id, str(category), str(region),
                                      r.target(self.references),
                                      self.examples(r, category, None), f"{self.name}: {r.where}"))
        return tuple(rules)

    def keywords(self, items: list[Any]) -> dict[str, KeywordRule]:
        keywords: dict[str, KeywordRule] = {}
        for i, item in enumerate(items):
            r = self.reader(f"keyword[{i}]", item,
                            {"keyword", "agency", "agency_type", "note", "examples"}, {"keyword"})
            word = (r.text("keyword", _KEYWORD) or "").casefold()
            if word in keywords:
                r.fail("keyword", f"duplicate keyword {word!r}")
            keywords[word] = KeywordRule(word, r.target(self.references),
                                         self.examples(r, None, word), f"{self.name}: {r.where}")
        return keywords

    def channels(self, items: list[Any]) -> dict[str, tuple[Channel, ...]]:
        channels: dict[str, list[Channel]] = {}
        for i, item in enumerate(items):
            r = self.reader(f"channel[{i}]", item,
                            {"agency", "kind", "url", "secret", "address", "note"},
                            {"agency", "kind"})
            kind = r.text("kind")
            if kind not in CHANNEL_KINDS:
                r.fail("kind",
                       f"bad value {kind!r} (expected one of {', '.join(CHANNEL_KINDS)})")
            needed = {"webhook": {"url", "secret"}, "email": {"address"}, "pull": set()}[str(kind)]
            for key in sorted(({"url", "secret", "address"} - needed) & item.keys()):
                r.fail(key, f"not used by a {kind} channel")
            for key in sorted(needed - item.keys()):
                r.fail(key, f"required for a {kind} channel")
            channel = Channel(kind=str(kind), url=r.text("url", _URL),
                              secret_ref=r.text("secret", _SECRET_REF),
                              address=r.text("address", _EMAIL))
            agency = str(r.text("agency"))
            self.references.append((agency, f"{self.name}: {r.where}.agency"))
            channels.setdefault(agency, []).append(channel)
        return {code: tuple(chs) for code, chs in channels.items()}
