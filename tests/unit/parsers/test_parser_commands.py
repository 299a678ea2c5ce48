"""The command grammar: CEK/STATUS, BATAL, INFO, STOP, MULAI, LAPOR, privacy words, keywords."""

from __future__ import annotations

import pytest

from parsers import Parser

COMMANDS = [
    ("CEK 1234567", "status", "1234567"),
    ("cek #1234567", "status", "1234567"),
    ("cek laporan sy no 1234567", "status", "1234567"),
    ("Status: 1234567", "status", "1234567"),
    ("STATSU 1234567", "status", "1234567"),
    ("  cek.1234567!!", "status", "1234567"),
    ("LAPOR#CEK 1234567", "status", "1234567"),
    ("BATAL 1234567", "cancel", "1234567"),
    ("batalkan laporan saya 1234567", "cancel", "1234567"),
    ("INFO", "help", None),
    ("bantuan?", "help", None),
    ("Help", "help", None),
    ("STOP", "stop", None),
    ("berhentiii", "stop", None),
    ("UNREG 1708", "stop", None),
    ("MULAI", "start", None),
    ("start", "start", None),
]


@pytest.mark.parametrize(("text", "intent", "ticket"), COMMANDS, ids=[c[0] for c in COMMANDS])
def test_command_is_recognised_with_its_ticket_number(parser: Parser, text: str, intent: str,
                                                     ticket: str | None) -> None:
    result = parser.parse(text)
    assert (result.intent, result.ticket_ref) == (intent, ticket)


NOT_COMMANDS = [
    "bantuan sosial saya belum cair sudah 3 bulan",
    "Stop pungli di kelurahan kami, petugas minta uang",
    "cek jalan di depan rumah rusak parah berlubang sejak bulan lalu",
    "info jalan rusak di depan sekolah sudah lama tidak diperbaiki",
]


