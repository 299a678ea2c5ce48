"""The trained category classifier: two linear SVMs and the rules vote (scikit-learn, lazily).

Two linear SVMs with balanced class weights, one on word 1-2-gram and one on character
(char_wb) 2-5-gram TF-IDF of the normalised text, vote by adding their decision scores; the
rules vote too, with their score share per category times a weight. The rule weight, a softmax
temperature that turns the votes into calibrated probabilities, and the review threshold are
chosen on out-of-fold predictions over the training rows (each row predicted by SVMs that did
not see it); then both SVMs are refitted on all rows. The threshold is the lowest confidence at
which the out-of-fold complaints kept are at least `target_precision` right.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from parsers.category import Match
from parsers.gate import Gate

SEED = 0
DEFAULT_TARGET_PRECISION = 0.95
TUNING_FOLDS = 5
MIN_TUNING_ROWS = 50  # fewer labelled rows: nothing can be verified, every complaint is reviewed
MIN_KEPT = 20  # a precision measured on fewer kept rows is not trusted
NEVER = 1.01  # a threshold above every probability: no complaint is routed without a human
RULE_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0)  # candidates for the rules' vote
RULE_PRIOR = 2.0  # rule share = score / (sum of scores + prior), as in the rules-only confidence


@dataclass(frozen=True)
class ModelFigures:
    """How a model was trained and how it did on its own out-of-fold (held-back) predictions."""

    rows: int
    label_counts: dict[str, int]
    accuracy: float
    macro_f1: float
    threshold: float
    target_precision: float
    coverage: float  # share of held-back complaints at or above the threshold
    precision: float  # share of those whose category is right
    held_back: int  # rows predicted out of fold (0: too few rows to verify anything)
    folds: int
    seed: int
    rule_weight: float
    temperature: float
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The figures as a JSON-ready dict (stored in the model file's header)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelFigures:
        """Rebuild figures from `as_dict` output."""
        return cls(**data)


@dataclass
class TrainedModel:
    """Word and character SVMs, the rules' weight, temperature, review threshold and figures."""

    words: Any
    chars: Any
    word_svm: Any
    char_svm: Any
    classes: tuple[str, ...]
    rule_weight: float
    temperature: float
    review_threshold: float
    figures: ModelFigures
    # The complaint gate trained with the model (parsers/gate.py), asked before a message is
    # routed without review; None for a model trained without one (and every model saved
    # before gates were trained with models: their pickles have no such attribute).
    gate: Gate | None = None

    @property
    def target_precision(self) -> float:
        """The precision the review threshold was chosen for."""
        return self.figures.target_precision

    def votes(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        """Summed decision scores of both SVMs and the weighted rule shares (rows: texts)."""
        votes = _svm_votes(self.words, self.chars, self.word_svm, self.char_svm, normalised,
                           self.classes)
        if self.rule_weight:
            votes = votes + self.rule_weight * rule_shares(matches, self.classes)
        return votes

    def probabilities(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        """Class probabilities (rows: texts, columns: self.classes)."""
        return softmax(self.votes(normalised, matches), self.temperature)

    def decide(self, normalised: Sequence[str],
               matches: Sequence[Match]) -> list[tuple[str, float]]:
        """(category, confidence) for many normalised texts at once."""
        probs = self.probabilities(normalised, matches)
        return [(self.classes[int(row.argmax())], float(row.max())) for row in probs]

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return (category, probability, reason) for one normalised text."""
        (code, confidence), = self.decide([text], [match])
        return code, confidence, "model:svm"


def vectorisers() -> tuple[Any, Any]:
    """Fresh word 1-2-gram and char_wb 2-5-gram TF-IDF vectorisers."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2, max_features=150_000))


def svm(seed: int = SEED) -> Any:
    """A fresh linear SVM with the shipped settings (seeded: liblinear shuffles)."""
    from sklearn.svm import LinearSVC

    return LinearSVC(C=0.5, class_weight="balanced", random_state=seed)


def _fit_svms(normalised: Sequence[str], labels: Sequence[str],
              seed: int) -> tuple[Any, Any, Any, Any]:
    words, chars = vectorisers()
    word_svm = svm(seed).fit(words.fit_transform(normalised), list(labels))
    char_svm = svm(seed).fit(chars.fit_transform(normalised), list(labels))
    return words, chars, word_svm, char_svm


def _svm_votes(words: Any, chars: Any, word_svm: Any, char_svm: Any,
               normalised: Sequence[str], classes: tuple[str, ...]) -> Any:
    return (_scores(word_svm, words.transform(normalised), classes)
            + _scores(char_svm, chars.transform(normalised), classes))


def _scores(model: Any, matrix: Any, classes: tuple[str, ...]) -> Any:
    import numpy as np

    raw = model.decision_function(matrix)
    if raw.ndim == 1:  # two classes: one column, positive means classes_[1]
        raw = np.column_stack([-raw, raw])
    out = np.full((matrix.shape[0], len(classes)), -1.0)
    for j, code in enumerate(model.classes_):
        out[:, classes.index(str(code))] = raw[:, j]
    return out


def rule_shares(matches: Sequence[Match], classes: tuple[str, ...]) -> Any:
    """Each category's share of the rule scores, per text (the rules' vote)."""
    import numpy as np

    scores = np.array([[m.scores.get(c, 0.0) for c in classes] for m in matches])
    return scores / (scores.sum(axis=1, keepdims=True) + RULE_PRIOR)


def softmax(votes: Any, temperature: float) -> Any:
    """Row-wise softmax of votes / temperature."""
    import numpy as np

    z = votes / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def threshold_for(confidences: Sequence[float], correct: Sequence[bool],
                  target: float) -> tuple[float, float, float]:
    """(threshold, coverage, precision): the lowest threshold whose kept rows reach `target`.

    Cuts fall only between distinct confidences; a kept set smaller than MIN_KEPT never counts.
    When no cut reaches the target the threshold is NEVER (coverage 0).
    """
    pairs = sorted(zip(confidences, correct, strict=True), key=lambda p: -p[0])
    best = (NEVER, 0.0, 0.0)
    hits = 0
    for i, (conf, ok) in enumerate(pairs, 1):
        hits += ok
        last_of_tie = i == len(pairs) or pairs[i][0] < conf
        if last_of_tie and i >= MIN_KEPT and hits / i >= target:
            best = (conf, i / len(pairs), hits / i)
    return best


def _tuning_splits(labels: Sequence[str], folds: int, seed: int) -> list[tuple[Any, Any]]:
    from sklearn.model_selection import KFold, StratifiedKFold

    smallest = min(labels.count(c) for c in set(labels))
    splitter: Any = (StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
                     if smallest >= folds else KFold(n_splits=folds, shuffle=True,
                                                     random_state=seed))
    return list(splitter.split(list(labels), list(labels)))


def _out_of_fold_votes(normalised: Sequence[str], labels: Sequence[str],
                       classes: tuple[str, ...], folds: int, seed: int) -> Any:
    import numpy as np

    votes = np.zeros((len(labels), len(classes)))
    for fit_idx, held_idx in _tuning_splits(labels, folds, seed):
        parts = _fit_svms([normalised[i] for i in fit_idx], [labels[i] for i in fit_idx], seed)
        votes[held_idx] = _svm_votes(*parts, [normalised[i] for i in held_idx], classes)
    return votes


def _log_loss(probs: Any, gold: Any) -> float:
    import numpy as np

    return float(-np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, None)).mean())


