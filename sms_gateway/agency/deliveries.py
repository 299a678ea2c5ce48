"""Step 3 for agencies: hand a routed ticket to its agency over each of the agency's channels.

`forward` records the disposition and creates one delivery per channel; `deliver` makes one
attempt over one channel (job entry points: `sms_gateway.jobs.forward`). Each delivery is its
own job, so a failing agency endpoint only ever delays its own deliveries. Pull channels need
no job: the ticket waits in the API.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

import routing
from routing import lifecycle
from sms_gateway.agency import payload, transport
from sms_gateway.agency.records import directory_for, ensure_agency
from sms_gateway.dispatch import DELIVER, RetryPolicy
from sms_gateway.store import cases, tickets
from sms_gateway.store.agency import AgencyAlert, AgencyDelivery, AgencyRecord, ForwardAttempt
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import Ticket, TicketEvent
from sms_gateway.telco.providers.errors import SendError, SendErrorKind

if TYPE_CHECKING:
    from sms_gateway.services import Services

log = logging.getLogger(__name__)

BATCH = 500


def delivery_retry(services: Services) -> RetryPolicy:
    """Queue-side retries matching the configured delivery attempts."""
    agency = services.config.agency
    return RetryPolicy.for_attempts(agency.max_attempts, agency.retry_intervals_seconds)


def enqueue_deliveries(services: Services, delivery_ids: list[int]) -> None:
    """Queue one delivery job per id."""
    for delivery_id in delivery_ids:
        services.dispatcher.enqueue(DELIVER, delivery_id, job_id=f"deliver-{delivery_id}",
                                    retry=delivery_retry(services))


def forward(services: Services, ticket_id: int) -> None:
    """Disposition a verified ticket to its agency and queue the deliveries (idempotent)."""
    with services.sessions.begin() as session:
        # Locked with the other tickets of its case, which dispose moves along.
        ticket = cases.for_change(session, select(Ticket).where(Ticket.id == ticket_id))
        if ticket is None or ticket.agency_code is None:
            return
        delivery_ids = dispose(services, session, ticket)
    enqueue_deliveries(services, delivery_ids)


def dispose(services: Services, session: Session, ticket: Ticket) -> list[int]:
    """Move a verified ticket to terdisposisi and create its deliveries; returns those to send."""
    assert ticket.agency_code is not None
    if ticket.status == lifecycle.TERVERIFIKASI:
        event = tickets.set_status(session, ticket, lifecycle.TERDISPOSISI,
                                   agency_code=ticket.agency_code)
        # The other tickets of its case (re-routed with it) go along, with no delivery.
        for other in cases.siblings(session, ticket):
            if other.status == lifecycle.TERVERIFIKASI and other.agency_code == ticket.agency_code:
                tickets.set_status(session, other, lifecycle.TERDISPOSISI,
                                   agency_code=ticket.agency_code, case_of=ticket.number)
    elif ticket.status == lifecycle.TERDISPOSISI:
        event = session.execute(select(TicketEvent).where(
            TicketEvent.ticket_id == ticket.id, TicketEvent.to_status == lifecycle.TERDISPOSISI)
            .order_by(TicketEvent.id.desc()).limit(1)).scalar_one_or_none()
    else:
        return []
    if event is None:
        return []
    if ticket.agency_code in tickets.withheld_from(ticket, directory=directory_for(services)):
        # The oversight rule: never to the office the complaint is about, whoever routed it.
        log.error("ticket %s not forwarded: %s is the office it concerns", ticket.number,
                  ticket.agency_code)
        return []
    return create_deliveries(services, session, ticket, ticket.agency_code, event, "disposisi")


def create_deliveries(services: Services, session: Session, ticket: Ticket, agency_code: str,
                      event: TicketEvent, purpose: str) -> list[int]:
    """Add one delivery per channel of the agency for this event; returns ids that need a job."""
    record = agency_record(session, directory_for(services), agency_code)
    pending = []
    for row in delivery_rows(ticket.id, record, event.id, purpose):
        kind = row["channel"]
        exists = session.execute(select(AgencyDelivery.id).where(
            AgencyDelivery.event_id == event.id, AgencyDelivery.agency_code == agency_code,
            AgencyDelivery.channel == kind)).scalar()
        if exists is not None:
            continue
        delivery = AgencyDelivery(**row)
        session.add(delivery)
        session.flush()
        if kind != "pull":
            pending.append(delivery.id)
    return pending


def agency_record(session: Session, directory: routing.Directory, agency_code: str) -> AgencyRecord:
    """The agency's record (ensure_agency); LookupError if the directory does not have it."""
    record = ensure_agency(session, directory, agency_code)
    if record is None:
        raise LookupError(f"agency {agency_code!r} is not in the routing directory")
    return record


