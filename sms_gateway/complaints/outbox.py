"""Queueing SMS to citizens: one row per SMS with its encoding and a unique cause."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from sms_gateway.complaints import replies
from sms_gateway.store import rows
from sms_gateway.store.db import utcnow
from sms_gateway.store.models import (
    PRIORITY_NOTIFICATION,
    PRIORITY_REPLY,
    Citizen,
    OutboundMessage,
    Ticket,
)
from sms_gateway.telco.gsm import encoding_of

if TYPE_CHECKING:
    from sms_gateway.services import Services


def language_of(services: Services, citizen: Citizen) -> str:
    """The language a citizen is written to: their own choice, else the deployment's."""
    return citizen.language or services.config.sms.language


def queue_sms(services: Services, session: Session, citizen: Citizen, *, purpose: str,
              dedupe_key: str, template: str | None = None, values: Mapping[str, str] | None = None,
              body: str | None = None, channel: str | None = None, ticket_id: int | None = None,
              inbound_message_id: int | None = None,
              notification: bool = False) -> OutboundMessage | None:
    """The one way an SMS to a citizen is queued; returns the new row, None if its cause
    (`dedupe_key`) already produced one.

    The text is a template of replies.py rendered in the citizen's language and fitted to one
    SMS, or `body` as written (an operator's or agency's own words). It goes out on the
    configured outbound channel unless `channel` says otherwise. Notifications are unsolicited:
    they respect STOP (stored as suppressed) and queue behind replies.
    """
    if (template is None) == (body is None):
        raise ValueError("queue_sms needs either a template or a body")
    if is_queued(session, dedupe_key):
        return None
    msg = _row(services, citizen, purpose=purpose, dedupe_key=dedupe_key, template=template,
               values=values, body=body, channel=channel,
               inbound_message_id=inbound_message_id, notification=notification)
    msg.ticket_id = ticket_id
    session.add(msg)
    session.flush()
    return msg


def is_queued(session: Session, dedupe_key: str) -> bool:
    """Whether this cause produced its SMS already."""
    return session.execute(select(OutboundMessage.id)
                           .where(OutboundMessage.dedupe_key == dedupe_key)).scalar() is not None


def add_reply(services: Services, session: Session, citizen: Citizen, *, template: str,
              values: Mapping[str, str], dedupe_key: str, ticket: Ticket | None,
              inbound_message_id: int) -> rows.Row:
    """Queue a reply (a template) without queue_sms's look-up and flush: a plain row of the
    session's Rows (store/rows.py), inserted with the other rows of a chunk of messages.

    The caller knows that the cause has no SMS yet (a message claimed by this very
    transaction has none) or asks `is_queued` first; the unique dedupe key still guards: a
    second row for it fails the insert.
    """
    pending = rows.of(session)
    if pending is None:
        raise RuntimeError("add_reply needs a session with Rows (store.rows.attach)")
    now = utcnow()
    body = replies.render_fitted(template, language_of(services, citizen), **values)
    enc = encoding_of(body)
    return pending.add(OutboundMessage, rows.Row(
        ticket, citizen_id=citizen.id, ticket_id=None, inbound_message_id=inbound_message_id,
        dedupe_key=dedupe_key, purpose=template, priority=PRIORITY_REPLY, body=body,
        encoding=enc.name, segments=enc.segments, channel=services.config.sms.outbound,
        status="queued", attempts=0, created_at=now, updated_at=now))


def _row(services: Services, citizen: Citizen, *, purpose: str, dedupe_key: str,
         template: str | None = None, values: Mapping[str, str] | None = None,
         body: str | None = None, channel: str | None = None,
         inbound_message_id: int | None = None, notification: bool = False) -> OutboundMessage:
    now = utcnow()
    if template is not None:
        body = replies.render_fitted(template, language_of(services, citizen), **(values or {}))
    assert body is not None
    enc = encoding_of(body)
    return OutboundMessage(
        citizen_id=citizen.id, inbound_message_id=inbound_message_id,
        dedupe_key=dedupe_key, purpose=purpose, body=body, encoding=enc.name,
        segments=enc.segments, channel=channel or services.config.sms.outbound,
        priority=PRIORITY_NOTIFICATION if notification else PRIORITY_REPLY,
        status="suppressed" if notification and citizen.opted_out else "queued", attempts=0,
        created_at=now, updated_at=now)
