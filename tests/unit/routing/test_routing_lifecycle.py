"""The ticket lifecycle: an explicit table of allowed status changes and their labels."""

from __future__ import annotations

import pytest

from routing import lifecycle as lc


def test_every_status_has_a_row_in_the_table():
    assert set(lc.ALLOWED_TRANSITIONS) == set(lc.STATUSES)


def test_every_transition_target_is_a_known_status():
    assert set().union(*lc.ALLOWED_TRANSITIONS.values()) <= set(lc.STATUSES)


@pytest.mark.parametrize(("current", "new"), [
    (lc.BELUM_TERVERIFIKASI, lc.TERVERIFIKASI),
    (lc.TERVERIFIKASI, lc.TERDISPOSISI),
    (lc.TERDISPOSISI, lc.DIPROSES),
    (lc.DIPROSES, lc.SELESAI),
    (lc.SELESAI, lc.ARSIP),
    (lc.TERDISPOSISI, lc.TERDISPOSISI),
    (lc.TERDISPOSISI, lc.BUKAN_WEWENANG),
    (lc.BUKAN_WEWENANG, lc.TERDISPOSISI),
    (lc.BELUM_TERVERIFIKASI, lc.TERTUNDA),
    (lc.TERTUNDA, lc.BELUM_TERVERIFIKASI),
    (lc.DIPROSES, lc.DIBATALKAN),
    (lc.SELESAI, lc.DIPROSES),
], ids=lambda s: s)
def test_lapor_flow_is_allowed(current, new):
    assert lc.can_transition(current, new)


@pytest.mark.parametrize(("current", "new"), [
    (lc.BELUM_TERVERIFIKASI, lc.SELESAI),
    (lc.BELUM_TERVERIFIKASI, lc.TERDISPOSISI),
    (lc.SELESAI, lc.TERDISPOSISI),
    (lc.SELESAI, lc.DIBATALKAN),
    (lc.ARSIP, lc.DIPROSES),
    (lc.DIBATALKAN, lc.TERVERIFIKASI),
    (lc.BUKAN_WEWENANG, lc.SELESAI),
    (lc.DIPROSES, lc.DIPROSES),
], ids=lambda s: s)
def test_other_moves_are_refused(current, new):
    assert not lc.can_transition(current, new)


def test_terminal_statuses_have_no_way_out():
    assert all(not lc.ALLOWED_TRANSITIONS[s] for s in lc.TERMINAL)


def test_every_open_status_can_reach_a_terminal_status():
    reachable = set(lc.TERMINAL)
    while True:
        more = {s for s, targets in lc.ALLOWED_TRANSITIONS.items() if targets & reachable}
        if more <= reachable:
            break
        reachable |= more
    assert reachable == set(lc.STATUSES)


def test_check_transition_explains_what_is_allowed():
    with pytest.raises(lc.TransitionError, match="allowed from 'selesai': diproses, arsip"):
        lc.check_transition(lc.SELESAI, lc.TERDISPOSISI)


def test_check_transition_accepts_an_allowed_move():
    assert lc.check_transition(lc.DIPROSES, lc.SELESAI) is None


def test_check_transition_refuses_unknown_status():
    with pytest.raises(lc.TransitionError, match="unknown ticket status 'closed'"):
        lc.check_transition(lc.DIPROSES, "closed")


def test_can_transition_is_false_for_unknown_status():
    assert not lc.can_transition("closed", lc.ARSIP)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_status_has_a_short_label(lang):
    labels = [lc.status_label(s, lang) for s in lc.STATUSES]
    assert all(0 < len(label) <= 30 for label in labels)


def test_sms_label_is_indonesian():
    assert lc.status_label(lc.TERDISPOSISI) == "Diteruskan ke instansi"


def test_unknown_label_language_is_refused():
    with pytest.raises(ValueError, match="unknown language 'fr'"):
        lc.status_label(lc.SELESAI, "fr")
