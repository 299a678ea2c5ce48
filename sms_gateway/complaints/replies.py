"""Every SMS the gateway writes to a citizen: short, plain GSM-7, Indonesian or English."""

from __future__ import annotations

from string import Formatter

from sms_gateway.telco.gsm import GSM7_BASIC, encoding_of

TEMPLATES: dict[str, dict[str, str]] = {
    "ticket_created": {
        "id": "Laporan diterima. Nomor tiket #{number}. Diteruskan ke {agency}. "
              "Cek status: kirim CEK {number} ke 1708.",
        "en": "Report received. Ticket #{number}, sent to {agency}. "
              "For status send CEK {number} to 1708.",
    },
    "ticket_unverified": {
        "id": "Laporan diterima. Nomor tiket #{number}. Petugas akan memverifikasi kategori "
              "dan lokasinya. Cek status: kirim CEK {number} ke 1708.",
        "en": "Report received. Ticket #{number}. An officer will verify its category and "
              "place. For status send CEK {number} to 1708.",
    },
    # The same first replies for a report whose sender asked not to be named (ANONIM, "jgn
    # sebut nama sy"): the citizen hears that the wish was understood.
    "ticket_created_anonymous": {
        "id": "Laporan diterima, identitas Anda dirahasiakan. Tiket #{number} diteruskan ke "
              "{agency}. Cek: CEK {number} ke 1708.",
        "en": "Report received; your identity is withheld. Ticket #{number}, sent to {agency}. "
              "Status: CEK {number} to 1708.",
    },
    "ticket_unverified_anonymous": {
        "id": "Laporan diterima, identitas Anda dirahasiakan. Tiket #{number}. Petugas akan "
              "memverifikasi kategori dan lokasinya. Cek: CEK {number} ke 1708.",
        "en": "Report received; your identity is withheld. Ticket #{number}. An officer will "
              "verify category and place. Status: CEK {number} to 1708.",
    },
    # A message the screening doubts (it reads as personal chat or a notice): a number all the
    # same, in case it is a report, and a word for whoever sent it to 1708 by mistake.
    "ticket_unverified_doubt": {
        "id": "Pesan diterima, nomor #{number}. Bila ini laporan untuk pemerintah, petugas akan "
              "memverifikasinya. Bila salah kirim, abaikan SMS ini.",
        "en": "Message received, number #{number}. If it is a report to the government, an "
              "officer will verify it. If sent by mistake, please ignore this SMS.",
    },
    "ticket_verified": {
        "id": "Tiket #{number} sudah diverifikasi dan diteruskan ke {agency}. "
              "Cek status: kirim CEK {number} ke 1708.",
        "en": "Ticket #{number} was verified and sent to {agency}. "
              "For status send CEK {number} to 1708.",
    },
    "case_joined": {
        # short enough for a long agency name in one SMS ("Dinas Pekerjaan Umum dan Penataan
        # Ruang Kota Surabaya")
        "id": "Laporan diterima, tiket #{number}. Warga lain melaporkan masalah sama; "
              "ditangani {agency}. CEK {number} ke 1708.",
        "en": "Report received, ticket #{number}. Others reported the same problem; "
              "{agency} is on it. CEK {number} to 1708.",
    },
    "ask_location": {
        "id": "Laporan diterima, tiket #{number}. Mohon sebutkan lokasi: desa/kelurahan, "
              "kecamatan, kab/kota. Balas SMS ini.",
        "en": "Report received, ticket #{number}. Please tell us where: village, "
              "district, city. Reply to this SMS.",
    },
    "ask_location_choice": {
        "id": "Laporan diterima, tiket #{number}. Lokasinya: {options}? Balas angkanya, "
              "atau tulis desa/kel, kec, kab/kota.",
        "en": "Report received, ticket #{number}. Where is it: {options}? Reply with the "
              "number, or write village, district, city.",
    },
    "review_ack": {
        "id": "Pesan Anda diterima dan akan ditinjau petugas. Info: kirim INFO ke 1708.",
        "en": "Your message was received and will be reviewed by an officer. Send INFO to 1708.",
    },
    "status": {
        "id": "Tiket #{number}: {status}. {agency}{response}",
        "en": "Ticket #{number}: {status}. {agency}{response}",
    },
    "status_list": {
        "id": "Tiket Anda: {tickets}. Detail: kirim CEK nomor ke 1708.",
        "en": "Your tickets: {tickets}. Details: send CEK number to 1708.",
    },
    "status_none": {
        "id": "Belum ada laporan dari nomor ini. Kirim keluhan + lokasi ke 1708.",
        "en": "There is no report from this phone yet. Send your complaint + place to 1708.",
    },
    "location_unclear": {
        "id": "Lokasi untuk tiket #{number} belum dapat kami kenali. Petugas akan "
              "melengkapinya; Anda boleh mengirim nama desa/kelurahan lagi.",
        "en": "We could not find the place for ticket #{number}. An officer will complete "
              "it; you may send the village name again.",
    },
    "status_not_found": {
        "id": "Tiket #{number} tidak ditemukan untuk nomor ini. Periksa kembali nomor tiket.",
        "en": "Ticket #{number} was not found for this phone. Please check the number.",
    },
    "help": {
        "id": "LAPOR 1708: tulis keluhan + lokasi (desa, kec, kab/kota). CEK nomor: status. "
              "BATAL nomor: batalkan. RAHASIA/ANONIM di awal. STOP: berhenti.",
        "en": "LAPOR 1708: write your complaint + place. CEK number: status. BATAL number: "
              "withdraw. RAHASIA/ANONIM first. STOP: no updates.",
    },
    "stopped": {
        "id": "Anda tidak akan menerima info status lagi. Kirim MULAI untuk mengaktifkan kembali.",
        "en": "You will get no more status updates. Send START to turn them back on.",
    },
    "started": {
        "id": "Info status laporan aktif kembali. Kirim STOP untuk berhenti.",
        "en": "Status updates are on again. Send STOP to turn them off.",
    },
    "cancelled": {
        "id": "Tiket #{number} telah dibatalkan sesuai permintaan Anda.",
        "en": "Ticket #{number} has been withdrawn as you asked.",
    },
    "cancel_refused": {
        "id": "Tiket #{number} tidak dapat dibatalkan (status: {status}).",
        "en": "Ticket #{number} cannot be withdrawn (status: {status}).",
    },
    "info_added": {
        "id": "Tambahan info untuk tiket #{number} diterima. Terima kasih.",
        "en": "Additional information for ticket #{number} received. Thank you.",
    },
    # Abuse screening (abuse.py): one segment each.
    "throttled": {
        "id": "Terlalu banyak SMS dari nomor Anda dalam waktu singkat. Pesan Anda tetap "
              "disimpan dan akan ditinjau petugas. Mohon tunggu {minutes} menit sebelum "
              "mengirim lagi.",
        "en": "Too many SMS from your number in a short time. Your messages are kept for an "
              "officer to review. Please wait {minutes} min before sending more.",
    },
    "duplicate": {
        "id": "Laporan yang sama sudah tercatat sebagai tiket #{number}. Cek status: kirim "
              "CEK {number} ke 1708.",
        "en": "The same report is already recorded as ticket #{number}. For status send "
              "CEK {number} to 1708.",
    },
    # Agency-side status changes (notify.py) and the rating flow (issue 4).
    "update_diproses": {
        "id": "Tiket #{number} sedang diproses {agency}.{response}",
        "en": "Ticket #{number} is being handled by {agency}.{response}",
    },
    "update_selesai": {
        "id": "Tiket #{number} selesai: {response} Nilai jawaban: balas 1-5 (5=puas).",
        "en": "Ticket #{number} answered: {response} Rate it: reply 1-5 (5=best).",
    },
    "update_tertunda": {
        "id": "Tiket #{number} tertunda: {response} Balas SMS ini untuk menambah info.",
        "en": "Ticket #{number} on hold: {response} Reply to this SMS to add information.",
    },
    "update_dialihkan": {
        "id": "Tiket #{number} dialihkan ke {agency}. Cek status: kirim CEK {number} ke 1708.",
        "en": "Ticket #{number} moved to {agency}. For status send CEK {number} to 1708.",
    },
    "update_diteruskan": {
        "id": "Tiket #{number} diteruskan ke {agency}. Cek status: kirim CEK {number} ke 1708.",
        "en": "Ticket #{number} sent to {agency}. For status send CEK {number} to 1708.",
    },
    "update_arsip": {
        "id": "Tiket #{number} ditutup.{response}",
        "en": "Ticket #{number} closed.{response}",
    },
    "rating_thanks": {
        "id": "Terima kasih. Nilai {rating} untuk tiket #{number} telah dicatat.",
        "en": "Thank you. Your rating {rating} for ticket #{number} has been recorded.",
    },
}

