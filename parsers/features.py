"""What the engine and a trained category model share: the model protocol and text features.

The engine depends only on `CategoryModel`; the model (parsers.model) depends on `TextFeatures`,
which the engine's Parser satisfies, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from parsers.category import NO_MATCH, CategoryRules, Match, load_taxonomy
from parsers.normalize import Normaliser

# Rules-only confidence is top / (top + runner-up + PRIOR): one strong rule alone gives ~0.6.
RULES_PRIOR = 2.0
RULES_REVIEW_THRESHOLD = 0.5
NO_RULE_CONFIDENCE = 0.2


class CategoryModel(Protocol):
    """What the engine needs from a trained classifier (see parsers.model.TrainedModel)."""

    # A complaint whose confidence is below this goes to a human before it is routed.
    review_threshold: float

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return (category, confidence, reason) for one normalised text and its rule match."""
        ...


class TextFeatures(Protocol):
    """The normaliser and category rules a model reads texts through (a Parser is one)."""

    @property
    def normaliser(self) -> Normaliser:
        """Turns a raw text into normalised tokens."""
        ...

    @property
    def rules(self) -> CategoryRules:
        """The category rules whose scores the model votes with."""
        ...


@dataclass(frozen=True)
class Features:
    """The shipped normaliser and category rules alone, for training without a full Parser."""

    normaliser: Normaliser
    rules: CategoryRules

    @classmethod
    def load(cls) -> Features:
        """Load the shipped normalisation and category rules."""
        return cls(Normaliser.load(), CategoryRules.load(categories=frozenset(load_taxonomy())))


def featurise(features: TextFeatures, texts: Sequence[str]) -> tuple[list[str], list[Match]]:
    """Normalised texts and their rule matches, as the model is trained and evaluated on."""
    normalised = [features.normaliser.normalise(t) for t in texts]
    return normalised, [features.rules.match(n.split(), n) for n in normalised]


def categories(features: TextFeatures) -> tuple[str, ...]:
    """The category codes the rules know, sorted (the model's label space)."""
    return tuple(sorted(features.rules.categories))


def rules_decision(match: Match) -> tuple[str, float]:
    """The rules' own (category, confidence) when no model is loaded."""
    ranked = match.ranked()
    if not ranked:
        return NO_MATCH, NO_RULE_CONFIDENCE
    top = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    return ranked[0][0], top / (top + second + RULES_PRIOR)


class RulesOnly:
    """The rules alone as a CategoryModel: what decides when no trained model is active."""

    review_threshold = RULES_REVIEW_THRESHOLD

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return the rules' (category, confidence, reason)."""
        code, confidence = rules_decision(match)
        return code, confidence, "rules"
