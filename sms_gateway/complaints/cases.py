"""Many citizens, one problem: a new complaint joins the case of a similar open ticket.

A complaint joins when an open ticket already with an agency has the same category, the same
place (the same desa/kelurahan, or coordinates within `[cases] distance_meters` when both
have them) and similar words (Jaccard similarity of the normalised word sets at least
`[cases] similarity`), filed within `[cases] window_days`. The joining ticket keeps its own
number, takes the case's agency and status, and creates no delivery: the agency got the case
once. Every agency action on any ticket of a case, and an operator's closing (arsip), applies
to all of them (`across_case`), so each reporter hears each answer.
"""

from __future__ import annotations

import functools
import logging
import math
import re
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from parsers import stem
from routing import lifecycle
from sms_gateway.store import cases as store_cases
from sms_gateway.store import tickets
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket

if TYPE_CHECKING:
    from sms_gateway.config import CasesConfig

log = logging.getLogger(__name__)

# A case is joined once it is with an agency; before that the first ticket is still moving.
JOINABLE = (lifecycle.TERDISPOSISI, lifecycle.DIPROSES, lifecycle.TERTUNDA)
CANDIDATES = 200  # the most recent open tickets of the place and category compared
EARTH_RADIUS_M = 6_371_000.0
_WORD = re.compile(r"[a-z0-9]+")
# Words that say nothing about the problem itself.
STOPWORDS = frozenset("""
ada agar akan and atau bagaimana banyak belum bisa bpk buat bu dan dari dengan desa di dgn
disini ini itu jadi juga kab kabupaten kami kec kecamatan kel kelurahan kepada ke kota lagi
mohon nya oleh pada pak para saja sangat sdh segera sekali seperti sudah tdk the tidak
tolong untuk utk warga yang yg
""".split())

A = TypeVar("A", bound=Callable[..., Any])


def words(text: str) -> frozenset[str]:
    """The normalised words of a text: lowercase, stop words out, each reduced to its root."""
    out = set()
    for token in _WORD.findall(text.lower()):
        if len(token) < 3 or token in STOPWORDS:
            continue
        out.add(min(stem.forms(token), key=lambda f: (len(f), f)))
    return frozenset(out)


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the two texts' normalised word sets (0 when either is empty)."""
    wa, wb = words(a), words(b)
    if not wa or not wb:
        return 0.0
    return len(wa & wb) / len(wa | wb)


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def _is_desa(code: str | None) -> bool:
    return bool(code) and len(str(code).split(".")) == 4


def same_place(a: Ticket, b: Ticket, max_meters: float) -> bool:
    """The same desa/kelurahan, or coordinates within max_meters when both tickets have them."""
    if None not in (a.latitude, a.longitude, b.latitude, b.longitude):
        return distance_m(a.latitude, a.longitude, b.latitude, b.longitude) <= max_meters  # type: ignore[arg-type]
    return _is_desa(a.region_code) and a.region_code == b.region_code


def find_case(session: Session, config: CasesConfig, ticket: Ticket, *,
              among: Callable[[str, str | None], Iterable[Ticket]] | None = None,
              forwarding: Collection[Ticket] = ()) -> Ticket | None:
    """The open ticket whose case this new ticket belongs to, or None.

    `among` gives the candidates of a category and place instead of the query (the look-up of
    a chunk of messages, complaints/chunk.py); the same rules are applied to them here.
    `forwarding`: tickets routed by that chunk and forwarded once it commits (still
    terverifikasi): they may lead a case, as they would once forwarded one message at a time;
    a ticket that joins one goes along with its forward (agency/dispositions.py).
    """
    if config.window_days <= 0 or ticket.confidential:  # a confidential report stays alone
        return None
    located = ticket.latitude is not None and ticket.longitude is not None
    if not located and not _is_desa(ticket.region_code):
        return None
    if among is not None and not located:
        since = utcnow() - timedelta(days=config.window_days)
        rows: Iterable[Ticket] = sorted(
            (other for other in among(ticket.category, ticket.region_code)
             if other is not ticket and _may_lead(other, ticket, since, forwarding)),
            key=lambda t: (t.id is None, t.id or 0))[:CANDIDATES]  # not inserted yet: last
    else:
        query = select(Ticket).where(Ticket.id != ticket.id, Ticket.category == ticket.category,
                                     *_leading(config))
        if not located:
            query = query.where(Ticket.region_code == ticket.region_code)
        rows = session.execute(query.order_by(Ticket.id).limit(CANDIDATES)).scalars()
    best, best_score = None, config.similarity
    for other in rows:
        if not same_place(ticket, other, config.distance_meters):
            continue
        score = similarity(ticket.description, other.description)
        if score >= best_score and (best is None or score > best_score):
            best, best_score = other, score
    return best


