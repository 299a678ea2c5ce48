"""The Parser: composes grammar, normaliser, screener, category rules, model and gazetteer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from parsers.category import NO_MATCH, CategoryRules, Match, load_taxonomy
from parsers.commands import Grammar
from parsers.gazetteer import Gazetteer
from parsers.location import LocationFinder, Resolution
from parsers.normalize import Normaliser
from parsers.result import ParseResult
from parsers.screening import Screener

# Rules-only confidence is top / (top + runner-up + PRIOR): one strong rule alone gives ~0.6.
PRIOR = 2.0
RULES_REVIEW_THRESHOLD = 0.5
NOISE_KNOWN_SHARE = 0.34


class CategoryModel(Protocol):
    """What the engine needs from a trained classifier (see parsers.model)."""

    review_threshold: float

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return (category, confidence, reason) for one text."""
        ...


@dataclass(frozen=True, slots=True)
class Category:
    """The category decision for one complaint."""

    code: str
    confidence: float
    reasons: tuple[str, ...]
    review_threshold: float


@dataclass
class Parser:
    """Everything loaded once; `parse` is then pure and fast."""

    grammar: Grammar
    normaliser: Normaliser
    screener: Screener
    rules: CategoryRules
    gazetteer: Gazetteer
    locations: LocationFinder
    model: CategoryModel | None = None

    @classmethod
    def load(cls, model_path: Path | str | None = None) -> Parser:
        """Load the shipped data and rules (and a trained model when a path is given)."""
        gazetteer = Gazetteer.load()
        normaliser = Normaliser.load()
        categories = frozenset(load_taxonomy())
        parser = cls(
            grammar=Grammar.load(regions=frozenset(gazetteer.names), categories=categories),
            normaliser=normaliser,
            screener=Screener.load(),
            rules=CategoryRules.load(categories=categories),
            gazetteer=gazetteer,
            locations=LocationFinder.load(gazetteer, normaliser.vocabulary),
        )
        if model_path is not None:
            from parsers.model import load_model  # scikit-learn only when a model is asked for

            parser.model = load_model(Path(model_path), parser)
        return parser

    def categorise(self, tokens: list[str], normalised: str,
                   extra: dict[str, float] | None = None) -> tuple[Category, Match]:
        """Decide the category from the rules (and the model, when loaded)."""
        match = self.rules.match(tokens, normalised)
        for code, weight in (extra or {}).items():
            match.scores[code] = match.scores.get(code, 0.0) + weight
        if self.model is not None:
            code, confidence, reason = self.model.predict(normalised, match)
            return Category(code, confidence, (reason,) + tuple(f"rule:{r}" for r in match.fired),
                            self.model.review_threshold), match
        ranked = match.ranked()
        if not ranked:
            return Category(NO_MATCH, 0.2, ("rule:none",), RULES_REVIEW_THRESHOLD), match
        top = ranked[0][1]
        second = ranked[1][1] if len(ranked) > 1 else 0.0
        confidence = top / (top + second + PRIOR)
        return Category(ranked[0][0], confidence, tuple(f"rule:{r}" for r in match.fired),
                        RULES_REVIEW_THRESHOLD), match

    def parse(self, text: str, *, default_region: str | None = None) -> ParseResult:
        """Parse one SMS text into a ParseResult."""
        text = text or ""
        prefix = self.grammar.strip_prefix(text)
        base: dict[str, Any] = {"anonymous": prefix.anonymous,
                                "confidential": prefix.confidential, "keyword": prefix.keyword}
        command = self.grammar.command(prefix.rest)
        if command is not None:
            exact = command.word in self.grammar.commands
            return ParseResult(
                intent=command.intent, ticket_ref=command.ticket_ref,
                confidence=1.0 if exact else 0.8, description=prefix.rest,
                reasons=prefix.reasons + (f"command:{command.intent}:{command.word}",), **base)
        rating = self.grammar.rating(prefix.rest)
        if rating is not None:
            return ParseResult(intent="unknown", rating=rating, confidence=1.0,
                               reasons=prefix.reasons + ("rating",), **base)
        tokens = self.normaliser.tokens(prefix.rest)
        normalised = " ".join(tokens)
        keyword = self.grammar.keywords.get(prefix.keyword) if prefix.keyword else None
        screen = self.screener.screen(prefix.rest, tokens, normalised, self.rules)
        if screen.kind is not None:
            return ParseResult(intent="unknown", spam=screen.kind == "spam",
                               needs_review=screen.kind == "noise" and bool(tokens),
                               description=prefix.rest, reasons=prefix.reasons + (screen.reason,),
                               **base)
        extra = {keyword.category: 3.0} if keyword and keyword.category else None
        category, match = self.categorise(tokens, normalised, extra)
        if not match.fired and not extra and self._mostly_unknown(tokens):
            return ParseResult(intent="unknown", needs_review=True, description=prefix.rest,
                               reasons=prefix.reasons + ("screen:unknown-words",), **base)
        scope = default_region or (keyword.region if keyword else None)
        where = self.locations.resolve(tokens, scope)
        region_code = where.code or (keyword.region if keyword and keyword.region else None)
        review = category.confidence < category.review_threshold or _unroutable(where, scope)
        review = review or bool(screen.doubt)  # reads as personal/promotional
        extras = {"agency": keyword.agency} if keyword and keyword.agency else {}
        return ParseResult(
            intent="complaint", category=category.code,
            region=self.gazetteer.region(region_code) if region_code else None,
            region_candidates=tuple(self.gazetteer.region(c) for c in where.candidates),
            description=prefix.rest, confidence=category.confidence, needs_review=review,
            reasons=prefix.reasons + category.reasons + where.reasons
            + ((screen.doubt,) if screen.doubt else ()), extras=extras,
            probable_region=self.gazetteer.region(where.probable) if where.probable else None,
            region_options=tuple(self.gazetteer.option(c) for c in where.options), **base)

    def _mostly_unknown(self, tokens: list[str]) -> bool:
        vocabulary = self.normaliser.vocabulary
        known = sum(1 for t in tokens if t in vocabulary or t.isdigit())
        return known < NOISE_KNOWN_SHARE * len(tokens)


def _unroutable(where: Resolution, scope: str | None) -> bool:
    """Ambiguous place names that leave even the kabupaten/kota open need a human."""
    return where.ambiguous and scope is None and (where.code is None or where.code.count(".") < 1)
