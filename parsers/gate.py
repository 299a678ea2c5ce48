"""A learned complaint-vs-not gate (issue 13, part 4): pure Python at parse time.

    gate = train(tokenise, complaints)    # against the shipped personal and promotional SMS
    gate.score(tokens)                    # log-odds that the normalised tokens are a complaint
    gate.passes(tokens)                   # score >= the threshold chosen when training
    gate.stops(tokens)                    # what a parse asks: at most MAX_TOKENS and not passes

The rules screen personal and promotional SMS with word lists, which do not generalise to new
texts. The gate is a logistic regression on TF-IDF word 1-2-grams and character 3-5-grams of
the normaliser's tokens, trained on complaints (each also as its first SMS and as short word
windows) and the project's short SMS complaints against the project's hand-written personal
and promotional SMS (parsers/data/sms_sets). A parser asks it only about messages it would
otherwise route without review and that carry no 1708 prefix (LAPOR, RAHASIA, a keyword...);
when the gate says "not a complaint" the message goes to review with the reason `screen:gate`
(the citizen still gets a ticket number at once).

Two kinds of gate. **The shipped gate** (parsers/data/complaint_gate.json, plain JSON: feature ->
[idf, weight], so that parsing needs neither scikit-learn nor pickle) is learnt from the shipped
SMS sets alone (not the report-only ones, REPORT_ONLY), never from the development data, which
the repository must not carry; `Parser.load()` loads it, so rules-only parsing asks it. It is
made again, after a set changes, by

    make gate        # .venv/bin/python -m bench.complaint_gate --shipped --out <that file>

**A model's gate**: `parsers.model.train` trains one with every model, from the model's own
training texts and the shipped sets, and the model carries it (TrainedModel.gate); a parser with
such a model asks the model's gate instead of its own (Parser.active_gate). Any gate file
written by bench/complaint_gate.py --out can be given as `Parser.load(gate_path=...)`.
Training needs scikit-learn (the `ml` extra).
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Any

GATE_FORMAT = 1
CHAR_NGRAMS = (3, 5)
MIN_DF = 5  # a feature seen in fewer training texts is dropped (and no rare text is kept)
# The project's own SMS sets, written by hand (docs/parser.md): non_complaints*.txt (personal
# and promotional SMS, one per line) and complaints_sms*.txt (short SMS complaints, a text or
# category<TAB>text per line); lines starting with "#" are comments.
SMS_SETS = Path(__file__).parent / "data" / "sms_sets"
# The gate a parser without a model's own uses, learnt from the shipped sets alone (made by
# `make gate`: bench/complaint_gate.py --shipped).
SHIPPED_GATE = Path(__file__).parent / "data" / "complaint_gate.json"
# Sets kept to measure gates and rules on text neither was trained or tuned on: no gate (a
# model's or the shipped one) learns from them.
REPORT_ONLY = frozenset({"non_complaints_i_holdout.txt", "complaints_sms_f.txt",
                         "non_complaints_j_holdout.txt", "complaints_sms_g.txt",
                         "non_complaints_k_holdout.txt", "complaints_sms_h.txt",
                         "non_complaints_l_holdout.txt", "complaints_sms_i.txt",
                         "non_complaints_m_holdout.txt", "complaints_sms_j.txt",
                         "non_complaints_n_holdout.txt", "complaints_sms_k.txt",
                         "non_complaints_o_holdout.txt", "complaints_sms_l.txt",
                         "complaints_sms_m.txt", "complaints_sms_n.txt",
                         "non_complaints_p_holdout.txt", "complaints_sms_q.txt"})
SMS_CHARS = 160  # a complaint is also learnt as its first SMS
WINDOWS = 2  # and as this many windows of 5-12 of its words: SMS complaints are short
MAX_LOSS = 0.01  # the threshold lets at most this share of complaints (out of fold) fail
FOLDS = 5
C = 1.0
# Fewer training complaints than this, and a gate learns mostly the shipped SMS sets: on unseen
# dev complaints it failed 37% with none, 5% with 100, 0.3% with 300 (session 11 review).
MIN_COMPLAINTS = 300
# The shipped gate (SHIPPED_GATE): its features and the complaints it may fail out of fold,
# chosen on sets G, H, E and the dev data (docs/parser.md): 3,000 features fail fewer dev
# complaints than all 20,000 at the same catch of sets G and H, and score five times faster.
SHIPPED_KEEP = 3000
SHIPPED_MAX_LOSS = 0.015
# A message longer than this many tokens is not asked: longer than any personal or promotional
# SMS a gate learns from (the longest of the 1,892 shipped ones has 52), where its answer means
# little, and three quarters of the scoring time on long web complaints.
MAX_TOKENS = 64
KNOWN_CACHE = 50_000  # tokens whose known features a gate keeps (then it starts again)


def sms_lines(name: str) -> list[str]:
    """The lines of one of the shipped sets, without comments and blank lines (a text, or
    category<TAB>text)."""
    lines = (SMS_SETS / name).read_text(encoding="utf-8").splitlines()
    return [t.strip() for t in lines if t.strip() and not t.startswith("#")]


def sms_set(name: str) -> list[str]:
    """The SMS of one of the shipped sets (of a category<TAB>text line, the text)."""
    return [t.split("\t")[-1].strip() for t in sms_lines(name)]


def sms_sets(prefix: str) -> list[str]:
    """The SMS of every shipped set whose file name starts with prefix, in name order, but
    for the sets kept to measure (REPORT_ONLY)."""
    return [t for path in sorted(SMS_SETS.glob(f"{prefix}*.txt"))
            if path.name not in REPORT_ONLY for t in sms_set(path.name)]


def trained_sets() -> dict[str, str]:
    """The shipped sets a gate learns from (all but REPORT_ONLY): file name -> sha256 of its
    text."""
    return {path.name: hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(SMS_SETS.glob("*.txt")) if path.name not in REPORT_ONLY}


def variants(text: str, key: str) -> list[str]:
    """A complaint as the gate learns it: whole, its first SMS, and short word windows
    (seeded by key, so training is repeatable)."""
    out = [text]
    if len(text) > SMS_CHARS:
        out.append(text[:SMS_CHARS])
    words = text.split()
    rnd = random.Random(key)  # noqa: S311 - repeatable sampling, not a secret
    for _ in range(WINDOWS):
        n = rnd.randint(5, 12)
        if len(words) > n:
            start = rnd.randint(0, len(words) - n)
            out.append(" ".join(words[start:start + n]))
    return out


def training_rows(tokenise: Callable[[str], list[str]], positives: Sequence[str],
                  negatives: Sequence[str], seed: int,
                  ) -> tuple[list[list[str]], list[int], list[int]]:
    """What a gate learns from: the tokens of each complaint's variants and of each
    non-complaint, their labels (1 complaint), and the text each row comes from (its group)."""
    rows: list[list[str]] = []
    groups: list[int] = []  # the text a row comes from: its variants share a fold
    for i, text in enumerate(positives):
        for v in variants(text, f"{seed}:{i}"):
            rows.append(tokenise(v))
            groups.append(i)
    labels = [1] * len(rows)
    rows += [tokenise(text) for text in negatives]
    groups += range(len(positives), len(positives) + len(negatives))
    labels += [0] * len(negatives)
    return rows, labels, groups


def training_digest(rows: Sequence[Sequence[str]], labels: Sequence[int], *, max_loss: float,
                    seed: int, keep: int | None) -> str:
    """sha256 of everything training reads: the rows as tokenised (so a change of the sets, the
    normaliser, the prefixes or the variants shows), their labels and the settings."""
    settings = {"max_loss": max_loss, "seed": seed, "keep": keep, "c": C, "folds": FOLDS,
                "min_df": MIN_DF, "char_ngrams": CHAR_NGRAMS, "format": GATE_FORMAT}
    text = json.dumps([settings, list(labels), [list(r) for r in rows]], ensure_ascii=False,
                      sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def train(tokenise: Callable[[str], list[str]], complaints: Sequence[str],
          non_complaints: Sequence[str] | None = None, *,
          sms_complaints: Sequence[str] | None = None, max_loss: float = MAX_LOSS,
          seed: int = 0, keep: int | None = None) -> Gate:
    """Train a gate: complaints and short SMS complaints (default: the shipped SMS complaint
    sets) against non-complaints (default: the shipped non-complaint sets).

    Each complaint counts with its variants. The threshold is the largest that fails at most
    max_loss of the complaints' out-of-fold scores (stratified folds, seeded); the gate's
    figures say how many texts of each kind it learnt from and what it caught out of fold.
    keep: at most this many features (fit).
    """
    negatives = list(sms_sets("non_complaints") if non_complaints is None else non_complaints)
    positives = list(complaints) + list(
        sms_sets("complaints_sms") if sms_complaints is None else sms_complaints)
    rows, labels, groups = training_rows(tokenise, positives, negatives, seed)
    scores = _out_of_fold(rows, labels, groups, seed, keep)
    threshold = _threshold([s for s, y in zip(scores, labels, strict=True) if y], max_loss)
    digest = training_digest(rows, labels, max_loss=max_loss, seed=seed, keep=keep)
    caught = sum(s < threshold for s, y in zip(scores, labels, strict=True) if not y)
    figures = {"complaints": len(positives), "complaint_texts": labels.count(1),
               "non_complaints": len(negatives), "max_loss": max_loss, "folds": FOLDS,
               "seed": seed, "c": C, "keep": keep, "non_complaints_caught_out_of_fold": caught,
               "digest": digest}
    gate = fit(rows, labels, c=C, keep=keep)
    return Gate(gate.weights, gate.intercept, threshold, figures)


def _out_of_fold(rows: list[list[str]], labels: list[int], groups: list[int],
                 seed: int, keep: int | None) -> list[float]:
    """Out-of-fold scores, folds stratified by label and seeded; the rows of one group (a
    complaint's variants) share a fold, so none is scored by a gate that learnt its text."""
    first: dict[int, int] = {}
    for i, group in enumerate(groups):
        first.setdefault(group, i)
    order = list(first)
    random.Random(seed).shuffle(order)  # noqa: S311 - repeatable folds, not a secret
    fold_of_group: dict[int, int] = {}
    for label in (0, 1):
        for k, group in enumerate(g for g in order if labels[first[g]] == label):
            fold_of_group[group] = k % FOLDS
    fold_of = [fold_of_group[g] for g in groups]
    scores = [0.0] * len(rows)
    for fold in range(FOLDS):
        gate = fit([rows[i] for i in range(len(rows)) if fold_of[i] != fold],
                   [labels[i] for i in range(len(rows)) if fold_of[i] != fold], c=C, keep=keep)
        for i in range(len(rows)):
            if fold_of[i] == fold:
                scores[i] = gate.score(rows[i])
    return scores


def _threshold(positive_scores: list[float], max_loss: float) -> float:
    """The largest threshold below which at most max_loss of the positives score."""
    ordered = sorted(positive_scores)
    return ordered[int(max_loss * len(ordered))] - 1e-6 if ordered else 0.0


class _Known(dict[str, tuple[str, ...]]):
    """A token's word and character features that a gate knows, found on first use (at most
    KNOWN_CACHE tokens, then it starts again)."""

    def __init__(self, weights: dict[str, tuple[float, float]]) -> None:
        super().__init__()
        # The features as the weights' own strings: the cache then holds references, not a
        # fresh copy of each feature string per token.
        self.canonical = {feature: feature for feature in weights}

    def __missing__(self, token: str) -> tuple[str, ...]:
        if len(self) >= KNOWN_CACHE:
            self.clear()
        canonical = self.canonical
        known = self[token] = tuple(
            canonical[f] for f in (f"w:{token}", *_char_ngrams(token)) if f in canonical)
        return known


class GateError(ValueError):
    """A gate file that cannot be used; the message names the path."""


def features(tokens: Sequence[str]) -> list[str]:
    """The gate's features of normalised tokens: words, word pairs, character 3-5-grams."""
    out = [f"w:{t}" for t in tokens]
    out += [f"b:{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    for token in tokens:
        out += _char_ngrams(token)
    return out


@lru_cache(maxsize=65536)
def _char_ngrams(token: str) -> tuple[str, ...]:
    padded = f" {token} "
    low, high = CHAR_NGRAMS
    return tuple(f"c:{padded[i:i + n]}" for n in range(low, high + 1)
                 for i in range(len(padded) - n + 1))


@dataclass(frozen=True)
class Gate:
    """Weights of a linear model over L2-normalised TF-IDF features, and its threshold."""

    weights: dict[str, tuple[float, float]]  # feature -> (idf, weight)
    intercept: float
    threshold: float
    figures: dict[str, Any] = field(default_factory=dict)
    # token -> its word and character features that the gate knows (the others weigh nothing):
    # a parse asks about the same everyday words again and again.
    _known: _Known = field(init=False, compare=False, repr=False)
    _heads: frozenset[str] = field(init=False, compare=False, repr=False)  # "a" of known "b:a b"

    def __post_init__(self) -> None:
        object.__setattr__(self, "_known", _Known(self.weights))
        object.__setattr__(self, "_heads", frozenset(
            f[2:].split(" ", 1)[0] for f in self.weights if f.startswith("b:")))

    def __getstate__(self) -> dict[str, Any]:
        return {"weights": self.weights, "intercept": self.intercept,
                "threshold": self.threshold, "figures": self.figures}

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name in ("weights", "intercept", "threshold", "figures"):
            object.__setattr__(self, name, state[name])
        self.__post_init__()

    def score(self, tokens: Sequence[str]) -> float:
        """Log-odds that the tokens are a complaint (the logistic regression's decision value):
        the same as over Counter(features(tokens)), reading only the features it knows."""
        weights, heads = self.weights, self._heads
        counts = Counter(chain.from_iterable(map(self._known.__getitem__, tokens)))
        for a, b in zip(tokens, islice(tokens, 1, None), strict=False):
            if a in heads:
                pair = f"b:{a} {b}"
                if pair in weights:
                    counts[pair] += 1
        norm = dot = 0.0
        for feature, count in counts.items():
            idf, weight = weights[feature]
            value = count * idf
            norm += value * value
            dot += value * weight
        return self.intercept + (dot / math.sqrt(norm) if norm else 0.0)

    def passes(self, tokens: Sequence[str]) -> bool:
        """True when the gate lets the message through as a complaint."""
        return self.score(tokens) >= self.threshold

    def stops(self, tokens: Sequence[str]) -> bool:
        """True when a parse holds the message back: not longer than MAX_TOKENS, and the gate
        does not let it through."""
        return len(tokens) <= MAX_TOKENS and not self.passes(tokens)

    def with_threshold(self, threshold: float) -> Gate:
        """The same weights with another threshold (for measuring)."""
        return Gate(self.weights, self.intercept, threshold, self.figures)

    def to_json(self) -> str:
        """The file's text: format, threshold, intercept, figures, then one feature per line."""
        head = {"format": GATE_FORMAT, "threshold": round(self.threshold, 6),
                "intercept": round(self.intercept, 6), "figures": self.figures}
        lines = [json.dumps(head, ensure_ascii=False, sort_keys=True)]
        lines += [json.dumps([f, round(idf, 4), round(w, 5)], ensure_ascii=False)
                  for f, (idf, w) in sorted(self.weights.items())]
        return "\n".join(lines) + "\n"

    @classmethod
    def from_json(cls, text: str, source: str) -> Gate:
        """Read a gate file's text; GateError names `source` and what is wrong."""
        lines = text.splitlines()
        try:
            head = json.loads(lines[0]) if lines else None
            if not isinstance(head, dict):
                raise GateError(f"{source}: not a complaint gate file")
            if head.get("format") != GATE_FORMAT:
                raise GateError(f"{source}: gate format {head.get('format')!r}, this code reads "
                                f"format {GATE_FORMAT}: retrain it")
            weights: dict[str, tuple[float, float]] = {}
            for line in lines[1:]:
                feature, idf, weight = json.loads(line)
                weights[str(feature)] = (float(idf), float(weight))
            return cls(weights, float(head["intercept"]), float(head["threshold"]),
                       dict(head.get("figures", {})))
        except (ValueError, KeyError, TypeError) as exc:
            if isinstance(exc, GateError):
                raise
            raise GateError(f"{source}: broken gate file ({exc})") from exc

    @classmethod
    def load(cls, path: Path | str) -> Gate:
        """Load a gate file; GateError (one line, naming the path) when it cannot be used."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise GateError(f"{path}: cannot read the gate file ({exc})") from exc
        return cls.from_json(text, str(path))

    def save(self, path: Path) -> None:
        """Write the gate file."""
        path.write_text(self.to_json(), encoding="utf-8")


def fit(token_lists: Sequence[Sequence[str]], labels: Sequence[int], *,
        c: float = 4.0, keep: int | None = None) -> Gate:
    """Fit the logistic regression (balanced class weights); threshold 0 until chosen.

    labels: 1 complaint, 0 not. keep (None or 0: all): only the features most tied to the label
    (chi-squared), the vectoriser fitted again on them alone, so that the file's scores stay
    exact: fewer features to look up per token at parse time. Needs scikit-learn (the `ml`
    extra).
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    docs = [list(t) for t in token_lists]
    vectoriser = TfidfVectorizer(analyzer=features, min_df=MIN_DF, sublinear_tf=False)
    matrix = vectoriser.fit_transform(docs)
    if keep and matrix.shape[1] > keep:
        from sklearn.feature_selection import SelectKBest, chi2

        chosen = SelectKBest(chi2, k=keep).fit(matrix, list(labels)).get_support()
        vocabulary = [str(f) for f in vectoriser.get_feature_names_out()[chosen]]
        vectoriser = TfidfVectorizer(analyzer=features, vocabulary=vocabulary,
                                     sublinear_tf=False)
        matrix = vectoriser.fit_transform(docs)
    model = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
    model.fit(matrix, list(labels))
    names = vectoriser.get_feature_names_out()
    weights = {str(name): (float(idf), float(w)) for name, idf, w
               in zip(names, vectoriser.idf_, model.coef_[0], strict=True)}
    return Gate(weights, float(model.intercept_[0]), 0.0)
