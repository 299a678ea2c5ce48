"""Tell courtesy apart: a greeting, thanks or an acknowledgement, or an empty message."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from parsers.rulefile import check_keys, load_toml, shipped, str_list

COURTESY_KINDS = ("greeting", "thanks", "empty")


@dataclass(frozen=True)
class Courtesy:
    """The words that make a courtesy message thanks rather than a greeting."""

    thanks: frozenset[str]
    examples: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @classmethod
    def load(cls, rules: Path | None = None) -> Courtesy:
        """Load and validate courtesy.toml."""
        path = rules or shipped("courtesy.toml")
        source = str(path)
        doc = load_toml(path)
        check_keys(source, "(top)", doc, ("kinds", "examples"), ("kinds",))
        check_keys(source, "kinds", doc["kinds"], ("thanks",), ("thanks",))
        examples = doc.get("examples", {})
        check_keys(source, "examples", examples, COURTESY_KINDS)
        return cls(
            thanks=frozenset(w.lower() for w in
                             str_list(source, "kinds.thanks", doc["kinds"]["thanks"])),
            # Empty examples are empty by design: str_list would reject them.
            examples={kind: tuple(values) if kind == "empty"
                      else str_list(source, f"examples.{kind}", values)
                      for kind, values in examples.items()},
        )

    def kind(self, tokens: list[str]) -> str:
        """Return the kind of a message screened as courtesy or empty (see COURTESY_KINDS)."""
        if not tokens:
            return "empty"
        return "thanks" if any(t in self.thanks for t in tokens) else "greeting"
