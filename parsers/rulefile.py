"""Load the parser's TOML data files strictly: an unknown key or a bad regex is an error."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any


class RuleFileError(ValueError):
    """A rule file is malformed; the message names the file and the key."""

    def __init__(self, source: str, key: str, problem: str) -> None:
        super().__init__(f"{source}: {key}: {problem}")
        self.source = source
        self.key = key
        self.problem = problem


def shipped(name: str) -> Path:
    """Return the path of a rule file shipped in parsers/rules/."""
    return Path(str(resources.files("parsers") / "rules" / name))


def data_path(name: str) -> Path:
    """Return the path of a data file shipped in parsers/data/."""
    return Path(str(resources.files("parsers") / "data" / name))


def load_toml(path: Path) -> dict[str, Any]:
    """Parse a TOML file, turning syntax errors into RuleFileError."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RuleFileError(str(path), "(syntax)", str(exc)) from exc


def check_keys(source: str, key: str, table: Mapping[str, Any],
               allowed: Iterable[str], required: Iterable[str] = ()) -> None:
    """Reject keys outside `allowed` and missing `required` keys."""
    if not isinstance(table, Mapping):
        raise RuleFileError(source, key, "expected a table")
    allowed = set(allowed)
    for name in table:
        if name not in allowed:
            raise RuleFileError(source, f"{key}.{name}",
                                f"unknown key (allowed: {sorted(allowed)})")
    for name in required:
        if name not in table:
            raise RuleFileError(source, f"{key}.{name}", "missing required key")


def str_list(source: str, key: str, value: Any) -> tuple[str, ...]:
    """Return value as a tuple of strings or raise naming the key."""
    if isinstance(value, str) or not isinstance(value, list):
        raise RuleFileError(source, key, "expected a list of strings")
    for item in value:
        if not isinstance(item, str) or not item.strip():
            raise RuleFileError(source, key, f"expected non-empty strings, got {item!r}")
    return tuple(value)


def number(source: str, key: str, value: Any) -> float:
    """Return value as a float or raise naming the key."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise RuleFileError(source, key, f"expected a number, got {value!r}")
    return float(value)


def regexes(source: str, key: str, value: Any) -> tuple[re.Pattern[str], ...]:
    """Compile a list of regular expressions or raise naming the key."""
    compiled = []
    for i, pattern in enumerate(str_list(source, key, value)):
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise RuleFileError(source, f"{key}[{i}]", f"bad regex {pattern!r}: {exc}") from exc
    return tuple(compiled)
