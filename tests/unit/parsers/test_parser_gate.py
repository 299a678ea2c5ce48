"""The learned complaint gate (issue 13, part 4): scoring, file format, use in the parse."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest

from parsers import Parser
from parsers.gate import (
    GATE_FORMAT,
    MAX_TOKENS,
    MIN_DF,
    REPORT_ONLY,
    SHIPPED_GATE,
    SHIPPED_KEEP,
    SHIPPED_MAX_LOSS,
    SMS_SETS,
    Gate,
    GateError,
    features,
    fit,
    sms_set,
    sms_sets,
    train,
    trained_sets,
    training_digest,
    training_rows,
    variants,
)

GOLDEN = Path(__file__).parent / "golden" / "sms.csv"
ROUTED = "sampah numpuk di TPS pasar udah seminggu ga diangkut, baunya kemana2"


def _gate(weight: float, threshold: float = 0.0) -> Gate:
    """Every word feature weighs `weight`; the decision is intercept + weight * word share."""
    return Gate({f"w:{w}": (1.0, weight) for w in ("sampah", "numpuk", "pasar", "tps")},
                intercept=0.0, threshold=threshold)


def test_features_are_words_word_pairs_and_padded_character_ngrams() -> None:
    got = features(["air", "mati"])
    assert (got[:3], "c: ai" in got, "c:air " in got, "c: mati" in got, "c:ir m" in got) == (
        ["w:air", "w:mati", "b:air mati"], True, True, True, False)


def test_score_is_the_linear_model_on_l2_normalised_tfidf() -> None:
    gate = Gate({"w:a": (2.0, 1.5), "w:b": (1.0, -0.5)}, intercept=0.25, threshold=0.0)
    # a twice (tf-idf 4), b once (1), an unknown word: dot 4*1.5 - 0.5 = 5.5, norm sqrt(17)
    assert gate.score(["a", "a", "b", "zzz"]) == pytest.approx(0.25 + 5.5 / math.sqrt(17))
    assert gate.score(["zzz"]) == 0.25


def test_passes_compares_with_the_threshold() -> None:
    assert (_gate(1.0).passes(["sampah"]), _gate(-1.0).passes(["sampah"]),
            _gate(1.0, threshold=2.0).passes(["sampah"])) == (True, False, False)


def test_file_round_trip_keeps_scores(tmp_path: Path) -> None:
    gate = Gate({"w:a": (2.0, 1.5), "c: a ": (1.3, -0.25)}, 0.5, 0.125, {"seed": 0})
    path = tmp_path / "gate.json"
    gate.save(path)
    again = Gate.load(path)
    assert (again.threshold, again.figures, again.score(["a"])) == (
        0.125, {"seed": 0}, pytest.approx(gate.score(["a"]), abs=1e-4))


@pytest.mark.parametrize(("text", "message"), [
    ('{"format": 99, "threshold": 0, "intercept": 0}\n', "gate format 99"),
    ("[1, 2]\n", "not a complaint gate file"),
    (f'{{"format": {GATE_FORMAT}, "threshold": 0, "intercept": 0}}\n["w:a", 1]\n',
     "broken gate file"),
    ("", "not a complaint gate file"),
])
def test_unusable_gate_file_names_the_path(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "gate.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(GateError) as info:
        Gate.load(path)
    assert (str(path) in str(info.value), message in str(info.value)) == (True, True)


def test_missing_gate_file_is_a_gate_error(tmp_path: Path) -> None:
    with pytest.raises(GateError, match="cannot read"):
        Gate.load(tmp_path / "absent.json")


def test_the_shipped_gate_is_loaded_by_default_and_can_be_left_out(parser: Parser) -> None:
    assert parser.gate is not None and parser.gate.figures["keep"] == SHIPPED_KEEP
    assert Parser.load(shipped_gate=False).gate is None


def test_the_shipped_gate_learnt_from_the_shipped_sets_as_they_are_now() -> None:
    # A set added or changed without `make gate` leaves a gate that learnt something else.
    learnt = Gate.load(SHIPPED_GATE).figures["sets"]
    assert learnt == trained_sets(), "the shipped SMS sets changed: run `make gate`"
    assert not REPORT_ONLY & set(learnt) and REPORT_ONLY <= {p.name for p in SMS_SETS.iterdir()}


def test_the_shipped_gate_learnt_from_what_the_parse_reads_now(parser: Parser) -> None:
    # Its digest covers the training texts as the parse tokenises them (after a LAPOR prefix;
    # so the normaliser's word lists and the prefixes too) and the training settings.
    figures = Gate.load(SHIPPED_GATE).figures
    rows, labels, _ = training_rows(parser.gate_tokens, sms_sets("complaints_sms"),
                                    sms_sets("non_complaints"), figures["seed"])
    digest = training_digest(rows, labels, max_loss=SHIPPED_MAX_LOSS, seed=figures["seed"],
                             keep=SHIPPED_KEEP)
    assert digest == figures["digest"], "what the gate learns from changed: run `make gate`"


def test_report_only_sets_are_never_trained_on() -> None:
    report_only = {t for name in REPORT_ONLY for t in sms_set(name)}
    trained = set(sms_sets("non_complaints")) | set(sms_sets("complaints_sms"))
    # (stock SMS of a few words, "?" or "p", may be in any set)
    assert len(report_only) >= 400 and not {t for t in report_only & trained if len(t.split()) > 4}


@pytest.mark.parametrize("text", [
    "Kemarin jalan ke pasar macet parah, akhirnya telat ambil jahitan, besok lagi aja",
    "Klinik Mata Cerah: promo periksa mata anak Rp99rb selama Januari. Reservasi 0274 555 901",
    "Yth wali murid kelas 3, kunjungan ke kebun binatang hari Jumat, kumpul di sekolah jam 7. "
    "Biaya 120rb",
])
def test_the_shipped_gate_sends_chat_the_rules_would_route_to_review(
        parser: Parser, text: str) -> None:
    rules = Parser.load(shipped_gate=False).parse(text, default_region="35.78")
    gated = parser.parse(text, default_region="35.78")
    assert (rules.intent, rules.needs_review) == ("complaint", False)
    assert (gated.intent, gated.needs_review, gated.reasons[-1], gated.category) == (
        "complaint", True, "screen:gate", rules.category)


def test_the_shipped_gate_lets_the_golden_sms_complaints_through(parser: Parser) -> None:
    with GOLDEN.open(encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if r["intent"] == "complaint"]
    gated = [r["text"] for r in rows if "screen:gate" in parser.parse(
        r["text"], default_region=r["default_region"] or None).reasons]
    assert len(rows) >= 60 and not gated, gated


def test_a_gate_that_says_no_sends_a_confident_complaint_to_review(parser: Parser) -> None:
    before = parser.parse(ROUTED, default_region="35.78")
    after = parser.with_gate(_gate(-1.0)).parse(ROUTED, default_region="35.78")
    assert (before.needs_review, after.needs_review, after.reasons[-1], after.intent,
            after.category) == (False, True, "screen:gate", "complaint", before.category)


def test_a_gate_that_says_yes_changes_nothing(parser: Parser) -> None:
    assert parser.with_gate(_gate(1.0)).parse(ROUTED, default_region="35.78") == parser.parse(
        ROUTED, default_region="35.78")


def test_a_1708_prefix_is_never_gated(parser: Parser) -> None:
    result = parser.with_gate(_gate(-1.0)).parse(f"LAPOR {ROUTED}", default_region="35.78")
    assert (result.needs_review, "screen:gate" in result.reasons) == (False, False)


def test_gate_is_asked_only_about_what_would_be_routed(parser: Parser) -> None:
    # Already doubted (family chat): the gate adds no second reason.
    text = "Pah, motor aku bannya bocor, bisa jemput di depan kampus?"
    result = parser.with_gate(_gate(-1.0)).parse(text)
    assert ("screen:personal" in result.reasons, "screen:gate" in result.reasons) == (True, False)


def test_parser_load_reads_a_gate_file(tmp_path: Path) -> None:
    path = tmp_path / "gate.json"
    _gate(-1.0).save(path)
    assert Parser.load(gate_path=path).gate is not None


def test_fit_matches_scikit_learn_and_separates_its_training_rows() -> None:
    pytest.importorskip("sklearn")
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    negatives = [t.lower().split() for t in sms_set("non_complaints_c_holdout.txt")]
    positives = [t.lower().split() for t in sms_set("complaints_sms.txt")]
    rows, labels = negatives + positives, [0] * len(negatives) + [1] * len(positives)
    gate = fit(rows, labels, c=1.0)
    vectoriser = TfidfVectorizer(analyzer=features, min_df=MIN_DF)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(vectoriser.fit_transform(rows), labels)
    expected = model.decision_function(vectoriser.transform(rows[:5] + rows[-5:]))
    got = [gate.score(r) for r in rows[:5] + rows[-5:]]
    right = sum((gate.score(r) >= 0) == bool(y) for r, y in zip(rows, labels, strict=True))
    assert (got == pytest.approx(list(expected), abs=1e-6), right >= 0.95 * len(rows)) == (
        True, True)


def test_no_sms_set_shares_a_message_with_another() -> None:
    # A set measured fresh must hold no SMS of another set (trained or tuned on).
    seen: dict[str, str] = {}
    for path in sorted(SMS_SETS.glob("*.txt")):
        texts = [t.split("\t")[-1].casefold() for t in sms_set(path.name)]
        assert len(texts) >= 60 and len(set(texts)) == len(texts), path.name
        # stock SMS of a few words ("p", "ok", "maaf salah kirim") may come twice
        shared = {t: seen[t] for t in texts if t in seen and len(t.split()) > 4}
        assert not shared, (path.name, shared)
        seen.update((t, path.name) for t in texts)


def test_train_fails_few_complaints_and_says_what_it_learnt_from() -> None:
    pytest.importorskip("sklearn")
    complaints = sms_set("complaints_sms.txt")
    negatives = sms_set("non_complaints_c_holdout.txt") + sms_set("non_complaints_d_holdout.txt")
    gate = train(str.split, complaints, negatives, sms_complaints=[], max_loss=0.02)
    f = gate.figures
    texts = [v for i, t in enumerate(complaints) for v in variants(t, f"0:{i}")]
    failed = sum(not gate.passes(t.split()) for t in texts)
    assert (f["complaints"], f["complaint_texts"], f["non_complaints"]) == (
        len(complaints), len(texts), len(negatives))
    assert 0 < f["non_complaints_caught_out_of_fold"] <= len(negatives)
    assert failed <= 0.02 * len(texts)  # out of fold at most 2%; in sample fewer still
    assert variants("a b c d e f g h i j k l m n", "x") == variants("a b c d e f g h i j k l m n",
                                                                    "x")


def test_a_message_longer_than_any_sms_the_gate_learnt_is_not_asked(parser: Parser) -> None:
    # Past MAX_TOKENS the gate would judge text unlike any personal or promotional SMS it
    # learnt from; a gate that says no to everything holds back only the shorter message.
    longest = max(len(parser.normaliser.tokens(t)) for t in sms_sets("non_complaints"))
    short = ROUTED
    long = " ".join([ROUTED] * (MAX_TOKENS // len(ROUTED.split()) + 1))
    gated = parser.with_gate(_gate(-1.0))
    assert longest < MAX_TOKENS < len(parser.normaliser.tokens(long))
    assert (gated.parse(short, default_region="35.78").needs_review,
            gated.parse(long, default_region="35.78").needs_review) == (True, False)
