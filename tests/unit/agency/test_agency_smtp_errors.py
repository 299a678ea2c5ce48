"""SMTP outcomes map onto the same closed set of send errors as HTTP's (errors.classify_smtp)."""

from __future__ import annotations

import smtplib
import socket
from dataclasses import dataclass

import pytest

from sms_gateway.agency.transport import send_email
from sms_gateway.config import AgencyConfig
from sms_gateway.telco.providers.errors import SendError, SendErrorKind, classify_smtp
from tests.support.agency import smtp_server
from tests.support.net import free_port


@dataclass(frozen=True)
class SmtpCase:
    label: str
    exc: BaseException
    kind: SendErrorKind


SMTP_CASES = [
    SmtpCase("connection refused", ConnectionRefusedError(111, "refused"), SendErrorKind.NETWORK),
    SmtpCase("connect timeout", TimeoutError("timed out"), SendErrorKind.NETWORK),
    SmtpCase("unknown host", socket.gaierror(-2, "Name or service not known"),
             SendErrorKind.NETWORK),
    SmtpCase("server hung up", smtplib.SMTPServerDisconnected("gone"), SendErrorKind.NETWORK),
    SmtpCase("421 closing", smtplib.SMTPConnectError(421, b"busy"), SendErrorKind.SERVER),
    SmtpCase("451 local error", smtplib.SMTPDataError(451, b"try later"), SendErrorKind.SERVER),
    SmtpCase("452 sender 4xx", smtplib.SMTPSenderRefused(452, b"full", "a@b"),
             SendErrorKind.SERVER),
    SmtpCase("550 data refused", smtplib.SMTPDataError(550, b"no"), SendErrorKind.REJECTED),
    SmtpCase("554 transaction failed", smtplib.SMTPResponseException(554, b"no"),
             SendErrorKind.REJECTED),
    SmtpCase("recipients 4xx", smtplib.SMTPRecipientsRefused({"a@b": (450, b"busy")}),
             SendErrorKind.SERVER),
    SmtpCase("recipients mixed", smtplib.SMTPRecipientsRefused(
        {"a@b": (450, b"busy"), "c@d": (550, b"no such user")}), SendErrorKind.REJECTED),
    SmtpCase("535 bad credentials", smtplib.SMTPAuthenticationError(535, b"bad"),
             SendErrorKind.CONFIG),
    SmtpCase("530 authentication required", smtplib.SMTPSenderRefused(530, b"auth", "a@b"),
             SendErrorKind.CONFIG),
    SmtpCase("538 encryption required", smtplib.SMTPDataError(538, b"tls"),
             SendErrorKind.CONFIG),
]


@pytest.mark.parametrize("case", SMTP_CASES, ids=lambda c: c.label)
def test_smtp_outcome_maps_onto_the_send_error_kind(case: SmtpCase) -> None:
    assert classify_smtp(case.exc).kind is case.kind


def test_retryable_smtp_outcomes_are_exactly_network_and_4xx() -> None:
    retryable = {c.label for c in SMTP_CASES if classify_smtp(c.exc).retryable}
    assert retryable == {"connection refused", "connect timeout",
                         "unknown host", "server hung up", "421 closing", "451 local error",
                         "452 sender 4xx", "recipients 4xx"}


def _send(port: int) -> None:
    cfg = AgencyConfig(smtp_host="127.0.0.1", smtp_port=port, smtp_from="lapor1708@localhost",
                       smtp_timeout_seconds=5, smtp_security="none")  # the sink has no TLS
    send_email(cfg, to="pupr@example.org", subject="s", text="t")


@pytest.mark.parametrize(("reply", "kind"), [
    ("451 4.3.0 try again later", SendErrorKind.SERVER),
    ("554 5.7.1 message refused", SendErrorKind.REJECTED),
    ("530 5.7.0 authentication required", SendErrorKind.CONFIG),
], ids=["4xx-retry", "5xx-final", "auth-config"])
def test_send_email_raises_the_kind_of_a_real_servers_answer(reply: str,
                                                             kind: SendErrorKind) -> None:
    with smtp_server(reply) as sink, pytest.raises(SendError) as caught:
        _send(sink.port)
    assert caught.value.kind is kind


def test_send_email_to_a_closed_port_is_a_retryable_network_error() -> None:
    with pytest.raises(SendError) as caught:
        _send(free_port())
    assert (caught.value.kind, caught.value.retryable) == (SendErrorKind.NETWORK, True)
