"""The console's frame in Indonesian: sign-in, navigation, units of time, error pages."""

from __future__ import annotations

LAYOUT: dict[str, str] = {
    "1708 Console": "Konsol 1708",
    "Sign in": "Masuk",
    "Sign out": "Keluar",
    "E-mail": "Surel",
    "Password": "Kata sandi",
    "Wrong e-mail address or password.": "Surel atau kata sandi salah.",
    "Too many failed attempts. Try again later.":
        "Terlalu banyak percobaan gagal. Coba lagi nanti.",
    "Your session has ended. Please sign in again.": "Sesi Anda berakhir. Silakan masuk lagi.",
    "Review queue": "Antrean tinjauan",
    "Held sends": "Kiriman tertahan",
    "Tickets": "Tiket",
    "Dashboard": "Dasbor",
    "Users": "Pengguna",
    "Audit log": "Log audit",
    "Language": "Bahasa",
    "Keyboard": "Papan ketik",
    "Search": "Cari",
    "minutes": "menit",
    "hours": "jam",
    "days": "hari",
    "working days": "hari kerja",
    "in": "masuk",
    "out": "keluar",
    "Shortcuts": "Pintasan",
    "Not found": "Tidak ditemukan",
    "Bad request": "Permintaan tidak valid",
    "Not allowed": "Tidak diizinkan",
    "Something went wrong": "Terjadi kesalahan",
    "Back to the console": "Kembali ke konsol",
    "The request could not be understood. Check what you typed and try again.":
        "Permintaan tidak dapat dipahami. Periksa isian Anda lalu coba lagi.",
    "Your role does not allow this page or action.":
        "Peran Anda tidak mengizinkan halaman atau tindakan ini.",
    "There is no such page, or it is not yours to see.":
        "Halaman ini tidak ada, atau bukan untuk Anda.",
    "The error was recorded. Try again in a moment.":
        "Kesalahan telah dicatat. Coba lagi sebentar lagi.",
    "Error": "Kesalahan",
}
