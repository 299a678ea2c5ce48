"""Screen out what is not a complaint: courtesy-only messages, promotions and scams, noise."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from parsers.category import CategoryRules
from parsers.rulefile import RuleFileError, check_keys, load_toml, number, shipped, str_list
from parsers.stem import forms


@dataclass(frozen=True, slots=True)
class Screen:
    """Why a message is not a complaint (kind is None when it may be one)."""

    kind: str | None  # courtesy | spam | noise | None
    reason: str = ""
    doubt: str = ""  # a possible complaint that reads as personal or promotional: review it


@dataclass(frozen=True)
class Screener:
    """Courtesy words, spam patterns and the exceptions, from screening.toml."""

    courtesy: frozenset[str]
    spam: tuple[tuple[re.Pattern[str], float], ...]
    spam_phrases: dict[str, tuple[tuple[tuple[str, ...], float], ...]]
    threshold: float
    complaint_about: tuple[str, ...]
    examples: tuple[str, ...]
    non_examples: tuple[str, ...]
    grievance: frozenset[str] = frozenset()
    grievance_max_words: int = 0
    personal: tuple[str, ...] = ()
    personal_suffixes: tuple[str, ...] = ()
    not_grievance: frozenset[str] = frozenset()
    vocatives: frozenset[str] = frozenset()
    honorifics: frozenset[str] = frozenset()
    officials: frozenset[str] = frozenset()

    @classmethod
    def load(cls, rules: Path | None = None) -> Screener:
        """Load and validate screening.toml."""
        path = rules or shipped("screening.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("courtesy", "spam", "grievance"))
        grievance = doc.get("grievance", {})
        check_keys(source, "grievance", grievance,
                   ("words", "max_words", "personal", "personal_suffixes", "not_words",
                    "vocatives", "honorifics", "officials"))
        courtesy = doc.get("courtesy", {})
        check_keys(source, "courtesy", courtesy, ("words",))
        spam = doc.get("spam", {})
        check_keys(source, "spam", spam, ("threshold", "phrases", "patterns", "complaint_about",
                                          "examples", "non_examples"))
        phrases: dict[str, list[tuple[tuple[str, ...], float]]] = {}
        for i, entry in enumerate(spam.get("phrases", [])):
            key = f"spam.phrases[{i}]"
            check_keys(source, key, entry, ("phrase", "weight"), ("phrase",))
            words = tuple(str_list(source, f"{key}.phrase", [entry["phrase"]])[0].split())
            weight = number(source, f"{key}.weight", entry.get("weight", 1.0))
            phrases.setdefault(words[0], []).append((words, weight))
        patterns = []
        for i, entry in enumerate(spam.get("patterns", [])):
            key = f"spam.patterns[{i}]"
            check_keys(source, key, entry, ("pattern", "weight"), ("pattern",))
            try:
                compiled = re.compile(entry["pattern"])
            except (re.error, TypeError) as exc:
                raise RuleFileError(source, f"{key}.pattern", f"bad regex: {exc}") from exc
            patterns.append((compiled, number(source, f"{key}.weight", entry.get("weight", 1.0))))
        return cls(
            courtesy=frozenset(str_list(source, "courtesy.words", courtesy.get("words", []))),
            spam=tuple(patterns),
            spam_phrases={k: tuple(v) for k, v in phrases.items()},
            threshold=number(source, "spam.threshold", spam.get("threshold", 2.0)),
            complaint_about=str_list(source, "spam.complaint_about",
                                     spam.get("complaint_about", [])),
            examples=str_list(source, "spam.examples", spam.get("examples", [])),
            non_examples=str_list(source, "spam.non_examples", spam.get("non_examples", [])),
            grievance=frozenset(str_list(source, "grievance.words", grievance.get("words", []))),
            grievance_max_words=int(number(source, "grievance.max_words",
                                           grievance.get("max_words", 0))),
            personal=tuple(f" {p} " for p in str_list(source, "grievance.personal",
                                                       grievance.get("personal", []))),
            personal_suffixes=str_list(source, "grievance.personal_suffixes",
                                       grievance.get("personal_suffixes", [])),
            not_grievance=frozenset(str_list(source, "grievance.not_words",
                                             grievance.get("not_words", []))),
            vocatives=frozenset(v.lower() for v in str_list(
                source, "grievance.vocatives", grievance.get("vocatives", []))),
            honorifics=frozenset(v.lower() for v in str_list(
                source, "grievance.honorifics", grievance.get("honorifics", []))),
            officials=frozenset(v.lower() for v in str_list(
                source, "grievance.officials", grievance.get("officials", []))),
        )

    def spam_score(self, raw_lower: str, tokens: list[str]) -> float:
        """Sum of the weights of the distinct spam phrases and patterns found."""
        found: dict[tuple[str, ...], float] = {}
        for i, token in enumerate(tokens):
            for words, weight in self.spam_phrases.get(token, ()):
                if tuple(tokens[i:i + len(words)]) == words:
                    found[words] = weight
        return sum(found.values()) + sum(w for p, w in self.spam if p.search(raw_lower))

    def screen(self, raw: str, tokens: list[str], normalised: str,
               rules: CategoryRules | None = None,
               vocabulary: frozenset[str] = frozenset()) -> Screen:
        """Classify a message as courtesy, spam or noise, or None when it may be a complaint.

        A short message on which a category rule fires ("jalan rusak") may be a complaint.
        `vocabulary` (known words) lets "anakmu" read as "anak" + the chat suffix "-mu".
        """
        if not tokens:
            return Screen("noise", "screen:empty")
        low = raw.lower()
        score = self.spam_score(low, tokens)
        if score >= self.threshold and not any(p in normalised for p in self.complaint_about):
            return Screen("spam", f"screen:spam={score:g}")
        words = [t for t in tokens if not t.isdigit()]
        content = [t for t in words if t not in self.courtesy]
        if not content:
            return Screen("courtesy", "screen:courtesy")
        if len(words) < 3 or sum(len(t) > 1 for t in content) < 2:
            if rules is not None and len(content) >= 2 and rules.hits(tokens, normalised):
                return Screen(None)
            return Screen("noise", "screen:too-short")
        return Screen(None, doubt=self.doubt(tokens, normalised, vocabulary, raw=raw))

    def doubt(self, tokens: list[str], normalised: str,
              vocabulary: frozenset[str] = frozenset(), *, raw: str = "") -> str:
        """A short message of family chat, or without a word of grievance, is doubtful.

        "Obat dari puskesmas diminum 3x sehari ya pak" fires a health rule but complains of nothing.
        So is a message of any length that opens by calling a relative or a friend ("Dek,
        ...", "Kak, ...?"), and a short one that calls someone by name ("Bu Siti, ..."),
        where a complaint calls an official, if anyone ("Pak, ...", "Pak Lurah, ...").
        """
        short = len(tokens) <= self.grievance_max_words
        if self.calls_someone(raw, by_name=short):
            return "screen:personal"
        if not short:
            return ""
        padded = f" {normalised} "
        if any(p in padded for p in self.personal) or any(
                t.endswith(s) and t not in vocabulary and t[:-len(s)] in vocabulary
                for t in tokens for s in self.personal_suffixes):
            return "screen:personal"
        if any(f in self.grievance for t in tokens if t not in self.not_grievance
               for f in forms(t)):
            return ""
        return "screen:no-grievance"

    def calls_someone(self, raw: str, *, by_name: bool = True) -> bool:
        """True when the text opens with one of the vocatives, or (by_name) with an honorific
        and a name written as a name ("Bu Siti", "Pak Guru"; not an official: "Pak Lurah"),
        then a comma or "!"."""
        found = _VOCATIVE.match(raw)
        if found is None:
            return False
        first, names = found.group(1).lower(), found.group(2).split()
        if not names:
            return first in self.vocatives
        return by_name and first in self.honorifics and not any(
            n.lower() in self.officials for n in names)


# A first word, or a first word and one or two capitalised words ("Bu Siti", "Pak Haji
# Umar"), then a comma or "!".
_VOCATIVE = re.compile(r"\s*([A-Za-z]+)((?:\s+[A-Z][a-z]+){0,2})\s*[,!]")