# Longest plausible values, used to prove every template fits one segment.
# Short Indonesian/English status labels for SMS.
STATUS_LABELS: dict[str, dict[str, str]] = {
    "belum_terverifikasi": {"id": "belum terverifikasi", "en": "not yet verified"},
    "terverifikasi": {"id": "terverifikasi", "en": "verified"},
    "terdisposisi": {"id": "diteruskan ke instansi", "en": "forwarded to the agency"},
    "diproses": {"id": "sedang diproses", "en": "in progress"},
    "selesai": {"id": "selesai", "en": "resolved"},
    "tertunda": {"id": "tertunda", "en": "on hold"},
    "arsip": {"id": "diarsipkan", "en": "archived"},
    "bukan_wewenang": {"id": "dialihkan ke instansi lain", "en": "being re-routed"},
    "dibatalkan": {"id": "dibatalkan", "en": "withdrawn"},
}


def status_label(status: str, language: str = "id") -> str:
    """A short human label for a status, for SMS."""
    labels = STATUS_LABELS.get(status, {})
    return labels.get(language) or labels.get("id") or status.replace("_", " ")


WORST_CASE = {
    "number": "9999999",
    "minutes": "1440",
    "agency": "Dinas Kependudukan dan Pencatatan Sipil Kab. Tapanuli",
    "status": "belum terverifikasi",
    "response": "",
    "rating": "5",
    "tickets": "",
    "options": "1 Kenjeran, Bulak 2 Kenjeran, Kec. X",
}


