"""The log pages' texts in Indonesian: audit log, channel logs and held sends."""

from __future__ import annotations

LOGS: dict[str, str] = {
    "Nobody knows whether these SMS reached the phone (the provider's answer was lost or a "
    "worker stopped mid-send), and they were not sent again on their own. Check the channel "
    "log, then send again if needed.":
        "Tidak diketahui apakah SMS ini sampai ke ponsel (jawaban penyedia hilang atau worker "
        "berhenti di tengah pengiriman), dan SMS ini tidak dikirim ulang otomatis. Periksa log "
        "kanal, lalu kirim ulang bila perlu.",
    "No held send.": "Tidak ada kiriman tertahan.",
    "Send again": "Kirim ulang",
    "Queued to send again: {n}": "Diantrekan untuk dikirim ulang: {n}",
    "When": "Waktu",
    "Who": "Siapa",
    "Action": "Tindakan",
    "Target": "Sasaran",
    "Detail": "Rincian",
    "Channel logs": "Log kanal",
    "Channel": "Kanal",
    "Method": "Metode",
    "Request and response": "Permintaan dan jawaban",
    "Request headers": "Header permintaan",
    "Request body": "Isi permintaan",
    "Response body": "Isi jawaban",
    "No channel log.": "Tidak ada log kanal.",
    "Secrets and phone numbers were masked when the exchange was stored.":
        "Rahasia dan nomor telepon disamarkan saat pertukaran disimpan.",
}