def delivery_rows(ticket_id: int, record: AgencyRecord, event_id: int,
                  purpose: str) -> list[dict[str, Any]]:
    """The columns of the event's delivery over each of the agency's channels (pull if none)."""
    return [{"ticket_id": ticket_id, "agency_code": record.code, "channel": channel["kind"],
             "event_id": event_id, "target": channel.get("url") or channel.get("address"),
             "secret_ref": channel.get("secret_ref"), "purpose": purpose,
             "state": "available" if channel["kind"] == "pull" else "pending", "attempts": 0}
            for channel in record.channels or [{"kind": "pull"}]]


def deliver(services: Services, delivery_id: int) -> None:
    """Make one attempt of one delivery; raise on a retryable failure so the queue retries."""
    with services.sessions.begin() as session:
        claimed = session.execute(
            update(AgencyDelivery)
            .where(AgencyDelivery.id == delivery_id, AgencyDelivery.state == "pending")
            .values(state="sending", attempts=AgencyDelivery.attempts + 1, updated_at=utcnow())
        ).rowcount
        if not claimed:
            return
        delivery = session.get(AgencyDelivery, delivery_id)
        assert delivery is not None
        ticket = session.get(Ticket, delivery.ticket_id)
        assert ticket is not None
        body = _document(services, session, delivery, ticket)
        attempts, channel, target = delivery.attempts, delivery.channel, delivery.target or ""
        secret_ref, agency_code, purpose = delivery.secret_ref, delivery.agency_code, \
            delivery.purpose
        number = ticket.number
    started = time.monotonic()
    status: int | None = None
    try:
        if channel == "webhook":
            secret = os.environ.get(secret_ref or "", "")
            if not secret:
                raise SendError(SendErrorKind.CONFIG, f"webhook secret {secret_ref} is not set")
            status = transport.post_webhook(
                target, body, secret=secret, event=f"ticket.{purpose}", delivery_id=delivery_id,
                timeout=services.config.agency.webhook_timeout_seconds)
        elif channel == "email":
            cfg = services.config.agency
            transport.send_email(cfg, to=target,
                                 subject=f"[LAPOR 1708] Tiket #{number} ({purpose})",
                                 text=_email_text(body))
        else:
            raise SendError(SendErrorKind.CONFIG, f"unknown channel {channel!r}")
    except SendError as exc:
        final = _record(services, delivery_id, agency_code, attempts, started, exc.status, exc)
        if not final:
            raise
        return
    except Exception as exc:
        error = SendError(SendErrorKind.NETWORK, f"{type(exc).__name__}: {exc}")
        _record(services, delivery_id, agency_code, attempts, started, None, error)
        raise
    _record(services, delivery_id, agency_code, attempts, started, status, None)


def _document(services: Services, session: Session, delivery: AgencyDelivery,
              ticket: Ticket) -> bytes:
    public = services.config.server.public_url.rstrip("/")
    doc = {
        "event": f"ticket.{delivery.purpose}",
        "delivery_id": delivery.id,
        "agency_code": delivery.agency_code,
        "ticket": payload.ticket_detail(session, services.vault, ticket),
        "api_url": f"{public}/api/v1/tickets/{ticket.number}" if public else None,
    }
    return json.dumps(doc, ensure_ascii=False, sort_keys=True).encode()