def candidates(session: Session, config: CasesConfig,
               places: Iterable[tuple[str, str | None]], *,
               slack: int) -> dict[tuple[str, str | None], list[Ticket]]:
    """find_case's query for many (category, desa) places at once: the first CANDIDATES +
    slack tickets by id of each place that may lead a case (slack: how many of them may stop
    qualifying before they are compared)."""
    wanted = [(category, code) for category, code in places if _is_desa(code)]
    if config.window_days <= 0 or not wanted:
        return {}
    rank = func.row_number().over(partition_by=(Ticket.category, Ticket.region_code),
                                  order_by=Ticket.id).label("rank")
    ranked = select(Ticket.id, rank).where(
        or_(*(and_(Ticket.category == category, Ticket.region_code == code)
              for category, code in wanted)), *_leading(config)).subquery()
    found: dict[tuple[str, str | None], list[Ticket]] = defaultdict(list)
    for ticket in session.execute(select(Ticket).join(ranked, ranked.c.id == Ticket.id)
                                  .where(ranked.c.rank <= CANDIDATES + slack)
                                  .order_by(Ticket.id)).scalars():
        found[(ticket.category, ticket.region_code)].append(ticket)
    return found


def _leading(config: CasesConfig) -> list[ColumnElement[bool]]:
    """SQL: a ticket may lead a case (with an agency, open, not confidential, recent)."""
    return [~Ticket.confidential, Ticket.status.in_(JOINABLE), Ticket.agency_code.is_not(None),
            Ticket.created_at >= utcnow() - timedelta(days=config.window_days)]


def _may_lead(other: Ticket, ticket: Ticket, since: datetime,
              forwarding: Collection[Ticket] = ()) -> bool:
    """_leading and the category and place of find_case's query, for a ticket in memory."""
    about_to_be_forwarded = other.status == lifecycle.TERVERIFIKASI and any(
        other is each for each in forwarding)
    return (other.category == ticket.category and not other.confidential
            and (other.status in JOINABLE or about_to_be_forwarded)
            and other.agency_code is not None
            and other.created_at >= since and other.region_code == ticket.region_code)


def join(session: Session, ticket: Ticket, lead: Ticket, *, actor: str = "system") -> None:
    """Put the ticket in the lead ticket's case: its agency and status, no delivery of its own."""
    status, agency_code, agency_name = lead.status, lead.agency_code, lead.agency_name
    if lead.id is not None:
        modified = session.is_modified(lead)
        # The lead's row locked, its case read as stored: an operator who merges that case
        # into another meanwhile (store/cases.for_regroup) either has done so, and the case
        # it went to is read here, or waits for this transaction and then moves this ticket
        # with the case's others. Unmodified, the lead's status too: an agency answering the
        # case meanwhile either has answered (its status is read here) or waits and then
        # finds this ticket among the case's, so the new ticket never keeps the case's
        # status from before the answer.
        stored = session.execute(
            select(Ticket.case_id, Ticket.status, Ticket.agency_code, Ticket.agency_name)
            .where(Ticket.id == lead.id).with_for_update(key_share=True)).one()
        if stored.case_id != lead.case_id:
            set_committed_value(lead, "case_id", stored.case_id)
        if not modified:
            status, agency_code, agency_name = stored.status, stored.agency_code, stored.agency_name
    case_id = store_cases.case_of(session, lead, actor=actor)
    ticket.case_id = case_id
    ticket.agency_code, ticket.agency_name = agency_code, agency_name
    ticket.awaiting = None
    previous, ticket.status = ticket.status, status
    ticket.updated_at = utcnow()
    tickets.queue_event(session, lead, "case_reporter", actor=actor, number=ticket.number)
    tickets.queue_event(session, ticket, "case_joined", actor=actor, from_status=previous,
                        to_status=status, case=case_id, lead=lead.number)


