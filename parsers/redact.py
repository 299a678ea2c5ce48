"""Redaction: a citizen's text with phone numbers, NIK, e-mail addresses and names blanked.

Used before a complaint's words are published (Open311). It errs on the side of hiding: a
long number that is not a date is treated as a phone number, and a word introduced as a name
("nama saya ...", "a.n. ...", "Pak ...") is hidden even when it is not one.
"""

from __future__ import annotations

import re

EMAIL, NIK, PHONE, NAME = "[email]", "[NIK]", "[telepon]", "[nama]"

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# A run of digits with the separators people type inside numbers (+62 812-3456 7890).
_NUMBER = re.compile(r"\+?\(?\d[\d\s().-]*\d")
_DATE = re.compile(r"\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}")
NIK_DIGITS, MIN_PHONE_DIGITS = 16, 8

# Words that end a name: what usually follows one in a complaint.
_STOP = frozenset("""
dari di ke dan yang warga tinggal alamat beralamat rt rw mau ingin akan minta mohon
melapor melaporkan lapor mengadu ingin sudah belum tidak bukan ini itu adalah selaku sebagai
no nomor nik hp telp telepon wa dengan untuk karena pada jl jalan kel kelurahan kec kecamatan
desa kota kab kabupaten sejak sebagai umur usia
""".split())
_WORD = r"[A-Za-z][A-Za-z'’-]*"
# "nama saya X", "nama X", "a.n. X", "atas nama X": up to three words, whatever their case.
_INTRODUCED = re.compile(
    rf"\b(?P<lead>nama\s+saya|nama(?:\s*:)?|a\.\s?n\.?|an\.|atas\s+nama)\s+"
    rf"(?P<name>{_WORD}(?:\s+{_WORD}){{0,2}})", re.IGNORECASE)
# "saya X" and honorifics ("Bpk X", "Ibu X"): capitalised words only, since "saya mau ..." and
# "ibu hamil" are ordinary speech.
_CAPITALISED = r"[A-Z][A-Za-z'’-]*"
_TITLED = re.compile(
    rf"\b(?P<lead>(?i:saya|bapak|bpk|pak|ibu|bu|sdr|sdri|saudara|saudari)\.?)\s+"
    rf"(?P<name>{_CAPITALISED}(?:\s+{_CAPITALISED}){{0,2}})")


def _number(match: re.Match[str]) -> str:
    run = match.group(0)
    if _DATE.fullmatch(run):
        return run
    digits = sum(ch.isdigit() for ch in run)
    if digits == NIK_DIGITS:
        return NIK
    return PHONE if digits >= MIN_PHONE_DIGITS else run


def _name(match: re.Match[str]) -> str:
    name = match.group("name")
    end = len(name)
    for word in re.finditer(r"\S+", name):
        if word.group(0).lower().strip(".,'’-") in _STOP:
            end = word.start()
            break
    if not name[:end].strip():
        return match.group(0)
    return f"{match.group('lead')} {NAME}{name[end:] and ' ' + name[end:]}"


def redact(text: str) -> str:
    """The text with e-mail addresses, NIK, phone numbers and introduced names replaced."""
    text = _EMAIL.sub(EMAIL, text)
    text = _NUMBER.sub(_number, text)
    text = _INTRODUCED.sub(_name, text)
    return _TITLED.sub(_name, text)
