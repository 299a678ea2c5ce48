"""A light Indonesian stemmer: the forms a token may stand for (berlubang -> lubang)."""

from __future__ import annotations

from functools import lru_cache

_SUFFIXES = ("nya", "lah", "kah", "kan", "an", "i")
_PREFIXES = ("memper", "diper", "meng", "meny", "peng", "peny", "mem", "men", "pem", "pen", "ber",
             "ter", "per", "di", "ke", "se", "me", "pe", "be")
# meN-/peN- drop the first consonant of the root: mem+angkas <- pangkas, pen+utup <- tutup.
_NASAL = {"mem": "p", "pem": "p", "men": "t", "pen": "t", "meng": "k", "peng": "k",
          "meny": "s", "peny": "s"}
_VOWELS = frozenset("aiueo")


@lru_cache(maxsize=100_000)
def forms(token: str) -> frozenset[str]:
    """Return the token and the roots it may be built from (affixes stripped)."""
    out = {token}
    if len(token) < 5 or not token.isalpha():
        return frozenset(out)
    bases = {token}
    for suffix in _SUFFIXES:
        if token.endswith(suffix) and len(token) - len(suffix) >= 3:
            bases.add(token[: -len(suffix)])
            if suffix == "nya" and token[:-3].endswith(("kan", "an")):
                bases.add(token[:-3].removesuffix("kan").removesuffix("an"))
    for base in tuple(bases):
        for prefix in _PREFIXES:
            if base.startswith(prefix) and len(base) - len(prefix) >= 3:
                root = base[len(prefix):]
                bases.add(root)
                if prefix in _NASAL and root[0] in _VOWELS:
                    bases.add(_NASAL[prefix] + root)
                break
    out.update(b for b in bases if len(b) >= 3)
    return frozenset(out)
