"""Privacy wishes in a citizen's own words, read from the normalised tokens.

The phrase regexes of commands.toml catch the wordings seen before; fresh SMS sets showed a long
tail (half of each new set's wishes were worded some new way). This reads a wish from its parts
instead, so a new wording of known parts is caught: the reporter's identity (a name, the
reporter, "the one who reported", this phone number) next to a concealing word ("privasi
pelapor mohon dijaga", "RAHASIAKAN PELAPOR"), a "don't" with a revealing verb before or after
it ("jgn bocorin nomor ini", "identitas sy tlg gk usah diungkap", "ojo nganti ketok sopo sing
lapor"), fear of being known as the reporter ("kalau ketahuan saya yang lapor"), "don't tell"
with a threat ("jgn bilang ke mandor, bisa dipecat"), and idioms ("hamba allah"). The words
are the normaliser's (so "jgn", "ojo" and "jangan" are one word), with their affixed forms.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from parsers.rulefile import check_keys, load_toml, number, shipped, str_list
from parsers.stem import forms

WORD_CLASSES = ("identity", "self", "identity_pairs", "source_pairs", "relative", "report",
                "conceal", "negation", "plain_not", "reveal", "reveal_after", "condition",
                "knowing", "tell", "threat", "wanting", "not_identity_after")


@dataclass(frozen=True)
class PrivacyWords:
    """Word classes and windows that make a privacy wish (privacy.toml)."""

    words: dict[str, frozenset[str]]
    idioms: tuple[tuple[str, ...], ...]
    window: int
    examples: tuple[str, ...] = ()
    non_examples: tuple[str, ...] = ()
    _cache: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _interned: dict[frozenset[str], frozenset[str]] = field(default_factory=dict, repr=False,
                                                            compare=False)
    _pairs: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)
    _sources: dict[str, frozenset[str]] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._pairs.update(self._pair_index("identity_pairs"))
        self._sources.update(self._pair_index("source_pairs"))

    @classmethod
    def load(cls, rules: Path | None = None) -> PrivacyWords:
        """Load and validate privacy.toml."""
        path = rules or shipped("privacy.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("words", "idioms", "window", "examples",
                                          "non_examples"), ("words",))
        check_keys(source, "words", doc["words"], WORD_CLASSES, WORD_CLASSES)
        return cls(
            words={name: frozenset(w.lower() for w in str_list(source, f"words.{name}", values))
                   for name, values in doc["words"].items()},
            idioms=tuple(tuple(p.lower().split())
                         for p in str_list(source, "idioms", doc.get("idioms", []))),
            window=int(number(source, "window", doc.get("window", 4))),
            examples=str_list(source, "examples", doc.get("examples", [])),
            non_examples=str_list(source, "non_examples", doc.get("non_examples", [])),
        )

    def all_words(self) -> Iterable[tuple[str, str]]:
        """(class, word) for every word, for the check that the normaliser leaves them be."""
        for name, words in self.words.items():
            for word in sorted(w for phrase in words for w in phrase.split()):
                yield name, word.removeprefix("=")
        for idiom in self.idioms:
            for word in idiom:
                yield "idioms", word

    def wish(self, tokens: list[str]) -> str | None:
        """Return the reason ("privacy-words:conceal") when tokens ask to hide the reporter."""
        classes = [self._classes(t) for t in tokens]
        marked = [j for j, found in enumerate(classes) if found]
        if not any(classes[j] & _STARTS for j in marked):
            return self._idiom(tokens, classes, marked)
        identity = self._identities(tokens, classes, marked)
        sources = [i for i in marked if "source" in classes[i]
                   and _pair_at(self._sources, tokens, i)]
        w = self.window
        for j in marked:
            found = classes[j]
            # an identity near a concealing word, before or after it
            if "conceal" in found and _near(identity, j - w, j + w):
                return "privacy-words:conceal"
            no_need = "plain_not" in found and _no_need(tokens, j)
            if "negation" in found or no_need:
                after = j + (2 if no_need else 1)
                # "jangan (sampai) sebut/kasih tau ... nama saya / saya yang lapor", or
                # "nama saya ... jangan / tidak usah (di)sebut/bocorkan"
                # ("jangan sampai kepala sekolah tahu ...": up to four words before the verb)
                verb = _first(classes, after, after + 4, "reveal")
                if verb is not None and (_near(identity, verb + 1, verb + w + 1)
                                         or _near(identity, j - w, j - 1)
                                         or _near(sources, verb + 1, verb + 2)):
                    return "privacy-words:do-not-reveal"
                # "nama saya tidak usah" at the end (the verb left out)
                if no_need and j + 2 == len(tokens) and _near(identity, j - 2, j - 1):
                    return "privacy-words:do-not-reveal"
                # "jangan bilang ke mandor, kami bisa dipecat"
                tell = _first(classes, after, after + 1, "tell")
                if tell is not None and _first(classes, tell + 1, tell + 10, "threat") is not None:
                    return "privacy-words:threat"
            if "plain_not" in found and j + 1 < len(tokens):
                following = tokens[j + 1]
                # "nomor ini tidak diberikan ke sekolah": a plain "tidak" only before giving
                # away, passive ("nomor telepon kantor tidak memberikan solusi" is no wish)
                if following.startswith("di") and "reveal_after" in classes[j + 1] \
                        and _near(identity, j - w, j - 1):
                    return "privacy-words:do-not-reveal"
                # "saya tidak ingin disebut(kan)"
                if "wanting" in classes[j + 1] and j + 2 < len(tokens) \
                        and "reveal" in classes[j + 2] and tokens[j + 2].startswith("di") \
                        and (j + 3 >= len(tokens) or tokens[j + 3] not in ("sebagai", "jadi")):
                    return "privacy-words:do-not-name"
            # "kalau (bos) tahu / ketahuan saya yang lapor"; "kalau ketahuan lapor, lapak
            # saya bisa digusur"
            if "condition" in found:
                know = _first(classes, j + 1, j + 5, "knowing")
                if know is not None and (_near(identity, know + 1, know + 3) or any(
                        "self" in classes[k] and "report" in classes[k + 1]
                        for k in range(know + 1, min(know + 3, len(tokens) - 1)))):
                    return "privacy-words:fear"
                if know is not None and _first(classes, know + 1, know + 2, "report") \
                        is not None and _first(classes, know + 2, know + 9, "threat") is not None:
                    return "privacy-words:fear"
        return self._idiom(tokens, classes, marked)

    def _classes(self, token: str) -> frozenset[str]:
        """The classes of a token: by its affixed forms, or exactly for a word written "=w";
        "pair", "source" and "idiom" for the first word of an identity pair, a source pair or
        an idiom (cached per token)."""
        found = self._cache.get(token)
        if found is None:
            token_forms = forms(token)
            exact = "=" + token
            names = {name for name, words in self.words.items()
                     if token_forms & words or exact in words}
            if token in self._pairs:
                names.add("pair")
            if token in self._sources:
                names.add("source")
            if any(idiom[0] == token for idiom in self.idioms):
                names.add("idiom")
            # one frozenset per distinct combination of classes (a few dozen), not per token
            key = frozenset(names)
            found = self._interned.setdefault(key, key)
            if len(self._cache) < CACHE_TOKENS:
                self._cache[token] = found
        return found

    def _pair_index(self, name: str) -> dict[str, frozenset[str]]:
        index: dict[str, set[str]] = {}
        for pair in self.words[name]:
            first, second = pair.split()
            index.setdefault(first, set()).add(second)
        return {k: frozenset(v) for k, v in index.items()}

    def _identities(self, tokens: list[str], classes: list[frozenset[str]],
                    marked: list[int]) -> list[int]:
        """Positions that name the reporter: a name word, a pair ("nomor ini"), or "(saya)
        yang lapor"."""
        out = []
        size = len(tokens)
        for i in marked:
            found = classes[i]
            following = tokens[i + 1] if i + 1 < size else ""
            if "identity" in found and following not in self.words["not_identity_after"]:
                out.append(i)
            elif "pair" in found and _pair_at(self._pairs, tokens, i):
                out.append(i)
            elif "relative" in found and i + 1 < size and "report" in classes[i + 1]:
                out.append(i)
        return out

    def _idiom(self, tokens: list[str], classes: list[frozenset[str]],
               marked: list[int]) -> str | None:
        for i in marked:
            if "idiom" in classes[i] and any(tuple(tokens[i:i + len(idiom)]) == idiom
                                             for idiom in self.idioms):
                return "privacy-words:idiom"
        return None


