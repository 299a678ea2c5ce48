"""The SMS command grammar: CEK/STATUS, BATAL, INFO, STOP, MULAI, LAPOR, RAHASIA/ANONIM."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from parsers.rulefile import (
    RuleFileError,
    check_keys,
    load_toml,
    number,
    regexes,
    shipped,
    str_list,
)

_WORD = re.compile(r"[^\W_]+|#", re.UNICODE)
_LEADING = re.compile(r"^[\s#:;.,\-/*!]*([^\W_]+)[\s#:;.,\-/*!]*", re.UNICODE)
_TICKET = re.compile(r"(?<!\d)#?\s*(\d{7})(?!\d)")
# A rating as SMS write it: "5", "nilai 4", "bintang 5", "sy kasih 4", "4 bintang", "5 pak,
# makasih", "3/5"; nothing else may be in the message.
_RATING = re.compile(
    r"^[\s:#]*(?:(?:nilai(?:nya)?|rating|skor|bintang|(?:(?:saya|sy|aku)\s+)?(?:kasih|beri))"
    r"[\s:#]*)?([1-5])(?:\s*/\s*5|\s+dari\s+5)?"
    r"(?:[\s,.!*]+(?:bintang|ya|pak|bu|min|kak|terima\s*kasih|makasih|trims|tks|thx))*"
    r"[\s.!*]*$", re.I)
_REPEATS = re.compile(r"(.)\1+")
TICKET_MODES = ("required", "none")
# Without a ticket number, a "required" command is a command in a message of at most this many
# words, or when every further word is one of the intent's filler words (fewer than MAX).
SHORT_WITHOUT_TICKET = 4
MAX_FILLER_WORDS = 12
# A command without its word first is short: filler words and a ticket number fit one SMS.
MAX_ANYWHERE_CHARS = 160


@dataclass(frozen=True, slots=True)
class Command:
    """A recognised command word and its ticket number, if any."""

    intent: str
    word: str
    ticket_ref: str | None


@dataclass(frozen=True, slots=True)
class Prefix:
    """What the leading words said: report marker, privacy wishes, deployment keyword."""

    rest: str
    anonymous: bool = False
    confidential: bool = False
    keyword: str | None = None
    reasons: tuple[str, ...] = ()

    @property
    def says_it_is_a_report(self) -> bool:
        """A leading LAPOR, RAHASIA or ANONIM, or a privacy phrase ("jgn sebut nama sy"); not a
        deployment keyword, nor a privacy word merely near the start."""
        return any(r.startswith(("prefix:", "privacy-phrase:")) or (
            r.startswith("privacy:") and not r.endswith("-near-start")) for r in self.reasons)


@dataclass(frozen=True, slots=True)
class Keyword:
    """A deployment keyword implying a region and/or a category (agency)."""

    name: str
    region: str | None
    category: str | None
    agency: str | None


def _squash(word: str) -> str:
    return _REPEATS.sub(r"\1", word.lower())


def _near(word: str, target: str) -> bool:
    """True for equal words or, for 5+ letters, one insertion, deletion, swap or substitution."""
    if word == target:
        return True
    if len(target) < 5 or abs(len(word) - len(target)) > 1:
        return False
    if len(word) == len(target):
        diff = [i for i, (a, b) in enumerate(zip(word, target, strict=True)) if a != b]
        return len(diff) == 1 or (len(diff) == 2 and diff[1] == diff[0] + 1
                                  and word[diff[0]] == target[diff[1]]
                                  and word[diff[1]] == target[diff[0]])
    short, long_ = sorted((word, target), key=len)
    return any(long_[:i] + long_[i + 1:] == short for i in range(len(long_)))


@dataclass(frozen=True)
class Grammar:
    """Command words, prefix words and privacy phrases loaded from commands.toml."""

    commands: dict[str, tuple[str, str, int]]  # word -> (intent, ticket mode, max words)
    report: frozenset[str]
    anonymous: frozenset[str]
    confidential: frozenset[str]
    privacy_window: int
    anonymous_phrases: tuple[re.Pattern[str], ...]
    confidential_phrases: tuple[re.Pattern[str], ...]
    keywords: dict[str, Keyword]
    # words one of which a message needs before its privacy phrases are tried (speed)
    privacy_hints: tuple[str, ...] = ()
    # intent -> words that may follow its command word when no ticket number is given
    filler: dict[str, frozenset[str]] = field(default_factory=dict)
    # status words without a command word ask for the sender's tickets when they name them
    # with one of these; report_hints: their first letters, a cheap test before the words
    report_nouns: frozenset[str] = frozenset()
    report_hints: tuple[str, ...] = ()
    # a privacy word near the start that follows or precedes one of these is no wish
    not_a_wish_after: frozenset[str] = frozenset()
    not_a_wish_before: frozenset[str] = frozenset()
    fuzzy_cache: dict[str, tuple[str, str, int] | None] = field(default_factory=dict)

    @classmethod
    def load(cls, rules: Path | None = None, keywords: Path | None = None,
             regions: frozenset[str] | None = None,
             categories: frozenset[str] | None = None) -> Grammar:
        """Load and validate commands.toml and keywords.toml."""
        path = rules or shipped("commands.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("intents", "prefix", "privacy_phrases"))
        commands, filler, nouns = _load_intents(source, doc.get("intents", {}))
        prefix = doc.get("prefix", {})
        check_keys(source, "prefix", prefix,
                   ("report", "anonymous", "confidential", "privacy_window",
                    "not_a_wish_after", "not_a_wish_before"))
        phrases = doc.get("privacy_phrases", {})
        check_keys(source, "privacy_phrases", phrases, ("anonymous", "confidential", "hints"))
        anonymous_phrases = regexes(source, "privacy_phrases.anonymous",
                                    phrases.get("anonymous", []))
        confidential_phrases = regexes(source, "privacy_phrases.confidential",
                                       phrases.get("confidential", []))
        every = anonymous_phrases + confidential_phrases
        hints = str_list(source, "privacy_phrases.hints", phrases.get("hints", []))
        for p in every:
            if not any(h in p.pattern for h in hints):
                raise RuleFileError(source, "privacy_phrases.hints",
                                    f"no hint word in the phrase {p.pattern!r}")
        return cls(
            commands=commands,
            report=frozenset(str_list(source, "prefix.report", prefix.get("report", []))),
            anonymous=frozenset(str_list(source, "prefix.anonymous", prefix.get("anonymous", []))),
            confidential=frozenset(
                str_list(source, "prefix.confidential", prefix.get("confidential", []))),
            privacy_window=int(number(source, "prefix.privacy_window",
                                      prefix.get("privacy_window", 6))),
            anonymous_phrases=anonymous_phrases,
            confidential_phrases=confidential_phrases,
            keywords=_load_keywords(keywords or shipped("keywords.toml"), regions, categories),
            privacy_hints=tuple(hints),
            filler=filler,
            report_nouns=nouns,
            report_hints=tuple(sorted({n[:3] for n in nouns})),
            not_a_wish_after=frozenset(str_list(source, "prefix.not_a_wish_after",
                                                prefix.get("not_a_wish_after", []))),
            not_a_wish_before=frozenset(str_list(source, "prefix.not_a_wish_before",
                                                 prefix.get("not_a_wish_before", []))),
        )

    def _a_wish(self, words: list[str], i: int) -> bool:
        """Whether the privacy word at words[i] reads as a wish, not as part of a phrase
        ("rahasia umum" is an open secret, "les privat" private lessons)."""
        after = words[i + 1] if i + 1 < len(words) else ""
        before = words[i - 1] if i > 0 else ""
        return after not in self.not_a_wish_after and before not in self.not_a_wish_before

    def strip_prefix(self, text: str) -> Prefix:
        """Strip leading LAPOR / RAHASIA / ANONIM / keyword words and note privacy wishes."""
        rest, keyword = text, None
        anonymous = confidential = False
        reasons: list[str] = []
        while m := _LEADING.match(rest):
            word = m.group(1).lower()
            if word in self.report:
                reasons.append(f"prefix:{word}")
            elif word in self.anonymous:
                anonymous = True
                reasons.append(f"privacy:{word}")
            elif word in self.confidential:
                confidential = True
                reasons.append(f"privacy:{word}")
            elif keyword is None and word.upper() in self.keywords:
                keyword = word.upper()
                reasons.append(f"keyword:{keyword}")
            else:
                break
            rest = rest[m.end():]
        low = rest.lower()
        head = _WORD.findall(low[: 20 * self.privacy_window])[: self.privacy_window]
        if not anonymous and any(w in self.anonymous for w in head):
            anonymous = True
            reasons.append("privacy:anonim-near-start")
        if not confidential and any(w in self.confidential and self._a_wish(head, i)
                                    for i, w in enumerate(head)):
            confidential = True
            reasons.append("privacy:rahasia-near-start")
        hinted = any(h in low for h in self.privacy_hints)
        for flag, patterns in (("anonymous", self.anonymous_phrases),
                               ("confidential", self.confidential_phrases)):
            if not hinted:
                break
            hit = next((p.pattern for p in patterns if p.search(low)), None)
            if hit:
                reasons.append(f"privacy-phrase:{flag}")
                anonymous = anonymous or flag == "anonymous"
                confidential = confidential or flag == "confidential"
        return Prefix(rest.strip(), anonymous, confidential, keyword, tuple(reasons))

    def command(self, text: str) -> Command | None:
        """Return the command the text starts with, or None when it is not a command.

        A message of a ticket number and status words only ("1234567", "gmn laporan sy
        #1234567?", "tiket 1234567 sdh smp mana") asks for that ticket's status too.
        """
        m = _LEADING.match(text)
        if not m:
            return None
        word = _squash(m.group(1))
        entry = self.commands.get(word) or self._fuzzy(word)
        if entry is None:
            return self._command_anywhere(text)
        intent, mode, limit = entry
        words = len(_WORD.findall(text))
        if mode == "none":
            return Command(intent, word, None) if words <= limit else None
        ticket = _TICKET.search(text[:120])
        if ticket:
            return Command(intent, word, ticket.group(1))
        if words <= SHORT_WITHOUT_TICKET or self._only_filler(intent, text[m.end():]):
            return Command(intent, word, None)
        return None

    def _command_anywhere(self, text: str) -> Command | None:
        """A command without a command word first: a ticket number with only status words
        ("1234567", "gmn laporan sy #1234567?"), a ticket number with a cancel word anywhere
        and only cancel words ("mohon dibatalkan laporan 1234567"), or, without a number,
        status words only naming the reports ("gimana kabar laporan sy?")."""
        if len(text) > MAX_ANYWHERE_CHARS:
            return None
        low = text.lower()
        ticket = _TICKET.search(low)
        if ticket is None and not any(n in low for n in self.report_hints):
            return None
        rest = low if ticket is None else low[:ticket.start()] + " " + low[ticket.end():]
        words = _WORD.findall(rest)
        if ticket is not None:
            cancel = [w for w in words if self.commands.get(_squash(w), ("",))[0] == "cancel"]
            if cancel and self._only_filler("cancel", " ".join(
                    w for w in words if w not in cancel)):
                return Command("cancel", _squash(cancel[0]), ticket.group(1))
            if not words or self._only_filler("status", rest):
                return Command("status", "ticket-number", ticket.group(1))
            return None
        if len(words) >= 2 and self._only_filler("status", rest) and any(
                _squash(w) in self.report_nouns for w in words):
            return Command("status", "question", None)
        return None

    def _only_filler(self, intent: str, rest: str) -> bool:
        """True when every word after the command word is a filler word of the intent.

        "cek status laporan saya yang kemarin" asks for the sender's tickets without a number;
        "cek jalan di depan rumah rusak ..." is a complaint.
        """
        allowed = self.filler.get(intent, frozenset())
        words = _WORD.findall(rest.lower())
        # "laporan2" is how SMS writes the plural "laporan-laporan".
        return bool(allowed) and len(words) < MAX_FILLER_WORDS and all(
            w in allowed or _squash(w.removesuffix("2")) in allowed or w == "#" for w in words)

    def _fuzzy(self, word: str) -> tuple[str, str, int] | None:
        if len(word) < 4 or len(word) > 12:
            return None
        if word not in self.fuzzy_cache:
            if len(self.fuzzy_cache) > 50_000:
                self.fuzzy_cache.clear()
            self.fuzzy_cache[word] = next(
                (v for k, v in self.commands.items() if _near(word, k)), None)
        return self.fuzzy_cache[word]

    @staticmethod
    def rating(text: str) -> int | None:
        """Return 1-5 when the whole message is a rating ("5", "nilai 4"), else None."""
        m = _RATING.match(text)
        return int(m.group(1)) if m else None


def _load_keywords(path: Path, regions: frozenset[str] | None,
                   categories: frozenset[str] | None) -> dict[str, Keyword]:
    source = str(path)
    doc = load_toml(path)
    check_keys(source, "(top)", doc, ("keywords",))
    found = {}
    for name, table in doc.get("keywords", {}).items():
        key = f"keywords.{name}"
        check_keys(source, key, table, ("region", "category", "agency", "about", "examples"))
        region, category = table.get("region"), table.get("category")
        if region is None and category is None and "agency" not in table:
            raise RuleFileError(source, key, "needs a region, category or agency")
        if region is not None and regions is not None and region not in regions:
            raise RuleFileError(source, f"{key}.region", f"unknown region code {region!r}")
        if category is not None and categories is not None and category not in categories:
            raise RuleFileError(source, f"{key}.category", f"unknown category {category!r}")
        str_list(source, f"{key}.examples", table.get("examples", []))
        found[name.upper()] = Keyword(name.upper(), region, category, table.get("agency"))
    return found


def _load_intents(source: str, intents: dict[str, Any]) -> tuple[
        dict[str, tuple[str, str, int]], dict[str, frozenset[str]], frozenset[str]]:
    """commands.toml's [intents.*]: command word -> (intent, ticket mode, max words), filler,
    and the status intent's report nouns."""
    commands: dict[str, tuple[str, str, int]] = {}
    filler: dict[str, frozenset[str]] = {}
    nouns: frozenset[str] = frozenset()
    for intent, table in intents.items():
        key = f"intents.{intent}"
        check_keys(source, key, table,
                   ("words", "ticket", "max_words", "filler", "examples", "report_nouns"),
                   ("words", "ticket"))
        if intent not in ("status", "cancel", "help", "stop", "start"):
            raise RuleFileError(source, key, "not a command intent")
        if "report_nouns" in table:
            if intent != "status":
                raise RuleFileError(source, f"{key}.report_nouns", "only for intents.status")
            nouns = frozenset(_squash(w) for w in str_list(
                source, f"{key}.report_nouns", table["report_nouns"]))
        if table["ticket"] not in TICKET_MODES:
            raise RuleFileError(source, f"{key}.ticket", f"must be one of {TICKET_MODES}")
        limit = int(number(source, f"{key}.max_words", table.get("max_words", 1000)))
        str_list(source, f"{key}.examples", table.get("examples", []))
        if "filler" in table:
            if table["ticket"] != "required":
                raise RuleFileError(source, f"{key}.filler",
                                    'only for intents with ticket = "required"')
            filler[intent] = frozenset(
                w.lower() for w in str_list(source, f"{key}.filler", table["filler"]))
        for word in str_list(source, f"{key}.words", table["words"]):
            commands[_squash(word)] = (intent, table["ticket"], limit)
    return commands, filler, nouns
