"""Console accounts: argon2 password hashes, user creation, and login throttling."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import routing
from sms_gateway.config import ConsoleConfig
from sms_gateway.store.console import ROLES, ConsoleUser, LoginAttempt
from sms_gateway.store.db import utcnow

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verified against when the e-mail is unknown, so a wrong address costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(ValueError):
    """A user cannot be created or changed as asked; the message says why.

    `text` is the English sentence with {placeholders} (the console translates it through
    its i18n table), `values` fill them; str() is the filled English sentence for the CLI.
    """

    def __init__(self, text: str, **values: object) -> None:
        super().__init__(text.format(**values))
        self.text, self.values = text, values


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
                language: str | None = None,
                directory: routing.Directory | None = None) -> ConsoleUser:
    """Add a console user after checking role, agency (against the directory, when given)
    and password length."""
    email = normalise_email(email)
    if "@" not in email or len(email) > 254:
        raise AccountError("Not an e-mail address: {email}", email=email)
    if role not in ROLES:
        raise AccountError("Unknown role {role} (known: {known}).", role=role,
                           known=", ".join(ROLES))
    if role == "agency" and not agency_code:
        raise AccountError("An agency user needs an agency code (e.g. dinas_pupr:35.78).")
    if role != "agency" and agency_code:
        raise AccountError("Only agency users belong to an agency.")
    if agency_code and directory is not None and directory.get_agency(agency_code) is None:
        raise AccountError("Unknown agency code {code}: it is not in the routing directory.",
                           code=agency_code)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError("The password must have at least {n} characters.",
                           n=MIN_PASSWORD_LENGTH)
    if session.execute(select(ConsoleUser.id).where(ConsoleUser.email == email)).scalar():
        raise AccountError("User {email} already exists.", email=email)
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
    """The hashed keys of one login attempt: the account, the client, and the two together."""
    email, addr = normalise_email(email), remote_addr or "-"
    return {"email": _key("email", email), "ip": _key("ip", addr),
            "pair": _key("pair", f"{addr}\x00{email}")}


# The first wait once the free tries are used up; it doubles with each further failure, up to
# the window. Backoff, never a lock: a wrong password for one account never stops another.
BASE_DELAY_SECONDS = 2


def _failures(session: Session, key_hash: str, since: datetime) -> tuple[int, datetime | None]:
    """Failures of a key since `since` (or its last success after that), and the latest one."""
    last_ok = session.execute(select(func.max(LoginAttempt.at)).where(
        LoginAttempt.key_hash == key_hash, LoginAttempt.ok.is_(True),
        LoginAttempt.at >= since)).scalar()
    count, last = session.execute(select(func.count(), func.max(LoginAttempt.at)).where(
        LoginAttempt.key_hash == key_hash, LoginAttempt.ok.is_(False),
        LoginAttempt.at >= (last_ok or since))).one()
    return int(count), last


def _waiting(count: int, last: datetime | None, free: int, window: timedelta,
             now: datetime) -> bool:
    if count < free or last is None:
        return False
    delay = min(timedelta(seconds=BASE_DELAY_SECONDS * 2 ** min(count - free, 30)), window)
    return now < last + delay


def is_throttled(session: Session, config: ConsoleConfig, email: str,
                 remote_addr: str | None) -> bool:
    """True while this account, or this client trying many accounts, must wait.

    Per account: after `login_max_failures` failures (from anywhere) the next try waits 2 s,
    then 4, 8, ... up to the window. Per client address: the same backoff once it has failed on
    `login_max_failures_per_ip` different accounts (password spraying). Failures against one
    account from one address therefore never hold back anyone else's login.
    """
    keys = throttle_keys(email, remote_addr)
    window = timedelta(minutes=config.login_window_minutes)
    now = utcnow()
    since = now - window
    by_account = _failures(session, keys["email"], since)
    # Client rows are written once per account it failed on (see record_attempt); a success
    # from the client does not clear them.
    accounts_failed, last_spray = session.execute(
        select(func.count(), func.max(LoginAttempt.at)).where(
            LoginAttempt.key_hash == keys["ip"], LoginAttempt.at >= since)).one()
    return (_waiting(*by_account, config.login_max_failures, window, now)
            or _waiting(int(accounts_failed), last_spray, config.login_max_failures_per_ip,
                        window, now))


def record_attempt(session: Session, email: str, remote_addr: str | None, ok: bool, *,
                   window_minutes: int = 15) -> None:
    """Count one checked login attempt against the account, and the client's accounts."""
    keys = throttle_keys(email, remote_addr)
    now = utcnow()
    window_start = now - timedelta(minutes=window_minutes)
    first_failure_here = not ok and session.execute(select(LoginAttempt.id).where(
        LoginAttempt.key_hash == keys["pair"], LoginAttempt.ok.is_(False),
        LoginAttempt.at >= window_start).limit(1)).first() is None
    session.add(LoginAttempt(key_hash=keys["email"], at=now, ok=ok))
    session.add(LoginAttempt(key_hash=keys["pair"], at=now, ok=ok))
    if first_failure_here:  # one client row per account failed on: distinct accounts counted
        session.add(LoginAttempt(key_hash=keys["ip"], at=now, ok=False))
    session.flush()