def fit(normalised: Sequence[str], matches: Sequence[Match], labels: Sequence[str],
        categories: Sequence[str], *, target_precision: float = DEFAULT_TARGET_PRECISION,
        folds: int = TUNING_FOLDS, seed: int = SEED) -> TrainedModel:
    """Train on all rows; weight, temperature and threshold from out-of-fold predictions."""
    import numpy as np
    from sklearn.metrics import f1_score

    labels = list(labels)
    if len(set(labels)) < 2:
        raise ValueError("a category model needs examples of at least two categories")
    if not 0.0 < target_precision <= 1.0:
        raise ValueError(f"target precision {target_precision} is not in (0, 1]")
    classes = tuple(c for c in categories if c in set(labels))
    counts = {c: labels.count(c) for c in classes}
    final = _fit_svms(normalised, labels, seed)
    base: dict[str, Any] = dict(rows=len(labels), label_counts=counts, folds=folds, seed=seed,
                                target_precision=target_precision)
    if len(labels) < MIN_TUNING_ROWS:
        figures = ModelFigures(**base, accuracy=0.0, macro_f1=0.0, threshold=NEVER,
                               coverage=0.0, precision=0.0, held_back=0, rule_weight=1.0,
                               temperature=1.0)
        return TrainedModel(*final, classes=classes, rule_weight=1.0, temperature=1.0,
                            review_threshold=NEVER, figures=figures)
    votes = _out_of_fold_votes(normalised, labels, classes, folds, seed)
    shares = rule_shares(matches, classes)
    gold = np.array([classes.index(label) for label in labels])

    def quality(weight: float) -> float:  # accuracy + macro-F1 of the out-of-fold predictions
        predicted = (votes + weight * shares).argmax(axis=1)
        return float((predicted == gold).mean() + f1_score(gold, predicted, average="macro"))

    weight = max(RULE_WEIGHTS, key=quality)
    combined = votes + weight * shares
    temperature = min((0.05 * k for k in range(1, 41)),
                      key=lambda t: _log_loss(softmax(combined, t), gold))
    probs = softmax(combined, temperature)
    predicted = probs.argmax(axis=1)
    threshold, coverage, precision = threshold_for(
        probs.max(axis=1).tolist(), (predicted == gold).tolist(), target_precision)
    figures = ModelFigures(
        **base, accuracy=float((predicted == gold).mean()),
        macro_f1=float(f1_score(gold, predicted, average="macro")), threshold=threshold,
        coverage=coverage, precision=precision, held_back=len(labels), rule_weight=weight,
        temperature=temperature)
    return TrainedModel(*final, classes=classes, rule_weight=weight, temperature=temperature,
                        review_threshold=threshold, figures=figures)


class Baseline:
    """The issue's reference: one linear SVM on word + char TF-IDF, no rules, no calibration."""

    def __init__(self, normalised: Sequence[str], labels: Sequence[str],
                 seed: int = SEED) -> None:
        from scipy import sparse

        self.words, self.chars = vectorisers()
        self._hstack = sparse.hstack
        matrix = self._hstack([self.words.fit_transform(normalised),
                               self.chars.fit_transform(normalised)]).tocsr()
        self.svm = svm(seed).fit(matrix, list(labels))

    def decide(self, normalised: Sequence[str]) -> list[tuple[str, float]]:
        """(category, decision score) per text."""
        matrix = self._hstack([self.words.transform(normalised),
                               self.chars.transform(normalised)]).tocsr()
        scores = self.svm.decision_function(matrix)
        return [(str(self.svm.classes_[int(row.argmax())]), float(row.max())) for row in scores]
