"""Signing in and out, and choosing the language."""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import session as cookie
from werkzeug.wrappers import Response

from sms_gateway.console import accounts, audit, i18n, roles, sessions, web
from sms_gateway.store.db import utcnow

bp = Blueprint("auth", __name__)


@bp.get("/")
def home() -> Response:
    user = g.console_user
    if user is None:
        return redirect(url_for("console.auth.login"))
    return redirect(url_for(roles.HOME.get(user.role, "console.auth.login")))


@bp.route("/login", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    error = web.t("Your session has ended. Please sign in again.") \
        if g.get("session_expired") else None
    if request.method == "GET":
        return render_template("console/login.html", error=error,
                               next=request.args.get("next", ""))
    email = request.form.get("email", "")
    password = request.form.get("password", "")
    config = web.services().config.console
    addr = web.remote_addr()
    with web.services().sessions.begin() as s:
        if accounts.is_throttled(s, config, email, addr):
            # Audited, not counted: only checked passwords lengthen the wait.
            audit.record(s, None, "login.throttled", remote_addr=addr,
                         email=accounts.normalise_email(email)[:254])
            throttled = True
        else:
            throttled = False
            user = accounts.find_user(s, email)
            ok = accounts.check_password(user, password)
            accounts.record_attempt(s, email, addr, ok=ok,
                                    window_minutes=config.login_window_minutes)
            if ok and user is not None:
                user.last_login_at = utcnow()
                token = sessions.start(s, user, config)
                audit.record(s, user, "login", remote_addr=addr)
    if throttled:
        return render_template("console/login.html",
                               error=web.t("Too many failed attempts. Try again later."),
                               next=request.form.get("next", "")), 429
    if not ok or user is None:
        return render_template("console/login.html",
                               error=web.t("Wrong e-mail address or password."),
                               next=request.form.get("next", "")), 401
    cookie.clear()  # a fresh cookie session: no fixation of anything set before login
    cookie.permanent = True
    cookie["sid"] = token
    if user.language:
        cookie["lang"] = user.language
    sessions.rotate_csrf()
    home = url_for(roles.HOME.get(user.role, "console.auth.home"))
    return redirect(web.safe_next(request.form.get("next"), home))


@bp.post("/logout")
def logout() -> Response:
    token = cookie.get("sid")
    if token:
        with web.services().sessions.begin() as s:
            sessions.end(s, token)
            if g.console_user is not None:
                audit.record(s, g.console_user, "logout", remote_addr=web.remote_addr())
    cookie.clear()
    return redirect(url_for("console.auth.login"))


@bp.post("/language")
def language() -> Response:
    lang = request.form.get("lang", "")
    if lang in i18n.LANGUAGES:
        cookie["lang"] = lang
        if g.console_user is not None:
            with web.services().sessions.begin() as s:
                user = s.get(type(g.console_user), g.console_user.id)
                if user is not None:
                    user.language = lang
    return redirect(web.safe_next(request.form.get("next"), url_for("console.auth.home")))
