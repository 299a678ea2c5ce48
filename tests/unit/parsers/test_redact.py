"""Redaction of what a citizen wrote before it is published: one table, one rule per row."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from parsers.redact import redact


@dataclass(frozen=True)
class Case:
    label: str
    text: str
    expected: str


CASES = [
    Case("mobile_local", "hubungi 081234567890 ya", "hubungi [telepon] ya"),
    Case("mobile_e164", "wa saya +6281234567890", "wa saya [telepon]"),
    Case("mobile_with_separators", "telp 0812-3456 7890.", "telp [telepon]."),
    Case("landline_with_area_code", "kantor (031) 5678 123", "kantor [telepon]"),
    Case("nik", "NIK 3578012345678901 hilang", "NIK [NIK] hilang"),
    Case("nik_spaced", "nik 3578 0123 4567 8901", "nik [NIK]"),
    Case("email", "surel budi.s+lapor@mail.co.id tolong", "surel [email] tolong"),
    Case("nama_saya", "nama saya budi santoso dari gayungan",
         "nama saya [nama] dari gayungan"),
    Case("nama_colon", "Nama: Siti Aminah, warga RT 3", "Nama: [nama], warga RT 3"),
    Case("atas_nama", "laporan atas nama Joko Widodo", "laporan atas nama [nama]"),
    Case("a_n", "a.n. Rina Kusuma alamat jl mawar", "a.n. [nama] alamat jl mawar"),
    Case("an_dot", "an. Rina lapor", "an. [nama] lapor"),
    Case("bare_an_stays", "an issue here", "an issue here"),
    Case("saya_capitalised", "Saya Ahmad Fauzi warga Ketintang",
         "Saya [nama] warga Ketintang"),
    Case("bapak", "rumah Bpk Slamet rusak", "rumah Bpk [nama] rusak"),
    Case("pak_with_dot", "kata Pak. Harto di kelurahan", "kata Pak. [nama] di kelurahan"),
    Case("ibu", "Ibu Sri Wahyuni sakit", "Ibu [nama] sakit"),
    Case("bu", "bu Ani minta tolong", "bu [nama] minta tolong"),
    Case("everything_at_once",
         "nama saya Dewi NIK 3578012345678901 hp 081234567890 dewi@contoh.id",
         "nama saya [nama] NIK [NIK] hp [telepon] [email]"),
    # What must stay: ordinary speech, dates, short numbers, ticket numbers.
    Case("saya_lowercase_verb_stays", "saya mau lapor jalan rusak",
         "saya mau lapor jalan rusak"),
    Case("ibu_hamil_stays", "ibu hamil tidak dilayani", "ibu hamil tidak dilayani"),
    Case("date_stays", "sejak 12-05-2024 mati", "sejak 12-05-2024 mati"),
    Case("rt_rw_stays", "RT 03 RW 05", "RT 03 RW 05"),
    Case("ticket_number_stays", "CEK 1234567", "CEK 1234567"),
    Case("empty", "", ""),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.label)
def test_redact(case: Case) -> None:
    assert redact(case.text) == case.expected
