"""The trained category model: precision target, figures, comparison, files and blobs."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from parsers import Parser

pytest.importorskip("sklearn")

from parsers.classifier import MIN_KEPT, NEVER, threshold_for  # noqa: E402
from parsers.gate import MIN_COMPLAINTS
from parsers.model import (  # noqa: E402
    FORMAT_VERSION,
    ModelError,
    TrainedModel,
    compare,
    dump_model_bytes,
    evaluate,
    load_model,
    load_model_bytes,
    model_figures,
    save_model,
    train,
)
from parsers.modelfile import MAGIC  # noqa: E402

# Small synthetic complaints: four categories with their own words plus shared filler, and a
# share of rows whose words point nowhere in particular (the model must be unsure of those).
TOPICS = {
    "jalan_drainase": ["jalan berlubang", "aspal rusak", "got mampet", "saluran tersumbat",
                       "jembatan retak", "paving ambles"],
    "sampah_lingkungan": ["sampah menumpuk", "tps penuh", "bau busuk", "limbah pabrik",
                          "sampah belum diangkut", "asap pembakaran"],
    "adminduk": ["ktp belum jadi", "kartu keluarga", "akta kelahiran", "nik tidak terdaftar",
                 "pindah domisili", "blangko ktp habis"],
    "kesehatan": ["puskesmas tutup", "antrian rumah sakit", "obat kosong", "fogging demam",
                  "bidan tidak datang", "pelayanan bpjs rsud"],
}
FILLER = ["mohon", "segera", "ditindaklanjuti", "pak", "bu", "warga", "kami", "sudah", "lama",
          "tolong", "dibantu", "terima", "kasih", "di", "rt", "rw", "kampung", "depan", "rumah"]


def _corpus(n: int, seed: int) -> tuple[list[str], list[str]]:
    rng = random.Random(seed)
    texts, labels = [], []
    codes = sorted(TOPICS)
    for i in range(n):
        code = codes[i % len(codes)]
        words = rng.sample(FILLER, 6)
        if rng.random() < 0.75:
            words += rng.choice(TOPICS[code]).split()
        else:  # vague: another category's phrase half the time
            words += rng.choice(TOPICS[rng.choice(codes)]).split()[:1]
        rng.shuffle(words)
        texts.append(" ".join(words))
        labels.append(code)
    return texts, labels


@pytest.fixture(scope="module")
def corpus() -> tuple[list[str], list[str]]:
    return _corpus(400, seed=1)


@pytest.fixture(scope="module")
def held_back() -> tuple[list[str], list[str]]:
    return _corpus(200, seed=2)


@pytest.fixture(scope="module")
def model(parser: Parser, corpus: tuple[list[str], list[str]]) -> TrainedModel:
    return train(*corpus, target_precision=0.95, features=parser)


def test_threshold_is_the_lowest_cut_whose_kept_rows_reach_the_target() -> None:
    confidences = [1.0 - i / 100 for i in range(100)]
    correct = [i < 40 or i % 2 == 0 for i in range(100)]  # first 40 right, then every other
    threshold, coverage, precision = threshold_for(confidences, correct, 0.9)
    kept = [ok for c, ok in zip(confidences, correct, strict=True) if c >= threshold]
    assert (round(coverage, 2), sum(kept) / len(kept) >= 0.9, precision >= 0.9) == (
        0.51, True, True)


def test_threshold_never_cuts_between_equal_confidences() -> None:
    confidences = [0.9] * MIN_KEPT + [0.8] * MIN_KEPT
    correct = [True] * MIN_KEPT + [True] * (MIN_KEPT // 2) + [False] * (MIN_KEPT // 2)
    assert threshold_for(confidences, correct, 0.95)[0] == 0.9


def test_unreachable_target_sends_every_complaint_to_review() -> None:
    assert threshold_for([0.9] * 50, [False] * 50, 0.95) == (NEVER, 0.0, 0.0)


def test_training_figures_report_the_target_and_the_coverage_reached(
        model: TrainedModel) -> None:
    figures = model.figures
    assert (figures.target_precision, figures.precision >= 0.95, 0.3 < figures.coverage < 1.0,
            figures.threshold == model.review_threshold, figures.rows) == (
        0.95, True, True, True, 400)


def test_training_figures_count_the_labels(model: TrainedModel) -> None:
    assert model.figures.label_counts == {code: 100 for code in TOPICS}


def test_a_stricter_target_keeps_fewer_complaints(
        parser: Parser, corpus: tuple[list[str], list[str]], model: TrainedModel) -> None:
    loose = train(*corpus, target_precision=0.8, features=parser, gate=False)
    assert loose.figures.coverage > model.figures.coverage


def test_training_is_deterministic(parser: Parser, corpus: tuple[list[str], list[str]],
                                   model: TrainedModel) -> None:
    again = train(*corpus, target_precision=0.95, features=parser)
    texts = corpus[0][:50]
    assert (again.figures, [parser.with_model(again).parse(t).confidence for t in texts]) == (
        model.figures, [parser.with_model(model).parse(t).confidence for t in texts])


def test_the_threshold_holds_its_precision_on_unseen_rows(
        parser: Parser, model: TrainedModel, held_back: tuple[list[str], list[str]]) -> None:
    scores = evaluate(model, *held_back, features=parser)
    assert scores.precision >= 0.9 and scores.coverage > 0.3


def test_needs_review_follows_the_models_threshold(parser: Parser, model: TrainedModel) -> None:
    text = "sampah menumpuk di tps penuh bau busuk mohon segera diangkut"
    confident = parser.with_model(model).parse(text)
    strict = TrainedModel(**{**model.__dict__, "review_threshold": NEVER})
    doubtful = parser.with_model(strict).parse(text)
    assert (confident.needs_review, doubtful.needs_review,
            any(r.startswith("review:confidence<") for r in doubtful.reasons)) == (
        False, True, True)


def test_compare_promotes_a_better_candidate_over_the_rules(
        parser: Parser, model: TrainedModel, held_back: tuple[list[str], list[str]]) -> None:
    report = compare(model, None, *held_back, features=parser)
    assert (report.promote, report.candidate.accuracy > report.active.accuracy) == (True, True)


def test_compare_refuses_a_candidate_trained_on_fewer_rows(
        parser: Parser, model: TrainedModel, corpus: tuple[list[str], list[str]],
        held_back: tuple[list[str], list[str]]) -> None:
    texts, labels = corpus
    weak = train(texts[:60], labels[:60], features=parser)
    report = compare(weak, model, *held_back, features=parser)
    assert (report.promote, report.reason.startswith("worse on")) == (False, True)


def test_bytes_round_trip_keeps_predictions_and_figures(parser: Parser,
                                                        model: TrainedModel) -> None:
    blob = dump_model_bytes(model)
    back = load_model_bytes(blob, parser)
    text = "ktp saya belum jadi sudah tiga bulan"
    assert (back.figures, model_figures(blob), parser.with_model(back).parse(text)) == (
        model.figures, model.figures, parser.with_model(model).parse(text))


def test_saved_file_loads_in_a_parser(tmp_path: Path, model: TrainedModel) -> None:
    path = tmp_path / "model.bin"
    save_model(model, path)
    loaded = Parser.load(model_path=path)
    assert "model:svm" in loaded.parse("got mampet jalan berlubang").reasons


def _error(blob: bytes, tmp_path: Path) -> str:
    path = tmp_path / "model.bin"
    path.write_bytes(blob)
    with pytest.raises(ModelError) as info:
        load_model(path)
    return str(info.value)


def test_missing_model_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"nothing\.bin: no such model file"):
        load_model(tmp_path / "nothing.bin")


def test_unreadable_model_path_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"cannot read model file"):
        load_model(tmp_path)  # a directory


def test_a_plain_pickle_is_refused_before_unpickling(tmp_path: Path) -> None:
    # Unpickling this would raise; the header check must refuse it first.
    class Boom:
        def __reduce__(self) -> tuple[object, ...]:
            return (int, ("not a number",))

    message = _error(pickle.dumps(Boom()), tmp_path)
    assert "not a parser category model" in message and "model.bin" in message


def test_another_format_version_is_refused(tmp_path: Path, model: TrainedModel) -> None:
    blob = dump_model_bytes(model).replace(
        f'"format": {FORMAT_VERSION}'.encode(), f'"format": {FORMAT_VERSION + 1}'.encode(), 1)
    assert f"model format {FORMAT_VERSION + 1}, this parser reads format {FORMAT_VERSION}" in (
        _error(blob, tmp_path))


def test_a_damaged_payload_is_refused(tmp_path: Path, model: TrainedModel) -> None:
    blob = dump_model_bytes(model)
    assert "damaged (checksum mismatch)" in _error(blob[:-10] + b"0123456789", tmp_path)


def test_a_damaged_header_is_refused(tmp_path: Path) -> None:
    assert "damaged header" in _error(MAGIC + b"{not json\n" + b"x", tmp_path)


def test_another_scikit_learn_is_refused(tmp_path: Path, model: TrainedModel) -> None:
    import sklearn

    blob = dump_model_bytes(model).replace(
        f'"sklearn": "{sklearn.__version__}"'.encode(), b'"sklearn": "0.1.0"', 1)
    assert "trained with scikit-learn 0.1.0" in _error(blob, tmp_path)


def test_model_errors_are_one_line_value_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as info:
        load_model(tmp_path / "x.bin")
    assert "\n" not in str(info.value)


def test_a_model_carries_a_complaint_gate_that_a_parser_with_it_asks(
        parser: Parser, model: TrainedModel) -> None:
    # Chat that the rules alone would route (a road, a jam, a grievance word): the gate trained
    # with the model, the corpus and the shipped SMS sets against the shipped personal and
    # promotional SMS, sends it to review; a plain complaint passes.
    assert model.gate is not None and model.gate.figures["non_complaints"] > 1000
    chat = "Sayang aku telat, jalan ke rumah ibu macet parah banget, kamu makan duluan aja"
    complaint = "jalan di depan pasar rusak parah berlubang, mohon segera diperbaiki"
    with_model = parser.with_model(model)
    # The model's own gate takes the place of the shipped one.
    assert with_model.active_gate is model.gate and parser.active_gate is parser.gate
    assert not model.gate.passes(parser.normaliser.tokens(chat))
    assert model.gate.passes(parser.normaliser.tokens(complaint))
    assert "screen:gate" not in with_model.parse(complaint).reasons


def test_no_gate_is_trained_from_too_few_complaints(
        parser: Parser, corpus: tuple[list[str], list[str]]) -> None:
    texts, labels = corpus
    assert len(texts) >= MIN_COMPLAINTS > 100
    assert train(texts[:100], labels[:100], features=parser).gate is None


def test_a_model_without_a_gate_parses_with_the_parsers_gate(
        parser: Parser, corpus: tuple[list[str], list[str]]) -> None:
    bare = train(*corpus[:2], target_precision=0.95, features=parser, gate=False)
    # A model without its own gate parses with the parser's (the shipped one).
    assert bare.gate is None and parser.with_model(bare).active_gate is parser.gate


def test_a_candidate_whose_gate_stops_held_back_complaints_is_not_promoted(
        parser: Parser, model: TrainedModel, held_back: tuple[list[str], list[str]]) -> None:
    import dataclasses

    assert model.gate is not None
    harsh = dataclasses.replace(model, gate=model.gate.with_threshold(1e9))  # stops everything
    report = compare(harsh, model, *held_back, features=parser)
    fair = compare(model, model, *held_back, features=parser)
    assert (report.promote, "gate" in report.reason, report.candidate.gate_stops) == (
        False, True, 1.0)
    assert fair.promote is True and fair.candidate.gate_stops <= 0.02


def test_a_model_without_a_gate_is_scored_with_the_readers_gate(parser: Parser) -> None:
    # Rules only (no model) and a model without a gate parse with the shipped gate: their
    # gate_stops count what it stops, so `compare` weighs a candidate's gate against it.
    texts = ["Kemarin jalan ke pasar macet parah, akhirnya telat ambil jahitan, besok lagi aja",
             "jalan di depan pasar rusak parah berlubang, mohon segera diperbaiki"]
    labels = ["perhubungan", "jalan_drainase"]
    with_gate = evaluate(None, texts, labels, features=parser)
    without = evaluate(None, texts, labels, features=parser.with_gate(None))
    assert (with_gate.gate_stops, without.gate_stops) == (0.5, 0.0)
