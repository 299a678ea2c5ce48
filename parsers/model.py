"""Optional trained category classifier (scikit-learn, imported only when a model is used).

Features: word 1-2-gram and character 2-5-gram TF-IDF of the normalised text plus the rule
scores per category, so the model learns how far to trust each rule. Classifier: a linear SVM
with balanced class weights, calibrated (sigmoid) into probabilities. The file is a pickle:
load only model files you trained yourself.
"""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from parsers.category import Match
    from parsers.engine import Parser

FORMAT = "parsers-category-model"
VERSION = 1
TARGET_PRECISION = 0.85  # the review threshold keeps messages whose category is this accurate


def _features_for(parser: Parser, texts: Sequence[str]) -> tuple[list[str], list[Match]]:
    normalised = [parser.normaliser.normalise(t) for t in texts]
    matches = [parser.rules.match(n.split(), n) for n in normalised]
    return normalised, matches


@dataclass
class TrainedModel:
    """Vectorisers, calibrated classifier and the review threshold chosen at training."""

    words: Any
    chars: Any
    classifier: Any
    rule_categories: tuple[str, ...]
    review_threshold: float
    rule_scale: float = 5.0

    def _matrix(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        from scipy import sparse

        rules = sparse.csr_matrix(
            [[min(m.scores.get(c, 0.0), self.rule_scale) / self.rule_scale
              for c in self.rule_categories] for m in matches])
        return sparse.hstack([self.words.transform(normalised), self.chars.transform(normalised),
                              rules]).tocsr()

    def probabilities(self, normalised: Sequence[str], matches: Sequence[Match]) -> Any:
        """Class probabilities (rows: texts, columns: self.classifier.classes_)."""
        return self.classifier.predict_proba(self._matrix(normalised, matches))

    def predict(self, text: str, match: Match) -> tuple[str, float, str]:
        """Return (category, probability, reason) for one normalised text."""
        row = self.probabilities([text], [match])[0]
        best = int(row.argmax())
        return str(self.classifier.classes_[best]), float(row[best]), "model:svm"


def _fit(normalised: Sequence[str], matches: Sequence[Match], labels: Sequence[str],
         rule_categories: tuple[str, ...], threshold: float) -> TrainedModel:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    model = TrainedModel(
        words=TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2),
        chars=TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True,
                              min_df=2, max_features=150_000),
        classifier=CalibratedClassifierCV(LinearSVC(C=0.5, class_weight="balanced"),
                                          method="sigmoid", cv=3),
        rule_categories=rule_categories, review_threshold=threshold)
    model.words.fit(normalised)
    model.chars.fit(normalised)
    model.classifier.fit(model._matrix(normalised, matches), list(labels))
    return model


def _threshold(confidences: Sequence[float], correct: Sequence[bool]) -> float:
    """Lowest threshold whose kept messages reach TARGET_PRECISION (0.5 if none does)."""
    pairs = sorted(zip(confidences, correct, strict=True), reverse=True)
    best, hits = 0.5, 0
    for i, (conf, ok) in enumerate(pairs, 1):
        hits += ok
        if i >= 20 and hits / i >= TARGET_PRECISION:
            best = conf
    return round(min(max(best, 0.2), 0.9), 3)


def cross_validate(parser: Parser, texts: Sequence[str], labels: Sequence[str], folds: int = 5,
                   seed: int = 0, progress: Any = None) -> tuple[list[str], list[float]]:
    """Out-of-fold predictions and confidences of a model trained like `train` (stratified)."""
    from sklearn.model_selection import StratifiedKFold

    normalised, matches = _features_for(parser, texts)
    categories = tuple(sorted(parser.rules.categories))
    predicted: list[str] = [""] * len(texts)
    confidence: list[float] = [0.0] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, test_idx in splitter.split(normalised, labels):
        model = _fit([normalised[i] for i in train_idx], [matches[i] for i in train_idx],
                     [labels[i] for i in train_idx], categories, 0.5)
        probs = model.probabilities([normalised[i] for i in test_idx],
                                    [matches[i] for i in test_idx])
        for row, i in zip(probs, test_idx, strict=True):
            predicted[i] = str(model.classifier.classes_[int(row.argmax())])
            confidence[i] = float(row.max())
        if progress is not None:
            progress(len(test_idx))
    return predicted, confidence


def train(parser: Parser, texts: Sequence[str], labels: Sequence[str]) -> TrainedModel:
    """Train on all rows; the review threshold comes from a 3-fold run on the same rows."""
    predicted, confidence = cross_validate(parser, texts, labels, folds=3)
    threshold = _threshold(confidence, [p == g for p, g in zip(predicted, labels, strict=True)])
    normalised, matches = _features_for(parser, texts)
    return _fit(normalised, matches, labels, tuple(sorted(parser.rules.categories)), threshold)


def save_model(model: TrainedModel, path: Path) -> None:
    """Write the model as a versioned pickle."""
    import sklearn

    with path.open("wb") as fh:
        pickle.dump({"format": FORMAT, "version": VERSION, "sklearn": sklearn.__version__,
                     "model": model}, fh)


def load_model(path: Path, parser: Parser | None = None) -> TrainedModel:
    """Read a model written by save_model (trusted files only: this unpickles)."""
    with path.open("rb") as fh:
        payload = pickle.load(fh)  # noqa: S301 - our own artefact, documented as trusted-only
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise ValueError(f"{path}: not a parser category model")
    if payload.get("version") != VERSION:
        raise ValueError(f"{path}: model format {payload.get('version')}, expected {VERSION}")
    model = payload["model"]
    if parser is not None and set(model.rule_categories) != set(parser.rules.categories):
        raise ValueError(f"{path}: trained for other categories; retrain it")
    return model