CACHE_TOKENS = 100_000  # tokens whose classes are kept (the normaliser keeps 200,000 of its own)
_STARTS = frozenset({"conceal", "negation", "condition", "plain_not"})


def _near(positions: list[int], low: int, high: int) -> bool:
    """Whether a position lies in low..high (positions ascending): a bisection, so a long text
    full of trigger words costs n log n, not n squared (an attacker review timed 2 s for 60,000
    characters of "nan ... ndaq diberi" with a scan)."""
    k = bisect_left(positions, low)
    return k < len(positions) and positions[k] <= high


def _pair_at(index: dict[str, frozenset[str]], tokens: list[str], i: int) -> bool:
    """Whether tokens[i] and the next token are one of the index's pairs ("nomor ini")."""
    return i + 1 < len(tokens) and tokens[i + 1] in index.get(tokens[i], ())


def _first(classes: list[frozenset[str]], start: int, end: int, name: str) -> int | None:
    """The first position in start..end (inclusive) whose token is of the class, or None."""
    return next((k for k in range(max(start, 0), min(end, len(classes) - 1) + 1)
                 if name in classes[k]), None)


def _no_need(tokens: list[str], j: int) -> bool:
    """'tidak usah' / 'tidak perlu' (a plain "not" before it): no need to, a "don't"."""
    return j + 1 < len(tokens) and tokens[j + 1] in ("usah", "perlu")
