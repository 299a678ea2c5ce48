"""Ticket statuses after SP4N-LAPOR! and the transitions allowed between them (pure)."""

from __future__ import annotations

from types import MappingProxyType

BELUM_TERVERIFIKASI = "belum_terverifikasi"  # received, not yet checked by the admin
TERVERIFIKASI = "terverifikasi"              # checked: a real complaint, routable
TERDISPOSISI = "terdisposisi"                # forwarded (disposisi) to an agency
DIPROSES = "diproses"                        # the agency is working on it
SELESAI = "selesai"                          # the agency answered; citizen may reply or rate
TERTUNDA = "tertunda"                        # on hold, waiting for the citizen (e.g. location)
ARSIP = "arsip"                              # closed: auto-closed, rated, or not actionable
BUKAN_WEWENANG = "bukan_wewenang"            # the agency says it is not theirs: re-route
DIBATALKAN = "dibatalkan"                    # the citizen withdrew it (BATAL <number>)

STATUSES = (BELUM_TERVERIFIKASI, TERVERIFIKASI, TERDISPOSISI, DIPROSES, SELESAI, TERTUNDA,
            ARSIP, BUKAN_WEWENANG, DIBATALKAN)
TERMINAL = frozenset({ARSIP, DIBATALKAN})

# Every allowed move; anything not listed is refused. Re-disposisi to another agency is
# terdisposisi -> terdisposisi. Only open tickets can be withdrawn; selesai can be reopened
# (diproses) when the citizen is not satisfied, or archived.
ALLOWED_TRANSITIONS: MappingProxyType[str, frozenset[str]] = MappingProxyType({
    BELUM_TERVERIFIKASI: frozenset({TERVERIFIKASI, TERTUNDA, ARSIP, DIBATALKAN}),
    TERVERIFIKASI: frozenset({TERDISPOSISI, TERTUNDA, ARSIP, DIBATALKAN}),
    TERDISPOSISI: frozenset({TERDISPOSISI, DIPROSES, SELESAI, TERTUNDA, BUKAN_WEWENANG,
                             DIBATALKAN}),
    DIPROSES: frozenset({TERDISPOSISI, SELESAI, TERTUNDA, BUKAN_WEWENANG, DIBATALKAN}),
    SELESAI: frozenset({DIPROSES, ARSIP}),
    TERTUNDA: frozenset({BELUM_TERVERIFIKASI, TERVERIFIKASI, TERDISPOSISI, DIPROSES, ARSIP,
                         DIBATALKAN}),
    BUKAN_WEWENANG: frozenset({TERVERIFIKASI, TERDISPOSISI, ARSIP, DIBATALKAN}),
    ARSIP: frozenset(),
    DIBATALKAN: frozenset(),
})

# Short labels for SMS (Indonesian) and the console (English).
LABELS_ID = MappingProxyType({
    BELUM_TERVERIFIKASI: "Menunggu verifikasi",
    TERVERIFIKASI: "Terverifikasi",
    TERDISPOSISI: "Diteruskan ke instansi",
    DIPROSES: "Sedang diproses",
    SELESAI: "Selesai ditanggapi",
    TERTUNDA: "Tertunda",
    ARSIP: "Ditutup",
    BUKAN_WEWENANG: "Dialihkan ke instansi lain",
    DIBATALKAN: "Dibatalkan pelapor",
})
LABELS_EN = MappingProxyType({
    BELUM_TERVERIFIKASI: "Awaiting verification",
    TERVERIFIKASI: "Verified",
    TERDISPOSISI: "Forwarded to agency",
    DIPROSES: "In progress",
    SELESAI: "Answered",
    TERTUNDA: "On hold",
    ARSIP: "Closed",
    BUKAN_WEWENANG: "Being re-routed",
    DIBATALKAN: "Withdrawn by citizen",
})


class TransitionError(ValueError):
    """A status change that the lifecycle does not allow."""


def _known(status: str) -> str:
    if status not in ALLOWED_TRANSITIONS:
        raise TransitionError(f"unknown ticket status {status!r} (known: {', '.join(STATUSES)})")
    return status


def can_transition(current: str, new: str) -> bool:
    """Return True if a ticket may move from current to new (False for unknown statuses)."""
    return new in ALLOWED_TRANSITIONS.get(current, frozenset())


def check_transition(current: str, new: str) -> None:
    """Raise TransitionError unless a ticket may move from current to new."""
    _known(current)
    _known(new)
    if not can_transition(current, new):
        allowed = ", ".join(s for s in STATUSES if s in ALLOWED_TRANSITIONS[current]) or "none"
        raise TransitionError(f"a ticket cannot move from {current!r} to {new!r} "
                              f"(allowed from {current!r}: {allowed})")


def status_label(status: str, lang: str = "id") -> str:
    """Return the short label of a status, in Indonesian ("id") or English ("en")."""
    labels = {"id": LABELS_ID, "en": LABELS_EN}.get(lang)
    if labels is None:
        raise ValueError(f"unknown language {lang!r} (expected 'id' or 'en')")
    return labels[_known(status)]
