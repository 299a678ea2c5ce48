"""The admin pages' texts in Indonesian: users, account errors and parser models."""

from __future__ import annotations

ADMIN: dict[str, str] = {
    "Role": "Peran",
    "Agency code": "Kode instansi",
    "May reveal phone numbers": "Boleh menampilkan nomor telepon",
    "Active": "Aktif",
    "Add user": "Tambah pengguna",
    "Deactivate": "Nonaktifkan",
    "User created": "Pengguna dibuat",
    "User deactivated": "Pengguna dinonaktifkan",
    "Parser models": "Model pengurai",
    "Model version activated": "Versi model diaktifkan",
    "Version": "Versi",
    "Source": "Sumber",
    "By": "Oleh",
    "Rows": "Baris",
    "Accuracy": "Akurasi",
    "Threshold": "Ambang",
    "Routed without a human": "Diteruskan tanpa petugas",
    "Right when routed": "Tepat saat diteruskan",
    "Held-back test": "Uji pada label yang disisihkan",
    "Activate": "Aktifkan",
    "No model versions: the rules alone decide.":
        "Belum ada versi model: hanya aturan yang memutuskan.",
    "Target precision": "Target ketepatan",
    "candidate": "kandidat",
    "Not worse on accuracy, coverage at the target precision and complaints stopped by a gate":
        "Tidak lebih buruk dalam akurasi, cakupan pada target ketepatan, dan aduan yang "
        "dihentikan pemeriksa",
    "Worse on {what}": "Lebih buruk dalam {what}",
    "(the active model scores {held} on these labels against {own} out of fold: it was probably "
    "trained on them, so the comparison favours it)":
        "(model aktif mendapat {held} pada label ini, padahal {own} pada uji silangnya sendiri: "
        "kemungkinan ia dilatih dengan label ini, jadi perbandingannya memihak model aktif)",
    "accuracy": "akurasi",
    "coverage at the target precision": "cakupan pada target ketepatan",
    "complaints its gate stops": "aduan yang dihentikan pemeriksanya",
    "Only {labels} labels: fewer than {needed} recent ones to hold back, so the candidate cannot "
    "be compared; not promoted":
        "Baru {labels} label: kurang dari {needed} label terbaru untuk disisihkan, jadi kandidat "
        "tidak dapat dibandingkan; tidak dipromosikan",
    "active": "aktif",
    "Active model": "Model aktif",
    "Not an e-mail address: {email}": "Bukan alamat surel: {email}",
    "Unknown role {role} (known: {known}).": "Peran {role} tidak dikenal (yang ada: {known}).",
    "An agency user needs an agency code (e.g. dinas_pupr:35.78).":
        "Pengguna instansi memerlukan kode instansi (mis. dinas_pupr:35.78).",
    "Only agency users belong to an agency.": "Hanya pengguna instansi yang terikat pada instansi.",
    "Unknown agency code {code}: it is not in the routing directory.":
        "Kode instansi {code} tidak dikenal: tidak ada di direktori routing.",
    "The password must have at least {n} characters.": "Kata sandi minimal {n} karakter.",
    "User {email} already exists.": "Pengguna {email} sudah ada.",
}
