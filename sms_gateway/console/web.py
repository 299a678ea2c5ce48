"""Request plumbing shared by the console's views: services, user, language, CSRF, headers."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Response, abort, current_app, g, render_template, request
from flask import session as cookie
from sqlalchemy.orm import Session

import routing
from routing import deadlines, lifecycle
from sms_gateway.console import i18n, roles, sessions, vocabulary
from sms_gateway.services import Services
from sms_gateway.store.db import utcnow

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
# Pages carry personal data: never cached, never framed, no third-party anything.
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": ("default-src 'self'; img-src 'self' data:; style-src 'self'; "
                                "script-src 'self'; object-src 'none'; base-uri 'none'; "
                                "form-action 'self'; frame-ancestors 'none'"),
}


def services() -> Services:
    """The process's services, as create_app installed them."""
    return current_app.extensions["sms_gateway"]  # type: ignore[no-any-return]


def db() -> Session:
    """A new session; use as `with web.db().begin() as s:` or via services().sessions."""
    return services().sessions()  # type: ignore[no-any-return]


def before_request() -> None:
    """Load the signed-in user and language; refuse any unsafe request without the CSRF token."""
    config = services().config.console
    g.console_user = None
    token = cookie.get("sid")
    if token:
        with services().sessions.begin() as s:
            g.console_user = sessions.resume(s, token, config)
        if g.console_user is None:
            cookie.pop("sid", None)
            g.session_expired = True
    user = g.console_user
    lang = cookie.get("lang") or (user.language if user else None) or config.language
    g.lang = lang if lang in i18n.LANGUAGES else "id"
    if request.method not in SAFE_METHODS:
        sent = request.form.get(sessions.CSRF_FIELD) or request.headers.get(sessions.CSRF_HEADER)
        if not sessions.csrf_ok(sent):
            abort(400, "CSRF token missing or wrong; reload the page and try again")


def after_request(response: Response) -> Response:
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


def t(text: str) -> str:
    """Translate a console text into the request's language."""
    return i18n.translate(text, g.get("lang", "id"))


def safe_next(target: str | None, default: str) -> str:
    """A redirect target inside the console only (no open redirects)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return default
    return target


def remote_addr() -> str | None:
    return request.remote_addr


def local_time(moment: datetime | None, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A UTC moment shown in Jakarta time (WIB)."""
    if moment is None:
        return ""
    return moment.astimezone(deadlines.JAKARTA).strftime(fmt)


def age(delta: timedelta | None) -> str:
    """A short human duration: "5 menit", "3 jam", "2 hari"."""
    if delta is None:
        return "-"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 120:
        return f"{minutes} {t('minutes')}"
    if minutes < 48 * 60:
        return f"{minutes // 60} {t('hours')}"
    return f"{minutes // 1440} {t('days')}"


def category_name(code: str | None) -> str:
    """The category's name in the request's language."""
    category = routing.default_directory().categories.get(code or "")
    if category is None:
        return code or "-"
    return category.name if g.get("lang") == "id" else category.name_en


def categories() -> list[tuple[str, str]]:
    """(code, name) of every category, for select boxes."""
    return [(code, category_name(code)) for code in routing.default_directory().categories]


def status_label(status: str) -> str:
    try:
        return lifecycle.status_label(status, g.get("lang", "id"))
    except ValueError:
        return status


def region_name(code: str | None) -> str:
    if not code:
        return "-"
    region = routing.default_directory().regions.get(code)
    return region.name if region else code


def code_label(kind: str, code: str | None) -> str:
    """A code the operator meets (a reason, role, event ...) in the request's language."""
    if not code:
        return "-"
    label, detail = vocabulary.english(kind, code)
    return f"{t(label)}: {detail}" if detail else t(label)


def template_context() -> dict[str, Any]:
    return {"t": t, "csrf_token": sessions.csrf_token, "can": roles.can,
            "user": g.get("console_user"), "lang": g.get("lang", "id"),
            "local_time": local_time, "age": age, "category_name": category_name,
            "status_label": status_label, "region_name": region_name, "now": utcnow(),
            "statuses": lifecycle.STATUSES, "R": roles,
            "label": code_label, "role_name": lambda role: code_label("role", role)}


# Error pages in the console's layout: a title and a sentence per status, never a raw reason.
ERROR_TEXTS = {
    400: ("Bad request",
          "The request could not be understood. Check what you typed and try again."),
    403: ("Not allowed", "Your role does not allow this page or action."),
    404: ("Not found", "There is no such page, or it is not yours to see."),
    500: ("Something went wrong", "The error was recorded. Try again in a moment."),
}


def error_page(code: int) -> tuple[str, int]:
    """Render an HTTP error inside the console's layout, in the operator's language."""
    if "lang" not in g:  # the URL matched no console view: before_request did not run
        lang = cookie.get("lang") or services().config.console.language
        g.lang = lang if lang in i18n.LANGUAGES else "id"
        g.console_user = None
    title, text = ERROR_TEXTS.get(code, ERROR_TEXTS[500] if code >= 500 else ERROR_TEXTS[400])
    return render_template("console/error.html", code=code, title=title, text=text,
                           **template_context()), code
