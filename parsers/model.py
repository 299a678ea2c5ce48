"""Optional trained category classifier (scikit-learn, imported only when a model is used).

Two linear SVMs with balanced class weights, one on word 1-2-gram and one on character
(char_wb) 2-5-gram TF-IDF of the normalised text, vote by adding their decision scores; the
rules vote too, with their score share per category times a weight. The rule weight, a softmax
temperature that turns the votes into calibrated probabilities, and the review threshold are
chosen on a held-out fifth of the training rows (never on the rows being evaluated); then both
SVMs are refitted on all training rows. The file is a pickle: load only model files you trained.
"""

from __future__ import annotations

import pickle
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parsers.features import TextFeatures, featurise
from parsers.features import categories as known_categories

if TYPE_CHECKING:
    from parsers.category import Match

FORMAT = "parsers-category-model"
VERSION = 2
TARGET_PRECISION = 0.85  # the review threshold keeps messages whose category is this accurate
RULE_WEIGHTS = (0.0, 0.5, 1.0, 1.5, 2.0)  # candidates for the rules' vote, chosen on held-out rows
RULE_PRIOR = 2.0  # rule share = score / (sum of scores + prior), as in the rules-only confidence
SEED = 0


def _vectorisers() -> tuple[Any, Any]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return (TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                            min_df=2, max_features=150_000))


def _svm() -> Any:
    from sklearn.svm import LinearSVC

    return LinearSVC(C=0.5, class_weight="balanced")


