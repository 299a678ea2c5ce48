"""The trained category model's API: train, evaluate, compare, serialise (scikit-learn, lazily).

    model = train(texts, labels, target_precision=0.95)   # model.figures: how it did held back
    blob = dump_model_bytes(model); model = load_model_bytes(blob)  # store it in a database
    report = compare(candidate, active, texts, labels)    # same held-back rows for both
    if report.promote: ...

The classifier itself is in parsers.classifier, the file format in parsers.modelfile. Everything
is seeded: the same rows, labels and seed give the same model and figures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, overload

from parsers.classifier import (
    DEFAULT_TARGET_PRECISION,
    NEVER,
    SEED,
    TUNING_FOLDS,
    Baseline,
    ModelFigures,
    TrainedModel,
    fit,
    threshold_for,
)
from parsers.evaluation import category_scores
from parsers.features import CategoryModel, Features, RulesOnly, TextFeatures, categories, featurise
from parsers.gate import MIN_COMPLAINTS as GATE_MIN_COMPLAINTS
from parsers.gate import Gate, sms_sets
from parsers.gate import train as train_gate
from parsers.modelfile import (
    FORMAT_VERSION,
    ModelError,
    dump_model_bytes,
    load_model,
    load_model_bytes,
    model_figures,
    save_model,
)

__all__ = [
    "DEFAULT_TARGET_PRECISION", "FORMAT_VERSION", "NEVER", "SEED", "Comparison", "ModelError",
    "ModelFigures", "ModelScores", "RulesOnly", "TrainedModel", "compare", "cross_validate",
    "dump_model_bytes", "evaluate", "load_model", "load_model_bytes", "model_figures",
    "save_model", "train",
]


@overload
def train(texts: Sequence[str], labels: Sequence[str], *,
          target_precision: float = ..., features: TextFeatures | None = ...,
          folds: int = ..., seed: int = ..., gate: bool = ...,
          extra_non_complaints: Sequence[str] = ...) -> TrainedModel: ...


@overload
def train(texts: TextFeatures, labels: Sequence[str], legacy_labels: Sequence[str], *,
          target_precision: float = ..., features: TextFeatures | None = ...,
          folds: int = ..., seed: int = ..., gate: bool = ...,
          extra_non_complaints: Sequence[str] = ...) -> TrainedModel: ...


def train(texts: Any, labels: Sequence[str], legacy_labels: Sequence[str] | None = None, *,
          target_precision: float = DEFAULT_TARGET_PRECISION,
          features: TextFeatures | None = None, folds: int = TUNING_FOLDS,
          seed: int = SEED, gate: bool = True,
          extra_non_complaints: Sequence[str] = ()) -> TrainedModel:
    """Train on all rows; the review threshold meets `target_precision` on held-back rows.

    `features` is the normaliser and rules to read texts through (a Parser; default: the
    shipped ones). The form train(parser, texts, labels) is kept for sms_gateway/cli_parser.py
    until it passes features= instead. With `gate`, a complaint gate (parsers/gate.py) is
    trained too, the texts (complaints all) against the shipped personal and promotional SMS
    and `extra_non_complaints` (the deployment's: what its operators judged not a complaint),
    and travels in the model: a parser with the model asks it before routing without review.
    Below parsers.gate.MIN_COMPLAINTS texts no gate is trained: it would stop real complaints.
    """
    if legacy_labels is not None:
        features, texts, labels = texts, labels, legacy_labels
    reader: TextFeatures = features or Features.load()
    texts = list(texts)
    normalised, matches = featurise(reader, texts)
    model = fit(normalised, matches, list(labels), categories(reader),
                target_precision=target_precision, folds=folds, seed=seed)
    if gate and len(texts) >= GATE_MIN_COMPLAINTS:
        # The gate sees at parse time the tokens after a leading LAPOR / RAHASIA / keyword;
        # a Parser (the CLI's and retrain's reader) reads them so here too, Features has no
        # prefixes.
        tokenise = getattr(reader, "gate_tokens", reader.normaliser.tokens)
        model.gate = train_gate(tokenise, texts,
                                [*sms_sets("non_complaints"), *extra_non_complaints], seed=seed)
    return model


# A candidate whose gate stops more held-back complaints than this (or than the active
# model's gate, if more) is not promoted: held back, every row is a complaint.
GATE_MAX_STOPS = 0.02


@dataclass(frozen=True)
class ModelScores:
    """One model on labelled rows: accuracy, and what its own threshold and the target give."""

    rows: int
    accuracy: float
    macro_f1: float
    threshold: float
    coverage: float  # share of rows at or above the model's own threshold (routed unreviewed)
    precision: float  # share of those that are right
    coverage_at_target: float  # largest share these rows allow at the target precision
    precision_at_target: float  # the precision of that share (>= target, 0 when none)
    gate_stops: float = 0.0  # share of the rows (complaints all) the model's gate would stop


@dataclass(frozen=True)
class Comparison:
    """A candidate and the active model on the same held-back rows, and whether to promote."""

    candidate: ModelScores
    active: ModelScores
    target_precision: float
    promote: bool
    reason: str

    def as_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready dict."""
        return asdict(self)


def evaluate(model: CategoryModel | None, texts: Sequence[str], labels: Sequence[str], *,
             target_precision: float = DEFAULT_TARGET_PRECISION,
             features: TextFeatures | None = None) -> ModelScores:
    """Score a model (None: the rules alone) on labelled rows it was not trained on."""
    normalised, matches = featurise(features or Features.load(), list(texts))
    return _scores(model or RulesOnly(), normalised, matches, list(labels), target_precision,
                   getattr(features, "gate", None))


def _scores(model: CategoryModel, normalised: list[str], matches: list[Any],
            labels: list[str], target: float, fallback_gate: Gate | None = None) -> ModelScores:
    """The model's figures on the rows; gate_stops by its own gate, else by fallback_gate (the
    reader's: a Parser's shipped gate, which a model without a gate parses with)."""
    if isinstance(model, TrainedModel):
        decided = model.decide(normalised, matches)
    else:
        decided = [model.predict(n, m)[:2] for n, m in zip(normalised, matches, strict=True)]
    predicted = [code for code, _ in decided]
    confidence = [conf for _, conf in decided]
    right = [p == g for p, g in zip(predicted, labels, strict=True)]
    kept = [ok for ok, conf in zip(right, confidence, strict=True)
            if conf >= model.review_threshold]
    _, coverage, precision = threshold_for(confidence, right, target)
    scores = category_scores(labels, predicted)
    own = getattr(model, "gate", None)
    gate = own if own is not None else fallback_gate
    stopped = sum(gate.stops(n.split()) for n in normalised) if gate is not None else 0
    return ModelScores(
        rows=len(labels), accuracy=scores.accuracy, macro_f1=scores.macro_f1,
        threshold=model.review_threshold, coverage=len(kept) / len(labels) if labels else 0.0,
        precision=sum(kept) / len(kept) if kept else 0.0, coverage_at_target=coverage,
        precision_at_target=precision, gate_stops=stopped / len(labels) if labels else 0.0)


def compare(candidate: CategoryModel, active: CategoryModel | None, texts: Sequence[str],
            labels: Sequence[str], *, target_precision: float | None = None,
            features: TextFeatures | None = None, tolerance: float = 0.0) -> Comparison:
    """Evaluate both models on the same rows (neither trained on them); promote if not worse.

    Not worse: accuracy and coverage at the target precision each at least the active model's
    minus `tolerance`, and its complaint gate stopping no more of these rows (complaints all)
    than the active model's or GATE_MAX_STOPS, whichever is more, plus `tolerance`. `active`
    None means the rules alone. The target defaults to the candidate's own.
    """
    if target_precision is None:
        target_precision = getattr(candidate, "target_precision", DEFAULT_TARGET_PRECISION)
    normalised, matches = featurise(features or Features.load(), list(texts))
    rows = list(labels)
    fallback = getattr(features, "gate", None)
    new = _scores(candidate, normalised, matches, rows, target_precision, fallback)
    old = _scores(active or RulesOnly(), normalised, matches, rows, target_precision, fallback)
    worse = [name for name, a, b in (("accuracy", new.accuracy, old.accuracy),
                                     ("coverage at target precision", new.coverage_at_target,
                                      old.coverage_at_target)) if a < b - tolerance]
    if new.gate_stops > max(old.gate_stops, GATE_MAX_STOPS) + tolerance:
        worse.append("complaints its gate stops")
    reason = ("not worse on accuracy, coverage at the target precision and complaints "
              "stopped by a gate" if not worse else "worse on " + " and ".join(worse))
    return Comparison(new, old, target_precision, not worse, reason)


def cross_validate(features: TextFeatures, texts: Sequence[str], labels: Sequence[str],
                   folds: int = 5, seed: int = SEED,
                   progress: Callable[[int], Any] | None = None, baseline: bool = False,
                   target_precision: float = DEFAULT_TARGET_PRECISION,
                   ) -> tuple[list[str], list[float]]:
    """Out-of-fold predictions and confidences of a model trained like `train` (stratified)."""
    predicted: list[str] = [""] * len(texts)
    confidence: list[float] = [0.0] * len(texts)
    for _, test_idx, outcome in cross_validated_models(
            features, texts, labels, folds, seed, baseline=baseline,
            target_precision=target_precision):
        for (code, conf), i in zip(outcome, test_idx, strict=True):
            predicted[i], confidence[i] = code, conf
        if progress is not None:
            progress(len(test_idx))
    return predicted, confidence


def cross_validated_models(features: TextFeatures, texts: Sequence[str],
                           labels: Sequence[str], folds: int = 5, seed: int = SEED, *,
                           baseline: bool = False,
                           target_precision: float = DEFAULT_TARGET_PRECISION) -> Any:
    """Yield (model, test row indices, [(category, confidence)]) per stratified fold."""
    from sklearn.model_selection import StratifiedKFold

    normalised, matches = featurise(features, list(texts))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(normalised, list(labels)):
        train_text = [normalised[i] for i in train_idx]
        train_labels = [labels[i] for i in train_idx]
        test_text = [normalised[i] for i in test_idx]
        model: Any
        if baseline:
            model = Baseline(train_text, train_labels, seed)
            outcome = model.decide(test_text)
        else:
            model = fit(train_text, [matches[i] for i in train_idx], train_labels,
                        categories(features), target_precision=target_precision, seed=seed)
            outcome = model.decide(test_text, [matches[i] for i in test_idx])
        yield model, list(test_idx), outcome
