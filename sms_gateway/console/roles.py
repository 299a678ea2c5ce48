"""Who may do what in the console: permissions per role and the checks views use."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, g, redirect, request, url_for

from sms_gateway.store.console import ConsoleUser

REVIEW, TICKETS, ALL_TICKETS = "review", "tickets", "tickets.all"
DASHBOARD, USERS, AUDIT, REVEAL = "dashboard", "users", "audit", "phone.reveal"
AGENCIES, SETTINGS = "agencies", "settings"
MODELS = "parser.models"  # list the category model versions and activate one

PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({REVIEW, TICKETS, ALL_TICKETS, DASHBOARD, USERS, AUDIT, REVEAL,
                        AGENCIES, SETTINGS, MODELS}),
    "operator": frozenset({REVIEW, TICKETS, ALL_TICKETS, DASHBOARD}),
    "agency": frozenset({TICKETS}),  # only tickets whose agency_code is the user's
    "viewer": frozenset({DASHBOARD}),
}
HOME = {"admin": "console.review.queue", "operator": "console.review.queue",
        "agency": "console.tickets.index", "viewer": "console.dashboard.index"}


def permissions_of(user: ConsoleUser) -> frozenset[str]:
    """The permissions of a user: the role's, plus phone reveal when granted."""
    granted = PERMISSIONS.get(user.role, frozenset())
    return granted | {REVEAL} if user.can_reveal_phone else granted


def can(permission: str) -> bool:
    """True when the signed-in user has this permission."""
    user = g.get("console_user")
    return user is not None and permission in permissions_of(user)


F = TypeVar("F", bound=Callable[..., Any])


def require(permission: str) -> Callable[[F], F]:
    """Decorate a view: sign-in required, then this permission (else 403)."""
    def decorate(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if g.get("console_user") is None:
                return redirect(url_for("console.auth.login", next=request.full_path))
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorate
