"""Phone numbers at rest: encrypted (Fernet) with a keyed hash (HMAC-SHA256) for look-ups.

Keys rotate: the privacy key may be a comma-separated list, newest first. The newest encrypts,
every one of them decrypts (cryptography's MultiFernet), and `sms-gateway pii rotate`
re-encrypts what older keys wrote. The look-up hash must not change with the keys, or no
citizen would be found again by their number: its key is derived from a separate hash key,
by default the *oldest* key of the list (the one a deployment started with). Before that
oldest key is dropped from the list, it moves to SMS_GATEWAY_PII_HASH_KEY.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


def _raw(key: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(key.strip().encode())
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise ValueError("privacy key must be 32 bytes, urlsafe base64 encoded")
    return raw


def split_keys(keys: str) -> list[str]:
    """The keys of a comma-separated privacy key setting, newest first."""
    return [k.strip() for k in keys.split(",") if k.strip()]


class Vault:
    """Encrypts and hashes personal data with keys kept outside the database."""

    def __init__(self, key: str, hash_key: str = "") -> None:
        raws = [_raw(k) for k in split_keys(key)]
        if not raws:
            raise ValueError("privacy key must be 32 bytes, urlsafe base64 encoded")
        self._fernets = [Fernet(base64.urlsafe_b64encode(r)) for r in raws]
        self._fernet = MultiFernet(self._fernets)
        # Derived as before rotation existed: a single-key deployment keeps its digests.
        hash_raw = _raw(hash_key) if hash_key else raws[-1]
        self._hmac_key = hashlib.sha256(b"sms-gateway phone hash\x00" + hash_raw).digest()

    def digest(self, value: str) -> str:
        """A stable keyed hash of a value (hex), for equality look-ups."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        """Encrypt a text value with the newest key."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a value made by encrypt; raises ValueError on a wrong key or a damaged token."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: wrong privacy key or damaged data") from None

    def rotated(self, token: str) -> str | None:
        """The token encrypted with the newest key, or None when it already is."""
        try:
            self._fernets[0].decrypt(token.encode())
            return None
        except InvalidToken:
            pass
        try:
            return self._fernet.rotate(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: wrong privacy key or damaged data") from None


def new_key() -> str:
    """A fresh random privacy key."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_from_file(var_dir: str | os.PathLike[str], name: str) -> str:
    """Read a key kept in var_dir, creating it (mode 0600) on first use (embedded mode only)."""
    path = Path(var_dir) / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = new_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key + "\n")
    return key


def mask_phone(e164: str) -> str:
    """Mask a phone number for display: +6281234567890 -> +62 812-****-7890."""
    if not e164.startswith("+62") or len(e164) < 10:
        return e164[:4] + "*" * max(len(e164) - 8, 2) + e164[-4:]
    return f"+62 {e164[3:6]}-****-{e164[-4:]}"
