"""The dashboard's texts in Indonesian: charts and their titles."""

from __future__ import annotations

DASHBOARD: dict[str, str] = {
    "Messages per day": "Pesan per hari",
    "Tickets per day": "Tiket per hari",
    "Tickets by category": "Tiket per kategori",
    "Tickets by province": "Tiket per provinsi",
    "Tickets by kabupaten/kota": "Tiket per kabupaten/kota",
    "Agency deadline compliance": "Kepatuhan tenggat instansi",
    "On time": "Tepat waktu",
    "Late": "Terlambat",
    "Running": "Berjalan",
    "Last 30 days": "30 hari terakhir",
    "Messages, last 30 days": "Pesan, 30 hari terakhir",
    "Tickets, last 30 days": "Tiket, 30 hari terakhir",
    "Last 90 days": "90 hari terakhir",
    "No data yet.": "Belum ada data.",
}