@dataclass
class TrainedModel:
    """Word and character SVMs, the rules' weight, temperature and review threshold."""

    words: Any
    chars: Any
    word_svm: Any
    char_svm: Any
    classes: tuple[str, ...]
    rule_weight: float
    temperature: float
    review_threshold: float

    def votes(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        """Summed decision scores of both SVMs and the weighted rule shares (rows: texts)."""
        votes = (_scores(self.word_svm, self.words.transform(normalised), self.classes)
                 + _scores(self.char_svm, self.chars.transform(normalised), self.classes))
        if self.rule_weight:
            votes = votes + self.rule_weight * _rule_shares(matches, self.classes)
        return votes

    def probabilities(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        """Class probabilities (rows: texts, columns: self.classes)."""
        return _softmax(self.votes(normalised, matches), self.temperature)

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return (category, probability, reason) for one normalised text."""
        row = self.probabilities([text], [match])[0]
        best = int(row.argmax())
        return self.classes[best], float(row[best]), "model:svm"


def _scores(svm: Any, matrix: Any, classes: tuple[str, ...]) -> Any:
    import numpy as np

    raw = svm.decision_function(matrix)
    if raw.ndim == 1:  # two classes: one column, positive means classes_[1]
        raw = np.column_stack([-raw, raw])
    out = np.full((matrix.shape[0], len(classes)), -1.0)
    for j, code in enumerate(svm.classes_):
        out[:, classes.index(str(code))] = raw[:, j]
    return out


def _rule_shares(matches: Sequence[Match], classes: tuple[str, ...]) -> Any:
    import numpy as np

    scores = np.array([[m.scores.get(c, 0.0) for c in classes] for m in matches])
    return scores / (scores.sum(axis=1, keepdims=True) + RULE_PRIOR)


def _softmax(votes: Any, temperature: float) -> Any:
    import numpy as np

    z = votes / temperature
    z = np.exp(z - z.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)


def _fit_svms(normalised: Sequence[str], labels: Sequence[str]) -> tuple[Any, Any, Any, Any]:
    words, chars = _vectorisers()
    word_svm = _svm().fit(words.fit_transform(normalised), list(labels))
    char_svm = _svm().fit(chars.fit_transform(normalised), list(labels))
    return words, chars, word_svm, char_svm


def _tune(normalised: Sequence[str], matches: Sequence[Match], labels: Sequence[str],
          classes: tuple[str, ...]) -> tuple[float, float, float]:
    """Rule weight, temperature and review threshold from a held-out fifth of the rows."""
    import numpy as np
    from sklearn.model_selection import train_test_split

    counts = {c: labels.count(c) for c in set(labels)}
    if len(labels) < 50 or min(counts.values()) < 2:
        return 1.0, 1.0, 0.5  # too little data to hold any out: fixed, documented defaults
    fit_idx, held_idx = train_test_split(range(len(labels)), test_size=0.2, random_state=SEED,
                                         stratify=list(labels))
    model = TrainedModel(*_fit_svms([normalised[i] for i in fit_idx],
                                    [labels[i] for i in fit_idx]),
                         classes=classes, rule_weight=0.0, temperature=1.0, review_threshold=0.5)
    held_text = [normalised[i] for i in held_idx]
    held_match = [matches[i] for i in held_idx]
    gold = np.array([classes.index(labels[i]) for i in held_idx])
    base = model.votes(held_text, held_match)
    shares = _rule_shares(held_match, classes)

    def quality(weight: float) -> float:  # mean of accuracy and macro-F1 on the held-out rows
        from sklearn.metrics import f1_score

        predicted = (base + weight * shares).argmax(axis=1)
        return float((predicted == gold).mean() + f1_score(gold, predicted, average="macro"))

    weight = max(RULE_WEIGHTS, key=quality)
    votes = base + weight * shares
    temperature = min((0.05 * k for k in range(1, 41)),
                      key=lambda t: _log_loss(_softmax(votes, t), gold))
    probs = _softmax(votes, temperature)
    threshold = _threshold(probs.max(axis=1).tolist(), (probs.argmax(axis=1) == gold).tolist())
    return weight, temperature, threshold


def _log_loss(probs: Any, gold: Any) -> float:
    import numpy as np

    return float(-np.log(np.clip(probs[np.arange(len(gold)), gold], 1e-12, None)).mean())


def _threshold(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Lowest threshold whose kept messages reach TARGET_PRECISION (0.5 if none does)."""
    pairs = sorted(zip(confidences, correct, strict=True), reverse=True)
    best, hits = 0.5, 0
    for i, (conf, ok) in enumerate(pairs, 1):
        hits += ok
        if i >= 20 and hits / i >= TARGET_PRECISION:
            best = conf
    return round(min(max(best, 0.2), 0.9), 3)


def _fit(normalised: Sequence[str], matches: Sequence[Match], labels: Sequence[str],
         categories: tuple[str, ...]) -> TrainedModel:
    labels = list(labels)
    classes = tuple(c for c in categories if c in set(labels))
    weight, temperature, threshold = _tune(normalised, matches, labels, classes)
    return TrainedModel(*_fit_svms(normalised, labels), classes=classes, rule_weight=weight,
                        temperature=temperature, review_threshold=threshold)


class Baseline:
    """The issue's reference: one linear SVM on word + char TF-IDF, no rules, no calibration."""

    def __init__(self, normalised: Sequence[str], labels: Sequence[str]) -> None:
        from scipy import sparse

        self.words, self.chars = _vectorisers()
        self._hstack = sparse.hstack
        matrix = self._hstack([self.words.fit_transform(normalised),
                               self.chars.fit_transform(normalised)]).tocsr()
        self.svm = _svm().fit(matrix, list(labels))

    def predict(self, normalised: Sequence[str]) -> list[tuple[str, float]]:
        """(category, decision score) per text."""
        matrix = self._hstack([self.words.transform(normalised),
                               self.chars.transform(normalised)]).tocsr()
        scores = self.svm.decision_function(matrix)
        return [(str(self.svm.classes_[int(row.argmax())]), float(row.max())) for row in scores]


def cross_validate(parser: TextFeatures, texts: Sequence[str], labels: Sequence[str],
                   folds: int = 5, seed: int = SEED,
                   progress: Callable[[int], Any] | None = None,
                   baseline: bool = False) -> tuple[list[str], list[float]]:
    """Out-of-fold predictions and confidences of a model trained like `train` (stratified)."""
    from sklearn.model_selection import StratifiedKFold

    normalised, matches = featurise(parser, texts)
    categories = known_categories(parser)
    predicted: list[str] = [""] * len(texts)
    confidence: list[float] = [0.0] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(normalised, labels):
        train_text = [normalised[i] for i in train_idx]
        train_labels = [labels[i] for i in train_idx]
        test_text = [normalised[i] for i in test_idx]
        if baseline:
            outcome = Baseline(train_text, train_labels).predict(test_text)
        else:
            model = _fit(train_text, [matches[i] for i in train_idx], train_labels, categories)
            probs = model.probabilities(test_text, [matches[i] for i in test_idx])
            outcome = [(model.classes[int(row.argmax())], float(row.max())) for row in probs]
        for (code, conf), i in zip(outcome, test_idx, strict=True):
            predicted[i], confidence[i] = code, conf
        if progress is not None:
            progress(len(test_idx))
    return predicted, confidence


def train(parser: TextFeatures, texts: Sequence[str], labels: Sequence[str]) -> TrainedModel:
    """Train on all rows (weights, temperature and threshold from a held-out fifth)."""
    normalised, matches = featurise(parser, texts)
    return _fit(normalised, matches, labels, known_categories(parser))


def save_model(model: TrainedModel, path: Path) -> None:
    """Write the model as a versioned pickle."""
    import sklearn

    with path.open("wb") as fh:
        pickle.dump({"format": FORMAT, "version": VERSION, "sklearn": sklearn.__version__,
                     "model": model}, fh)


def load_model(path: Path, parser: TextFeatures | None = None) -> TrainedModel:
    """Read a model written by save_model (trusted files only: this unpickles)."""
    with path.open("rb") as fh:
        payload = pickle.load(fh)  # noqa: S301 - our own artefact, documented as trusted-only
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a parser category model")
    if payload.get("version") != VERSION:
        raise ValueError(f"{path}: model format {payload.get('version')}, expected {VERSION}")
    model = payload["model"]
    if parser is not None and not set(model.classes) <= set(parser.rules.categories):
        raise ValueError(f"{path}: trained for other categories; retrain it")
    return model
