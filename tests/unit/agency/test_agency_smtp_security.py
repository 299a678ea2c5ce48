"""E-mail to agencies and operators is encrypted (STARTTLS by default) unless "none" is chosen.

A real local aiosmtpd server with a self-signed certificate (trusted through SSL_CERT_FILE),
either requiring STARTTLS or not offering it at all.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from sms_gateway.agency.transport import send_email
from sms_gateway.config import AgencyConfig, ConfigError, load_config
from sms_gateway.telco.providers.errors import SendError
from tests.support.agency import MailSink
from tests.support.net import free_port


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def tls(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ssl.SSLContext:
    """The server's TLS context; the client trusts its certificate."""
    cert_file, key_file = _certificate(tmp_path)
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


def _server(**kwargs: Any) -> Iterator[MailSink]:
    from aiosmtpd.controller import Controller

    sink = MailSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, **kwargs)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


@pytest.fixture
def starttls_server(tls: ssl.SSLContext) -> Iterator[MailSink]:
    """Refuses MAIL until the client has said STARTTLS."""
    yield from _server(tls_context=tls, require_starttls=True)


@pytest.fixture
def plain_server() -> Iterator[MailSink]:
    """Offers no STARTTLS at all."""
    yield from _server()


def mail(port: int, **cfg: Any) -> None:
    config = replace(AgencyConfig(), smtp_host="127.0.0.1", smtp_port=port,
                     smtp_timeout_seconds=5.0, **cfg)
    send_email(config, to="pengaduan@pu.example.go.id", subject="Tiket", text="isi")


def test_default_is_starttls() -> None:
    assert load_config(env={}).agency.smtp_security == "starttls"


def test_mail_goes_through_starttls_by_default(starttls_server: MailSink) -> None:
    mail(starttls_server.port)
    assert len(starttls_server.messages) == 1


def test_server_without_starttls_is_refused_cleanly(plain_server: MailSink) -> None:
    with pytest.raises(SendError) as refused:
        mail(plain_server.port)
    assert ("does not offer STARTTLS" in str(refused.value), refused.value.retryable,
            plain_server.messages) == (True, False, [])


def test_plain_smtp_only_when_explicitly_none(plain_server: MailSink) -> None:
    mail(plain_server.port, smtp_security="none")
    assert len(plain_server.messages) == 1


def test_implicit_tls(tls: ssl.SSLContext) -> None:
    for sink in _server(ssl_context=tls):
        mail(sink.port, smtp_security="tls")
        assert len(sink.messages) == 1


def test_unknown_security_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "gateway.toml"
    path.write_text('[agency]\nsmtp_security = "startls"\n')
    with pytest.raises(ConfigError, match="agency.smtp_security"):
        load_config(path, env={})


def test_smtp_credentials_come_from_the_environment() -> None:
    agency = load_config(env={"SMS_GATEWAY_SMTP_USERNAME": "lapor",
                              "SMS_GATEWAY_SMTP_PASSWORD": "s3cret"}).agency
    assert (agency.smtp_username, agency.smtp_password) == ("lapor", "s3cret")