class MergeRefused(ValueError):
    """Why two tickets cannot share a case: the console's text, and the ticket it is about."""

    def __init__(self, text: str, number: str | None = None) -> None:
        super().__init__(text)
        self.text, self.number = text, number


def merge(session: Session, ticket: Ticket, into: Ticket, *, actor: str) -> int:
    """Operator: move the ticket's whole case into the other ticket's case; returns its id.
    Refused (MergeRefused) for tickets with different agencies, a withdrawn or archived one
    (it no longer hears the agency's answers), or two tickets of one case already."""
    store_cases.for_regroup(session, ticket, into)
    if ticket.agency_code != into.agency_code:
        raise MergeRefused("Only tickets with the same agency can share a case.")
    for each in (ticket, into):
        if each.status in lifecycle.TERMINAL:
            raise MergeRefused("A withdrawn or archived ticket cannot join a case.", each.number)
    if ticket.case_id is not None and ticket.case_id == into.case_id:
        raise MergeRefused("Both tickets are already in one case.")
    case_id = store_cases.case_of(session, into, actor=actor)
    moving = store_cases.members(session, ticket.case_id) if ticket.case_id else [ticket]
    for member in moving:
        if member.case_id != case_id:
            member.case_id = case_id
            tickets.queue_event(session, member, "case_merged", actor=actor, case=case_id,
                                into=into.number)
            tickets.queue_event(session, into, "case_reporter", actor=actor,
                                number=member.number)
    session.flush()
    return case_id


def split(session: Session, ticket: Ticket, *, actor: str) -> int | None:
    """Operator: take the ticket out of its case; it goes on as a ticket of its own. Returns
    the case it left (None: it was in none, as read under the lock)."""
    store_cases.for_regroup(session, ticket)
    if ticket.case_id is None:
        return None
    case_id, ticket.case_id = ticket.case_id, None
    tickets.add_event(session, ticket, "case_split", actor=actor, case=case_id)
    remaining = [t for t in store_cases.members(session, case_id) if t.id != ticket.id]
    if remaining:  # the case's first ticket, the one its agency got, says who left
        tickets.add_event(session, remaining[0], "case_left", actor=actor, case=case_id,
                          number=ticket.number)
    return case_id


def across_case(action: A) -> A:
    """Run an agency action on the ticket, then on every other open ticket of its case.

    The action's last positional argument is its Effects. Each other ticket gets the status,
    the response and its own citizen SMS; its forwards and re-routes are dropped, so the
    agency gets the case once. A ticket the action does not fit (another status) is left as
    it is and logged.
    """

    @functools.wraps(action)
    def run(services: Any, session: Session, ticket: Ticket, *args: Any, **kwargs: Any) -> Any:
        *rest, effects = args
        result = action(services, session, ticket, *args, **kwargs)
        for other in store_cases.siblings(session, ticket):
            own = type(effects)()
            try:
                with session.begin_nested():
                    action(services, session, other, *rest, own, **kwargs)
            except ValueError as exc:  # ActionError, TransitionError
                log.info("case %s: ticket %s left as it is: %s", ticket.case_id, other.number,
                         exc)
                continue
            effects.outbound_ids.extend(own.outbound_ids)
        return result

    return run  # type: ignore[return-value]
