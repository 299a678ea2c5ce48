"""The settings page's texts in Indonesian (admin, read-only configuration)."""

from __future__ import annotations

SETTINGS: dict[str, str] = {
    "Read-only: the configuration comes from the TOML file and environment variables, and "
    "is read when the process starts. Change it there and restart. Secrets are never shown, "
    "only whether they are set.":
        "Hanya baca: konfigurasi berasal dari berkas TOML dan variabel lingkungan, dibaca saat "
        "proses dimulai. Ubah di sana lalu mulai ulang. Rahasia tidak pernah ditampilkan, "
        "hanya apakah sudah diisi.",
    "This process": "Proses ini",
    "Mode": "Mode",
    "Database": "Basis data",
    "Job queue": "Antrean tugas",
    "Outbound channel": "Kanal keluar",
    "Health": "Kesehatan",
    "Jobs waiting": "Tugas menunggu",
    "Failed jobs": "Tugas gagal",
    "Key": "Kunci",
    "Value": "Nilai",
    "Environment variable": "Variabel lingkungan",
    "set, hidden": "diisi, disembunyikan",
    "not set": "tidak diisi",
    "empty": "kosong",
}
