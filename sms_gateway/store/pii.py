"""Phone numbers at rest: encrypted (Fernet) with a keyed hash (HMAC-SHA256) for look-ups."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken


class Vault:
    """Encrypts and hashes personal data with one key kept outside the database."""

    def __init__(self, key: str) -> None:
        raw = base64.urlsafe_b64decode(key.encode())
        if len(raw) != 32:
            raise ValueError("privacy key must be 32 bytes, urlsafe base64 encoded")
        self._fernet = Fernet(base64.urlsafe_b64encode(raw))
        self._hmac_key = hashlib.sha256(b"sms-gateway phone hash\x00" + raw).digest()

    def digest(self, value: str) -> str:
        """A stable keyed hash of a value (hex), for equality look-ups."""
        return hmac.new(self._hmac_key, value.encode(), hashlib.sha256).hexdigest()

    def encrypt(self, value: str) -> str:
        """Encrypt a text value."""
        return self._fernet.encrypt(value.encode()).decode()

    def decrypt(self, token: str) -> str:
        """Decrypt a value made by encrypt; raises ValueError on a wrong key or a damaged token."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except InvalidToken:
            raise ValueError("cannot decrypt: wrong privacy key or damaged data") from None


def new_key() -> str:
    """A fresh random privacy key."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def key_from_file(var_dir: str | os.PathLike[str], name: str) -> str:
    """Read a key kept in var_dir, creating it (mode 0600) on first use."""
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
