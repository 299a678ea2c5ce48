"""Console accounts: argon2 password hashes, user creation, and login throttling."""

from __future__ import annotations

import hashlib
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sms_gateway.config import ConsoleConfig
from sms_gateway.store.console import ROLES, ConsoleUser, LoginAttempt
from sms_gateway.store.db import utcnow

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why."""


def hash_password(password: str) -> str:
    """Return an argon2id hash of a password."""
    return _hasher.hash(password)


def check_password(user: ConsoleUser | None, password: str) -> bool:
    """Return True if the password is the user's; upgrades an outdated hash in place."""
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


def normalise_email(email: str) -> str:
    """Return the e-mail address as stored: trimmed and lower-case."""
    return email.strip().lower()


def create_user(session: Session, email: str, password: str, role: str, *,
                agency_code: str | None = None, can_reveal_phone: bool = False,
                language: str | None = None) -> ConsoleUser:
    """Add a console user after checking role, agency and password length."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError(f"not an e-mail address: {email!r}")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (known: {', '.join(ROLES)})")
    if role == "agency" and not agency_code:
        raise AccountError("an agency user needs --agency CODE (e.g. dinas_pupr:35.78)")
    if role != "agency" and agency_code:
        raise AccountError("only agency users belong to an agency")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    if session.execute(select(ConsoleUser.id).where(ConsoleUser.email == email)).scalar():
        raise AccountError(f"user {email} already exists")
    user = ConsoleUser(email=email, password_hash=hash_password(password), role=role,
                       agency_code=agency_code or None, can_reveal_phone=can_reveal_phone,
                       language=language, active=True, created_at=utcnow())
    session.add(user)
    session.flush()
    return user


def find_user(session: Session, email: str) -> ConsoleUser | None:
    """Return the active user with this e-mail address, or None."""
    return session.execute(select(ConsoleUser).where(
        ConsoleUser.email == normalise_email(email), ConsoleUser.active.is_(True))
    ).scalar_one_or_none()


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


def throttle_keys(email: str, remote_addr: str | None) -> dict[str, str]:
    """The hashed keys one login attempt counts against: the address and the client."""
    return {"email": _key("email", normalise_email(email)),
            "ip": _key("ip", remote_addr or "-")}


def _recent_failures(session: Session, key_hash: str, window: timedelta, *,
                     reset_by_success: bool) -> int:
    since = utcnow() - window
    # A success resets the count of its own address only: logging in to one's own account
    # must not reset the failures of a client trying many addresses.
    last_ok = session.execute(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.key_hash == key_hash, LoginAttempt.ok.is_(True),
        LoginAttempt.at >= since)).scalar() if reset_by_success else None
    return session.execute(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.key_hash == key_hash, LoginAttempt.ok.is_(False),
        LoginAttempt.at >= (last_ok or since))).scalar_one()


def is_throttled(session: Session, config: ConsoleConfig, email: str,
                 remote_addr: str | None) -> bool:
    """True when too many logins failed recently for this address or from this client."""
    keys = throttle_keys(email, remote_addr)
    window = timedelta(minutes=config.login_window_minutes)
    by_email = _recent_failures(session, keys["email"], window, reset_by_success=True)
    by_client = _recent_failures(session, keys["ip"], window, reset_by_success=False)
    return (by_email >= config.login_max_failures
            or by_client >= config.login_max_failures_per_ip)


def record_attempt(session: Session, email: str, remote_addr: str | None, ok: bool) -> None:
    """Count one login attempt against the address and the client."""
    now = utcnow()
    for key_hash in throttle_keys(email, remote_addr).values():
        session.add(LoginAttempt(key_hash=key_hash, at=now, ok=ok))
    session.flush()
