"""Personal and promotional SMS must rarely become confident complaints (issue 13, part 4)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from parsers import Parser
from parsers.gate import sms_set
from parsers.screening import Screener

SETS = ("non_complaints.txt", "non_complaints_holdout.txt", "non_complaints_b_tune.txt",
        "non_complaints_b_holdout.txt", "non_complaints_c_holdout.txt",
        "non_complaints_d_holdout.txt", "non_complaints_e_holdout.txt",
        "non_complaints_f_holdout.txt", "non_complaints_g_holdout.txt")
# Short SMS complaints (category<TAB>text in set B): the screening must not doubt many of them.
COMPLAINT_SETS = ("complaints_sms.txt", "complaints_sms_b.txt")


def _fields(screener: Screener) -> dict[str, object]:
    return {f: getattr(screener, f) for f in Screener.__dataclass_fields__}


def _confident(parser: Parser, texts: list[str], default_region: str | None) -> int:
    results = [parser.parse(t, default_region=default_region) for t in texts]
    return sum(1 for r in results if r.intent == "complaint" and not r.needs_review)


def test_fixture_holds_at_least_150_varied_messages() -> None:
    assert len(set(sms_set("non_complaints.txt"))) >= 150


@pytest.mark.parametrize("default_region", [None, "35.78"])
def test_personal_and_promotional_sms_rarely_become_confident_complaints(
        parser: Parser, default_region: str | None) -> None:
    # Every set together (sets D to G were first measured fresh, then tuned on).
    texts = [t for name in SETS for t in sms_set(name)]
    assert _confident(parser, texts, default_region) < 0.03 * len(texts)


def test_reminder_that_fires_a_rule_goes_to_review(parser: Parser) -> None:
    result = parser.parse("Obat dari puskesmas diminum 3x sehari ya pak")
    assert (result.intent, result.needs_review, result.reasons[-1]) == (
        "complaint", True, "screen:no-grievance")


def test_a_reminder_reads_as_chat(parser: Parser) -> None:
    result = parser.parse("Jangan lupa minum obatnya ya pak")
    assert (result.intent, result.needs_review, result.reasons[-1]) == (
        "complaint", True, "screen:personal")


def test_family_chat_with_a_problem_word_goes_to_review(parser: Parser) -> None:
    result = parser.parse("Pah, motor aku bannya bocor, bisa jemput di depan kampus?")
    assert "screen:personal" in result.reasons


def test_short_complaint_with_a_grievance_stays_confident(parser: Parser) -> None:
    result = parser.parse("lampu pju di gang kami mati sudah seminggu")
    assert (result.category, result.needs_review) == ("perhubungan", False)


def test_long_complaint_is_not_doubted_for_lack_of_grievance_words(parser: Parser) -> None:
    text = ("pemangkasan pohon di jalan raya rungkut madya seberang kali depan toko, grand city "
            "regency, pohon tinggi sekali sampai ke kabel, warga khawatir kalau angin kencang "
            "datang nanti sore")
    assert not any(r.startswith("screen:") for r in parser.parse(text).reasons)


def test_loan_offer_asking_for_a_ktp_photo_is_spam(parser: Parser) -> None:
    text = "Anda mendapat bantuan dana 5 juta, isi data diri dan kirim foto KTP ke nomor ini"
    assert parser.parse(text).spam is True


def test_set_b_holds_180_distinct_messages_in_two_halves() -> None:
    tune, held = sms_set("non_complaints_b_tune.txt"), sms_set("non_complaints_b_holdout.txt")
    assert (len(tune), len(held), len(set(tune) | set(held))) == (90, 90, 180)


def test_a_second_person_word_reads_as_chat(parser: Parser) -> None:
    # "anakmu": a known word with the chat suffix -mu
    result = parser.parse("Anakmu kemarin nangis terus, kenapa ya? Udh dibawa ke bidan?")
    assert "screen:personal" in result.reasons


def test_a_word_that_only_ends_in_mu_is_not_chat(parser: Parser) -> None:
    result = parser.parse("warga sulit bertemu petugas puskesmas, antrian lama sekali")
    assert "screen:personal" not in result.reasons


def test_a_utility_notice_apologising_for_the_inconvenience_is_not_a_complaint(
        parser: Parser) -> None:
    text = ("Pesan dr PLN: Pemeliharaan jaringan 02/12 pukul 09.00-15.00 di wil Tandes. "
            "Mohon maaf atas ketidaknyamanan")
    assert parser.parse(text).spam is True


def test_before_is_not_a_grievance_though_it_ends_in_belum(parser: Parser) -> None:
    # "sebelum" (before) strips to "belum" (not yet): [grievance] not_words keeps it out.
    text = "Bagi yg mau daftar jalan jalan ke pantai, hub pak RT sebelum tgl 10"
    assert parser.parse(text).needs_review is True
    without = Screener(**{**_fields(parser.screener), "not_grievance": frozenset()})
    tokens = parser.normaliser.tokens(text)
    assert without.doubt(tokens, " ".join(tokens)) == ""
    assert parser.screener.doubt(tokens, " ".join(tokens)) != ""


def test_a_check_up_offer_is_no_grievance_but_a_request_to_check_is(parser: Parser) -> None:
    # "cek gula darah gratis" offers; "mohon dicek" and "pengecekan" ask the government.
    assert "screen:no-grievance" in parser.parse(
        "Apotek Sehat: cek gula darah gratis setiap Sabtu pagi").reasons
    for text in ("pipa pdam di gang 3 dicek dong, airnya keruh coklat",
                 "minta pengecekan kabel pln yg melintang rendah di depan sd"):
        assert not any(r.startswith("screen:") for r in parser.parse(text).reasons), text


def test_a_fake_aid_notice_with_a_bare_scam_domain_is_spam(parser: Parser) -> None:
    text = "Sdr tercatat penerima bantuan PKH Rp2,4jt, silakan aktivasi di pkh-kemensos.xyz"
    assert parser.parse(text).spam is True


def test_screening_doubts_few_short_sms_complaints(parser: Parser) -> None:
    texts = [t.split("\t")[-1] for name in COMPLAINT_SETS for t in sms_set(name)]
    doubted = [t for t in texts if any(
        r.startswith("screen:") for r in parser.parse(t, default_region="35.78").reasons)]
    assert len(texts) == 273
    assert len(doubted) <= 0.05 * len(texts), doubted


@pytest.mark.parametrize("text", [
    "LAPOR tiap malam ada yg bakar sampah plastik di lahan kosong RT 08, anak sy sesak",
    "RAHASIA tiap malam ada yg bakar sampah plastik di lahan kosong RT 08",
    "tiap malam ada yg bakar sampah plastik di lahan kosong RT 08, jgn sebut nama sy",
])
def test_a_message_that_says_it_is_a_report_is_not_doubted(parser: Parser, text: str) -> None:
    result = parser.parse(text, default_region="35.78")
    assert not any(r.startswith("screen:") for r in result.reasons), result.reasons
    without = parser.parse("tiap malam ada yg bakar sampah plastik di lahan kosong RT 08",
                           default_region="35.78")
    assert "screen:no-grievance" in without.reasons


@pytest.mark.parametrize("text", [
    "PLN: jadwal pemadaman Kamis 09.00-15.00 di Kel. Tlogomas, Dinoyo",  # a keyword
    "Les privat SD-SMP, guru lulusan UNY, datang ke rumah",  # "privat" near the start
])
def test_a_keyword_or_a_privacy_word_near_the_start_does_not_lift_the_doubt(
        parser: Parser, text: str) -> None:
    assert parser.parse(text, default_region="35.78").needs_review is True


def test_the_lexicons_typo_for_bersihin_is_mended(parser: Parser) -> None:
    assert "membersihkan" in parser.normaliser.tokens("tlg bersihin got depan rumah")


def test_screening_doubts_few_of_the_golden_sms_complaints(parser: Parser) -> None:
    # Chat words must not send real SMS complaints to review: "bau bgt", "nenek sy lansia".
    golden = (Path(__file__).parent / "golden" / "sms.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(golden.splitlines()))
    doubted = [row["text"] for row in rows if row["intent"] == "complaint" and any(
        r.startswith("screen:") for r in parser.parse(row["text"]).reasons)]
    assert len(doubted) <= 5, doubted


@pytest.mark.parametrize("text", [
    "Dek, KTP ibu ketinggalan di fotokopian ga? Tolong dicek",
    "Kak! jalan ke rumah nenek rusak, lewat mana ya",
    "Bos, sy izin, motor mogok kena banjir di jalan",
])
def test_a_message_that_calls_someone_or_friend_reads_as_chat(
        parser: Parser, text: str) -> None:
    assert "screen:personal" in parser.parse(text).reasons


@pytest.mark.parametrize("text", [
    "Pak, jalan depan rumah rusak parah tolong diperbaiki",
    "Kakak sy tidak dapat BLT padahal terdaftar DTKS",  # a relative named, not called
])
def test_calling_an_official_or_naming_a_relative_is_no_chat(parser: Parser, text: str) -> None:
    assert "screen:personal" not in parser.parse(text).reasons


def test_vocatives_come_from_the_rule_file(parser: Parser) -> None:
    text = "Dek, KTP ibu ketinggalan di fotokopian ga? Tolong dicek"
    without = Screener(**{**_fields(parser.screener), "vocatives": frozenset()})
    assert parser.screener.calls_someone(text) and not without.calls_someone(text)


@pytest.mark.parametrize("text", [
    "Jasa sedot WC & saluran mampet 24 jam, harga bersahabat. Telp 0878-7711-2030",
    "Maaf mengganggu, anda dpt paket sembako dr Dinsos, bayar admin 100rb via Dana",
    "Bpk/Ibu, anak Anda kecelakaan & di rumah sakit, hub Dr. Hendra +62 812-6671-0934",
])
def test_advertised_services_and_fee_scams_are_spam(parser: Parser, text: str) -> None:
    assert parser.parse(text).spam is True


def test_a_complaint_that_gives_the_senders_number_is_not_spam(parser: Parser) -> None:
    text = "Jalan di ds Sukamaju rusak parah, mohon diperbaiki. Bisa hub sy di 0812-3456-7890"
    result = parser.parse(text)
    assert (result.spam, result.intent, result.category) == (False, "complaint", "jalan_drainase")


@pytest.mark.parametrize("text", [
    "Bu Siti, sy pinjem ember besar ya bwt nampung air, PDAM mati lg",
    "Pak Guru, tugas makalah dikumpul kapan ya pak? Kemarin saya sakit",
    "Mas Eko, motor sampean parkir dpn pager sy, tlg digeser ya",
    # a long message too: calling someone by name is chat at any length
    "Sis, kmrn aku nganter mama ke RS yg di jalan Pemuda itu, dokternya judes bgt, nunggu 3 "
    "jam cuma diperiksa 2 menit, trus obatnya mahal pula, lain kali mending ke klinik dr. Hana "
    "deket rmh aja, ramah dan murah. Btw jadi ketemuan Sabtu kan?",
])
def test_a_message_that_calls_someone_by_name_reads_as_chat(parser: Parser, text: str) -> None:
    assert "screen:personal" in parser.parse(text).reasons


@pytest.mark.parametrize("text", [
    "Pak Lurah, jalan di RT 3 rusak parah mohon diperbaiki",
    "Bu Camat, bansos di desa kami tidak merata",
    "pak siti jalan rusak, tolong",  # no comma after the name: not a call
])
def test_calling_an_office_by_its_title_is_no_chat(parser: Parser, text: str) -> None:
    assert "screen:personal" not in parser.parse(text).reasons


@pytest.mark.parametrize("text", [
    "vitamin dr posyandu utk balita sdh kadaluwarsa, tanggalnya lewat",
    "wali murid dipaksa beli buku LKS di sekolah 300rb",
    "petugas kecamatan merokok di ruang tunggu pelayanan",
    "pak lurah ikut kampanye caleg pakai seragam dinas",
])
def test_a_grievance_said_without_a_problem_word_is_not_doubted(
        parser: Parser, text: str) -> None:
    # Words added in session 12 (an expired medicine, coercion, smoking in an office, aid to
    # the wrong people): each in at most 1 of the shipped personal and promotional SMS.
    result = parser.parse(text, default_region="35.78")
    assert (result.intent, [r for r in result.reasons if r.startswith("screen:")]) == (
        "complaint", []), result.reasons


def test_nearly_every_shipped_sms_complaint_is_read_as_a_complaint(parser: Parser) -> None:
    # A complaint read as spam or noise gets no ticket number (spam no reply at all): at most
    # one in a thousand of the shipped SMS complaints, report-only sets included. Left: a
    # Sundanese text the normaliser does not know ("screen:unknown-words").
    from parsers.gate import SMS_SETS, sms_lines

    texts = [line.split("\t")[-1] for path in sorted(SMS_SETS.glob("complaints_sms*.txt"))
             for line in sms_lines(path.name)]
    missed = [t for t in texts if parser.parse(t, default_region="35.78").intent != "complaint"]
    assert len(texts) > 2800 and len(missed) <= len(texts) // 1000, missed
    assert parser.parse("Reklame liar ditempel di tiang listrik sepanjang jl Pemuda, iklan "
                        "sedot wc dan pinjol").intent == "complaint"