@pytest.mark.parametrize("text", NOT_COMMANDS)
def test_command_word_opening_a_long_complaint_is_a_complaint(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent == "complaint"


def test_leading_lapor_is_stripped_from_the_description(parser: Parser) -> None:
    result = parser.parse("LAPOR# jalan rusak berlubang di depan pasar")
    assert result.description == "jalan rusak berlubang di depan pasar"


@pytest.mark.parametrize(("text", "anonymous", "confidential"), [
    ("LAPOR#RAHASIA jalan rusak berlubang di depan pasar", False, True),
    ("ANONIM: petugas kelurahan minta uang untuk surat pengantar", True, False),
    ("rahasia anonim pungli di kantor kecamatan oleh petugas", True, True),
    ("Saya mau lapor rahasia, ada pungli di kantor kelurahan", False, True),
    ("pungli di kelurahan, mohon identitas saya dirahasiakan", True, False),
    ("jalan rusak berlubang di depan pasar sudah sebulan", False, False),
    # as SMS write them
    ("sampah menumpuk di gg 3 sdh seminggu, jgn sebut nama sy", True, False),
    ("rahasiakan identitas sy ya, kades minta uang buat surat", True, False),
    ("nama sy dirahasiakan ya pak, ada pungli di kelurahan", True, False),
    ("nama saya jangan disebut, ada judi tiap malam di pos ronda", True, False),
    ("gak usah sebut nama sy, gaji di bawah UMK", True, False),
    ("tlg dirahasiakan ya pak, ada pungli di kelurahan", False, True),
    ("jalan di jl nama baru rusak parah", False, False),
    ("calo di dukcapil nawarin ktp jadi sehari. sy gak mau disebut namanya", True, False),
    ("tetangga nyetel sound tiap malam. tulung ojo disebut jenengku", True, False),
    ("sekdes mabuk di kantor desa. jgn sampe ketauan sy yg lapor", True, False),
    ("kades ikut kampanye pake mobil dinas desa. anonim aja ya", True, False),
    ("guru ngaji diduga cabuli murid, ortu takut lapor. rahasia ya", False, True),
    ("beasiswa pip dipotong 100rb sm wali kelas. rahasiakan ya pak", False, True),
    ("sy gak tau harus lapor kemana, jalan rusak parah", False, False),
    ("dana PIP anak sy dipotong sekolah. tolong jgn bilang sy yg lapor", True, False),
    ("pak RT njaluk duit 50 ewu. ojo nganti ngerti yen aku sing lapor", True, False),
    ("bansos ora adil, sing entuk dulure pak RT. ampun disebutke jeneng kulo", True, False),
    ("sekdes minta 100rb buat surat keterangan tidak mampu. rahasiakan sy ya", True, False),
    ("tetangga karaoke smp jam 2 malam. sy gk mau disebut namanya", True, False),
    ("sy yang lapor kemarin soal jalan rusak, belum ada kabar", False, False),
    ("pungli sudah jadi rahasia umum di kelurahan kami", False, False),
    ("les privat di rumah warga bikin parkir sembarangan", False, False),
    # session 12 (wishes as fresh set G wrote them, in other words)
    ("kepsek minta uang perpisahan 200rb per murid. tolong jgn disebut", True, False),
    ("nomor sy jgn dikasih ke kelurahan ya, takut dicari", True, False),
    ("lurah pakai mobil dinas buat mudik, identitas sy mohon dijaga", True, False),
    ("ada tambang pasir liar di kali. sy takut kalau ketauan", True, False),
    ("PJU mati sebulan, sy warga tp takut sebut nama", True, False),
    ("nama sy jgn dibuka ke RT, soalnya beliau yg minta uang", True, False),
    ("nomor antrian di puskesmas tdk jelas, sebut saja kacau", False, False),
    ("takut lewat jalan itu malam hari, gelap tdk ada lampu", False, False),
])
def test_privacy_wishes_are_read_near_the_start(parser: Parser, text: str, anonymous: bool,
                                                confidential: bool) -> None:
    result = parser.parse(text)
    assert (result.anonymous, result.confidential) == (anonymous, confidential)


def test_privacy_words_survive_a_command(parser: Parser) -> None:
    assert parser.parse("RAHASIA CEK 1234567").confidential is True


def test_deployment_keyword_sets_keyword_and_region(parser: Parser) -> None:
    result = parser.parse("TANGKAB lampu jalan mati sudah seminggu")
    assert (result.keyword, result.region.code if result.region else None) == ("TANGKAB", "36.03")


def test_deployment_keyword_narrows_location_search(parser: Parser) -> None:
    # Curug is a kecamatan in several kabupaten; the keyword picks Kabupaten Tangerang's.
    result = parser.parse("tangkab#jalan rusak berlubang di kec. curug")
    assert result.region is not None and result.region.code.startswith("36.03.")


def test_agency_keyword_implies_its_category(parser: Parser) -> None:
    assert parser.parse("PLN sejak pagi mati total di rumah kami").category == "listrik"


@pytest.mark.parametrize(("text", "rating"), [
    ("5", 5), (" 1 ", 1), ("nilai 4", 4), ("3.", 3), ("bintang 4", 4), ("4 bintang", 4),
    ("sy kasih 5", 5), ("5 pak, makasih", 5), ("3/5", 3), ("2 dari 5", 2)])
def test_bare_digit_is_a_rating(parser: Parser, text: str, rating: int) -> None:
    result = parser.parse(text)
    assert (result.intent, result.rating) == ("unknown", rating)


@pytest.mark.parametrize("text", [
    "1234567", "#1234567", "gmn laporan sy 1234567?", "tiket 1234567 sdh smp mana",
    "no tiket sy 1234567 blm ada kabar"])
def test_a_ticket_number_with_only_status_words_asks_for_its_status(parser: Parser,
                                                                  text: str) -> None:
    result = parser.parse(text)
    assert (result.intent, result.ticket_ref) == ("status", "1234567")


@pytest.mark.parametrize("text", ["terima kasih 1234567", "0812 3456789",
                                  "1234567 lubangnya makin besar dan dalam sekali"])
def test_a_ticket_number_with_other_words_is_no_status_question(parser: Parser,
                                                               text: str) -> None:
    assert parser.parse(text).intent != "status"


@pytest.mark.parametrize("text", ["tolong batalkan laporan sy 1234567",
                                  "mohon dibatalkan laporan 1234567",
                                  "laporan 1234567 dibatalkan saja"])
def test_a_cancel_word_anywhere_with_a_ticket_number_cancels(parser: Parser, text: str) -> None:
    result = parser.parse(text)
    assert (result.intent, result.ticket_ref) == ("cancel", "1234567")


@pytest.mark.parametrize("text", ["acara batal krn hujan 1234567",
                                  "jalan 1234567 batal diperbaiki padahal rusak parah"])
def test_a_cancel_word_among_other_words_cancels_nothing(parser: Parser, text: str) -> None:
    assert parser.parse(text).intent != "cancel"


@pytest.mark.parametrize("text", ["gimana kabar laporan sy?", "laporan sy kok blm ditanggapi",
                                  # the nouns as SMS write them: -nya, repeated letters
                                  "gimana kabar laporannya?", "laporaaan sy gmn"])
def test_a_question_about_ones_reports_lists_them(parser: Parser, text: str) -> None:
    result = parser.parse(text)
    assert (result.intent, result.ticket_ref) == ("status", None)


def test_a_complaint_that_says_laporan_is_no_status_question(parser: Parser) -> None:
    assert parser.parse("laporan jalan rusak").intent == "complaint"


def test_batalin_is_cancel(parser: Parser) -> None:
    result = parser.parse("batalin laporan 1234567")
    assert (result.intent, result.ticket_ref) == ("cancel", "1234567")


@pytest.mark.parametrize("text", ["6", "0", "12"])
def test_digits_outside_one_to_five_are_no_rating(parser: Parser, text: str) -> None:
    assert parser.parse(text).rating is None


CHECK_WITHOUT_NUMBER = [
    "cek",
    "cek tiket saya",
    "cek status laporan saya",
    "CEK status laporan saya yang kemarin sudah sampai mana",
    "Cek laporan2 saya dong min",
    "status pengaduan saya bagaimana ya pak",
]


@pytest.mark.parametrize("text", CHECK_WITHOUT_NUMBER)
def test_check_without_a_number_asks_for_the_senders_tickets(parser: Parser, text: str) -> None:
    result = parser.parse(text)
    assert (result.intent, result.ticket_ref) == ("status", None)


def test_check_followed_by_a_complaint_is_not_a_command(parser: Parser) -> None:
    assert parser.parse("cek laporan saya jalan rusak di depan pasar belum diperbaiki"
                        ).intent == "complaint"


def test_filler_words_only_for_intents_that_take_a_ticket(tmp_path) -> None:
    from parsers.commands import Grammar
    from parsers.rulefile import RuleFileError

    path = tmp_path / "commands.toml"
    path.write_text('[intents.help]\nwords = ["info"]\nticket = "none"\nfiller = ["saya"]\n',
                    encoding="utf-8")
    with pytest.raises(RuleFileError, match=r"intents\.help\.filler"):
        Grammar.load(path)
