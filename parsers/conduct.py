"""Tell complaints about officials' own conduct (pungli, bribes, abuse) from the rest."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from parsers.rulefile import check_keys, load_toml, number, shipped, str_list

Phrases = dict[str, tuple[tuple[str, ...], ...]]  # first word -> the phrases starting with it


def _phrases(values: tuple[str, ...]) -> Phrases:
    index: dict[str, list[tuple[str, ...]]] = {}
    for value in values:
        words = tuple(value.lower().split())
        index.setdefault(words[0], []).append(words)
    return {first: tuple(found) for first, found in index.items()}


def _find(tokens: list[str], phrases: Phrases) -> list[tuple[int, str]]:
    """Return (position, phrase) for every phrase found in tokens, in text order."""
    return [(i, " ".join(words)) for i, token in enumerate(tokens)
            for words in phrases.get(token, ()) if tuple(tokens[i:i + len(words)]) == words]


@dataclass(frozen=True)
class Conduct:
    """Misconduct words, acts that need an official nearby, and words that make both strict."""

    words: Phrases
    acts: Phrases
    officials: frozenset[str]
    unless: Phrases
    window: int
    strict_window: int
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()

    @classmethod
    def load(cls, rules: Path | None = None) -> Conduct:
        """Load and validate conduct.toml."""
        path = rules or shipped("conduct.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("conduct",), ("conduct",))
        table = doc["conduct"]
        check_keys(source, "conduct", table, ("words", "phrases", "acts", "officials", "window",
                                              "strict_window", "unless", "examples",
                                              "non_examples"),
                   ("words", "acts", "officials"))
        words = str_list(source, "conduct.words", table["words"])
        phrases = str_list(source, "conduct.phrases", table.get("phrases", []))
        return cls(
            words=_phrases(words + phrases),
            acts=_phrases(str_list(source, "conduct.acts", table["acts"])),
            officials=frozenset(w.lower() for w in
                                str_list(source, "conduct.officials", table["officials"])),
            unless=_phrases(str_list(source, "conduct.unless", table.get("unless", []))),
            window=int(number(source, "conduct.window", table.get("window", 5))),
            strict_window=int(number(source, "conduct.strict_window",
                                     table.get("strict_window", 3))),
            examples=str_list(source, "conduct.examples", table.get("examples", [])),
            non_examples=str_list(source, "conduct.non_examples",
                                  table.get("non_examples", [])),
        )

    def about_officials(self, tokens: list[str]) -> str | None:
        """Return the reason ("conduct:pungli") when tokens accuse officials, else None."""
        named = [i for i, t in enumerate(tokens) if t in self.officials]
        strict = bool(_find(tokens, self.unless))
        window = self.strict_window if strict else self.window
        for i, phrase in _find(tokens, self.words):
            if not strict or _near(i, named, window):
                return f"conduct:{phrase}"
        for i, phrase in _find(tokens, self.acts):
            if _near(i, named, window):
                return f"conduct:{phrase}"
        return None


def _near(position: int, named: list[int], window: int) -> bool:
    return any(abs(position - j) <= window for j in named)
