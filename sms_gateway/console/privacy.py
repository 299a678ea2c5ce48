"""Phone numbers in the console: masked by default, revealed only with a grant, and audited."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sms_gateway.console import audit, roles
from sms_gateway.store.console import ConsoleUser
from sms_gateway.store.models import Citizen, InboundMessage
from sms_gateway.store.pii import Vault, mask_phone


class RevealRefused(PermissionError):
    """This user may not see this number (no grant, or an anonymous report without admin)."""


def may_reveal(user: ConsoleUser, *, anonymous: bool) -> bool:
    """Phone reveal needs the grant; an anonymous (anonim) report's number only an admin's."""
    if roles.REVEAL not in roles.permissions_of(user):
        return False
    return user.role == "admin" or not anonymous


def masked(user: ConsoleUser, citizen: Citizen | None, *, anonymous: bool) -> str | None:
    """What the console shows for a number: masked, or None when the report is anonymous
    and the viewer is not the citizen's operator side (agency users never see it)."""
    if citizen is None:
        return None
    if anonymous and user.role not in ("admin", "operator"):
        return None
    return citizen.phone_masked


def masked_sender(vault: Vault, message: InboundMessage) -> str:
    """The masked number of a message's sender, when no citizen row exists yet."""
    if not message.sender_enc:  # erased (sms-gateway citizen erase)
        return "(dihapus)"
    return mask_phone(vault.decrypt(message.sender_enc))


def reveal(session: Session, vault: Vault, user: ConsoleUser, sender_enc: str, *,
           anonymous: bool, reason: str, target_type: str, target_id: object,
           remote_addr: str | None) -> str:
    """Decrypt a number for a permitted user and write the reveal to the audit log."""
    if not may_reveal(user, anonymous=anonymous):
        audit.record(session, user, "phone.reveal_refused", target_type=target_type,
                     target_id=target_id, remote_addr=remote_addr, anonymous=anonymous)
        raise RevealRefused("phone reveal not permitted")
    audit.record(session, user, "phone.reveal", target_type=target_type, target_id=target_id,
                 remote_addr=remote_addr, reason=reason.strip()[:200], anonymous=anonymous)
    return vault.decrypt(sender_enc)
