"""Helpers for the batched-forward tests: a scenario of tickets in every state, read back."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.agency.deliveries import dispose
from sms_gateway.agency.records import directory_for
from sms_gateway.dispatch import InlineDispatcher, RetryPolicy
from sms_gateway.services import Services, build_services
from sms_gateway.store import migrate, tickets
from sms_gateway.store.agency import AgencyDelivery
from sms_gateway.store.cases import case_of
from sms_gateway.store.models import Ticket, TicketEvent
from tests.support.agency import SECRET_ENV, overrides_file
from tests.support.config import make_config

DUKCAPIL = "disdukcapil:35.78"  # given a webhook here: its deliveries need a job
BABAKAN_CIAMIS = "32.73.19.1004"
KELURAHAN_OFFICE = f"kantor_wilayah:{BABAKAN_CIAMIS}"
# The scenario's tickets a processed chunk would forward (the others go along or stay).
FORWARDED = ("plain", "webhook", "lead", "sibling_forwarded_too", "withheld", "done",
             "no_deliveries_yet", "held")


class Recording(InlineDispatcher):
    """Runs follow-ups where they are asked for (as a worker does) and records what is queued."""

    runs_follow_ups = True  # type: ignore[misc]

    def __init__(self) -> None:
        super().__init__()
        self.queued: list[tuple[str, str, tuple[Any, ...]]] = []

    def enqueue(self, func: str, *args: Any, job_id: str, retry: RetryPolicy | None = None,
                at_front: bool = False, fresh: bool = False, delay: float = 0) -> None:
        self.queued.append((func, job_id, args))


def forwarding_services(root: Path, database_url: str | None = None) -> Services:
    """Services (installed as current) whose DUKCAPIL has a webhook; jobs are only recorded."""
    root.mkdir(parents=True, exist_ok=True)
    channels = [{"agency": DUKCAPIL, "kind": "webhook", "url": "http://127.0.0.1:9/hook",
                 "secret": SECRET_ENV}]
    sections: dict[str, dict[str, Any]] = {
        "agency": {"routing_overrides": str(overrides_file(root, channels))}}
    if database_url:
        sections["database"] = {"url": database_url}
    config = make_config(root, **sections)
    migrate.upgrade(config)
    return build_services(config, dispatcher=Recording())


def routed(session: Session, services: Services, category: str, region: str,
           **fields: Any) -> Ticket:
    """A new ticket, routed (terverifikasi when an agency takes it)."""
    ticket = tickets.open_ticket(session, category=category, region_code=region,
                                 description="Laporan", **fields)
    tickets.apply_route(session, ticket, directory=directory_for(services))
    session.flush()
    return ticket


def scenario(services: Services) -> dict[str, int]:
    """Tickets in every state a forward meets; returns their ids by label."""
    with services.sessions.begin() as session:
        made = {
            "plain": routed(session, services, "jalan_drainase", "35.78"),
            "webhook": routed(session, services, "adminduk", "35.78"),
            "lead": routed(session, services, "jalan_drainase", "35.78"),
            "sibling": routed(session, services, "jalan_drainase", "35.78"),
            "sibling_forwarded_too": routed(session, services, "jalan_drainase", "35.78"),
            "sibling_elsewhere": routed(session, services, "adminduk", "35.78"),
            "withheld": routed(session, services, "pemerintahan_wilayah", BABAKAN_CIAMIS,
                               about_officials=True),
            "done": routed(session, services, "jalan_drainase", "35.78"),
            "no_deliveries_yet": routed(session, services, "adminduk", "35.78"),
            "held": routed(session, services, "jalan_drainase", "35"),
        }
        made["held"].status, made["held"].agency_code = "tertunda", None
        lead_case = case_of(session, made["lead"])
        for label in ("sibling", "sibling_forwarded_too", "sibling_elsewhere"):
            made[label].case_id = lead_case
        made["withheld"].agency_code = KELURAHAN_OFFICE  # an operator's mistake
        dispose(services, session, made["done"])
        tickets.set_status(session, made["no_deliveries_yet"], "terdisposisi")
        return {label: ticket.id for label, ticket in made.items()}


def state(services: Services, ids: dict[str, int]) -> dict[str, Any]:
    """Statuses, history, deliveries and queued jobs, with ticket numbers replaced by labels."""
    label = {v: k for k, v in ids.items()}
    with services.sessions() as session:
        found = list(session.execute(select(Ticket).where(Ticket.id.in_(ids.values())))
                     .scalars())
        number = {t.number: label[t.id] for t in found}
        events = [(e.id, label[e.ticket_id], e.kind, e.from_status, e.to_status,
                   {k: number.get(v, v) if isinstance(v, str) else v
                    for k, v in (e.detail or {}).items()})
                  for e in session.execute(select(TicketEvent).order_by(TicketEvent.id))
                  .scalars()]
        deliveries = [(d.id, label[d.ticket_id], d.event_id, d.agency_code, d.channel, d.state,
                       d.target, d.secret_ref, d.purpose)
                      for d in session.execute(select(AgencyDelivery)
                                               .order_by(AgencyDelivery.id)).scalars()]
    dispatcher = services.dispatcher
    assert isinstance(dispatcher, Recording)
    return {"statuses": {label[t.id]: t.status for t in found}, "events": events,
            "deliveries": deliveries, "queued": [(f, a) for f, _, a in dispatcher.queued]}


def queued(services: Services) -> list[tuple[str, str, tuple[Any, ...]]]:
    """The jobs queued so far: (function, job id, arguments)."""
    dispatcher = services.dispatcher
    assert isinstance(dispatcher, Recording)
    return dispatcher.queued