def render(name: str, language: str = "id", **values: str) -> str:
    """Fill one template; falls back to Indonesian for an unknown language."""
    texts = TEMPLATES[name]
    return texts.get(language, texts["id"]).format(**values)


def fields_of(name: str, language: str = "id") -> set[str]:
    """The placeholders a template uses."""
    return {f for _, f, _, _ in Formatter().parse(TEMPLATES[name][language]) if f}


def check_template(text: str) -> None:
    """Refuse a reply that is not GSM-7 (UCS-2 costs more than double)."""
    enc = encoding_of(text)
    if enc.name != "gsm7":
        raise ValueError(f"reply template is not GSM-7: {text!r}")


def short(text: str, limit: int) -> str:
    """Cut a value to fit in a template, marking the cut."""
    return text if len(text) <= limit else text[: limit - 2].rstrip() + ".."


def to_gsm7(value: str) -> str:
    """Transliterate a value (agency or region name, agency response) into GSM-7."""
    if GSM7_BASIC.issuperset(value):  # nearly every name: nothing to do
        return value
    import unicodedata

    out = []
    for ch in value:
        if ch in GSM7_BASIC:
            out.append(ch)
            continue
        plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        out.append(plain if plain and all(c in GSM7_BASIC for c in plain) else
                   {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"',
                    "\u2013": "-", "\u2014": "-", "\t": " "}.get(ch, ""))
    return "".join(out)


SEGMENT = 160
# Someone's own words (an agency's answer, an operator's note or question) may take up to
# three concatenated SMS; the gateway's own texts stay within one.
MAX_SEGMENTS = 3
LONG_TEXT = frozenset({"update_diproses", "update_selesai", "update_tertunda", "update_arsip"})


def capacity(segments: int) -> int:
    """GSM-7 septets that fit in this many SMS (160 in one, 153 in each part of more)."""
    return SEGMENT if segments <= 1 else 153 * segments


def segments_for(name: str) -> int:
    """How many SMS a template may take: MAX_SEGMENTS if it carries someone's own words."""
    return MAX_SEGMENTS if name in LONG_TEXT else 1


def render_fitted(name: str, language: str = "id", **values: str) -> str:
    """Render a template with GSM-7 values, shortening the longest value to fit its SMS
    (one, or MAX_SEGMENTS for templates that carry someone's own words)."""
    clean = {k: to_gsm7(v) for k, v in values.items()}
    text = render(name, language, **clean)
    limit = segments_for(name)
    while encoding_of(text).segments > limit and clean:
        key = max(clean, key=lambda k: len(clean[k]))
        over = encoding_of(text).units - capacity(limit)
        if len(clean[key]) <= 3:
            break
        clean[key] = short(clean[key], max(len(clean[key]) - over, 3))
        text = render(name, language, **clean)
    return text


def overflow(name: str, language: str = "id", **values: str) -> int:
    """How many characters too long the rendered template is for its SMS (0 if it fits)."""
    text = render(name, language, **{k: to_gsm7(v) for k, v in values.items()})
    return max(encoding_of(text).units - capacity(segments_for(name)), 0)