def _email_text(body: bytes) -> str:
    doc = json.loads(body)
    t = doc["ticket"]
    reporter = t["reporter"]["phone"] if t["reporter"] else "anonim (tidak diberikan)"
    lines = [
        f"Tiket #{t['number']} - {t['category_name']}",
        f"Lokasi: {t['region_name'] or '-'} ({t['region_code'] or '-'})"
        + (f", koordinat {t['lat']}, {t['long']}" if t.get("lat") is not None else ""),
        *([f"Kelurahan (perkiraan dari alamat, belum pasti): {probable['name']} "
           f"({probable['code']})"] if (probable := t.get("probable_region")) else []),
        f"Status: {t['status']}",
        f"Pelapor: {reporter}",
        f"Rahasia: {'ya' if t['confidential'] else 'tidak'}",
        "",
        t["description"],
        "",
        "Tanggapi melalui API agensi" + (f": {doc['api_url']}" if doc["api_url"] else "."),
        "",
        "JSON:",
        body.decode(),
    ]
    return "\n".join(lines)


def _record(services: Services, delivery_id: int, agency_code: str, attempts: int,
            started: float, status: int | None, error: SendError | None) -> bool:
    """Store the attempt and the agency's failure count; returns True when the delivery ended."""
    cfg = services.config.agency
    now = utcnow()
    final = error is None or not error.retryable or attempts >= cfg.max_attempts
    with services.sessions.begin() as session:
        session.add(ForwardAttempt(
            delivery_id=delivery_id, agency_code=agency_code, at=now, ok=error is None,
            http_status=status, error=None if error is None else str(error)[:2000],
            duration_ms=int((time.monotonic() - started) * 1000)))
        values: dict[str, object] = {"updated_at": now}
        if error is None:
            values.update(state="delivered", delivered_at=now, last_error=None)
        else:
            delay = delivery_retry(services).delay(attempts)
            values.update(state="failed" if final else "pending", last_error=str(error)[:2000],
                          next_attempt_at=None if final else now + timedelta(seconds=delay))
        session.execute(update(AgencyDelivery).where(AgencyDelivery.id == delivery_id)
                        .values(**values))
        agency = session.get(AgencyRecord, agency_code, with_for_update=True)
        if agency is not None:
            _track(session, agency, error, now, cfg.alert_after_failures)
    if error is not None:
        log.warning("delivery %s to %s failed (try %d, %s): %s", delivery_id, agency_code,
                    attempts, "final" if final else "will retry", error)
    return final


def _track(session: Session, agency: AgencyRecord, error: SendError | None, now: datetime,
           threshold: int) -> None:
    """Count consecutive failures per agency; raise one alert when they reach the threshold."""
    if error is None:
        if agency.alerted_at is not None:
            log.info("agency %s delivers again after %d failures", agency.code,
                     agency.consecutive_failures)
        agency.consecutive_failures = 0
        agency.last_success_at = now
        agency.alerted_at = None
        return
    agency.consecutive_failures += 1
    agency.last_failure_at = now
    agency.last_error = str(error)[:2000]
    if agency.consecutive_failures >= threshold and agency.alerted_at is None:
        agency.alerted_at = now
        detail = (f"{agency.consecutive_failures} consecutive delivery failures; "
                  f"last: {agency.last_error}")
        session.add(AgencyAlert(agency_code=agency.code, kind="delivery_failures",
                                detail=detail, at=now))
        log.error("ALERT agency %s: %s", agency.code, detail)


def requeue(services: Services, *, now: datetime | None = None) -> int:
    """Queue again deliveries that are due but lost from the queue (a periodic task)."""
    now = now or utcnow()
    cutoff = now - timedelta(seconds=services.config.queue.stuck_after_seconds)
    with services.sessions.begin() as session:
        # A claim whose worker died: the receiver deduplicates on X-Lapor-Delivery. The old
        # updated_at is kept so that the query below picks it up in this very round.
        session.execute(update(AgencyDelivery).where(
            AgencyDelivery.state == "sending", AgencyDelivery.updated_at <= cutoff)
            .values(state="pending", updated_at=AgencyDelivery.updated_at))
        ids = session.execute(select(AgencyDelivery.id).where(
            AgencyDelivery.state == "pending", AgencyDelivery.updated_at <= cutoff,
            (AgencyDelivery.next_attempt_at.is_(None)) | (AgencyDelivery.next_attempt_at <= now))
            .order_by(AgencyDelivery.id).limit(BATCH)).scalars().all()
    enqueue_deliveries(services, list(ids))
    return len(ids)
