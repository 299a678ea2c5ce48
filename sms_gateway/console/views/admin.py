"""Administration: console users, the audit log and the parser's model versions."""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from sms_gateway.agency.records import directory_for
from sms_gateway.console import accounts, audit, roles, sessions, web
from sms_gateway.store import parser_models
from sms_gateway.store.console import ROLES, ConsoleUser

bp = Blueprint("admin", __name__, url_prefix="/admin")


# The add-user form starts at the least privileged role.
ROLE_ORDER = ("viewer", "agency", "operator", "admin")


@bp.get("/users", endpoint="users")
@roles.require(roles.USERS)
def users(error: str | None = None, status: int = 200,
          typed: dict[str, str] | None = None) -> tuple[str, int]:
    with web.services().sessions() as s:
        rows = list(s.execute(select(ConsoleUser).order_by(ConsoleUser.email)).scalars())
    ordered = [r for r in ROLE_ORDER if r in ROLES] + [r for r in ROLES if r not in ROLE_ORDER]
    # What was typed comes back after a failed attempt, except the password.
    return render_template("console/users.html", users=rows, roles=ordered, error=error,
                           typed=typed or {"role": ordered[0]}), status


@bp.post("/users")
@roles.require(roles.USERS)
def create() -> Response | tuple[str, int]:
    form = request.form
    try:
        with web.services().sessions.begin() as s:
            user = accounts.create_user(
                s, form.get("email", ""), form.get("password", ""), form.get("role", ""),
                agency_code=form.get("agency_code", "").strip() or None,
                can_reveal_phone=form.get("can_reveal_phone") == "1",
                directory=directory_for(web.services()))
            audit.record(s, g.console_user, "user.create", target_type="user",
                         target_id=user.email, remote_addr=web.remote_addr(), role=user.role)
    except accounts.AccountError as exc:
        typed = {k: form.get(k, "") for k in ("email", "role", "agency_code", "can_reveal_phone")}
        return users(error=web.t(exc.text).format(**exc.values), status=400, typed=typed)
    flash(web.t("User created"))
    return redirect(url_for("console.admin.users"))


@bp.post("/users/<int:user_id>/deactivate")
@roles.require(roles.USERS)
def deactivate(user_id: int) -> Response:
    with web.services().sessions.begin() as s:
        user = s.get(ConsoleUser, user_id)
        if user is None:
            abort(404)
        user.active = False
        sessions.end_all(s, user.id)
        audit.record(s, g.console_user, "user.deactivate", target_type="user",
                     target_id=user.email, remote_addr=web.remote_addr())
    flash(web.t("User deactivated"))
    return redirect(url_for("console.admin.users"))


@bp.get("/audit", endpoint="audit")
@roles.require(roles.AUDIT)
def audit_log() -> str:
    with web.services().sessions() as s:
        entries = audit.recent(s, action=request.args.get("action") or None)
    return render_template("console/audit.html", entries=entries)


@bp.get("/models", endpoint="models")
@roles.require(roles.MODELS)
def models() -> str:
    with web.services().sessions() as s:
        rows = [{"id": m.id, "active": m.active, "source": m.source, "created_at": m.created_at,
                 "created_by": m.created_by, "figures": m.figures,
                 "note": _model_note(m.source, m.note), "sha": m.sha256[:12],
                 "counts": m.label_counts or {}, "comparison": m.comparison}
                for m in parser_models.versions(s)]
    return render_template("console/models.html", models=rows,
                           target=web.services().config.parser.auto_route_precision)


_WORSE_ON = {"accuracy": "accuracy", "coverage at target precision":
             "coverage at the target precision", "complaints its gate stops":
             "complaints its gate stops"}


def _model_note(source: str, note: str | None) -> str:
    """A model version's note in the console's language: the configured path as it is, a
    retrain's verdict (stored in English for the CLI and the log) translated."""
    if source != "retrain" or not note:
        return note or ""
    seen = re.search(r" \(the active model scores ([\d.]+) on these labels against ([\d.]+)",
                     note)
    if seen:
        return _model_note(source, note[:seen.start()]) + " " + web.t(
            "(the active model scores {held} on these labels against {own} out of fold: it was "
            "probably trained on them, so the comparison favours it)").format(
                held=seen[1], own=seen[2])
    if note.startswith("not worse"):
        return web.t("Not worse on accuracy, coverage at the target precision and complaints "
                     "stopped by a gate")
    if note.startswith("worse on "):
        parts = [web.t(_WORSE_ON.get(p, p)) for p in note.removeprefix("worse on ").split(" and ")]
        return web.t("Worse on {what}").format(what=", ".join(parts))
    held = re.match(r"only (\d+) labels: fewer than (\d+) recent", note)
    if held:
        return web.t("Only {labels} labels: fewer than {needed} recent ones to hold back, so "
                     "the candidate cannot be compared; not promoted").format(
                         labels=held[1], needed=held[2])
    return note


@bp.post("/models/<int:version_id>/activate")
@roles.require(roles.MODELS)
def activate_model(version_id: int) -> Response:
    with web.services().sessions.begin() as s:
        try:
            parser_models.activate(s, version_id)
        except KeyError:
            abort(404)
        audit.record(s, g.console_user, "model.activate", target_type="parser_model",
                     target_id=str(version_id), remote_addr=web.remote_addr())
    flash(web.t("Model version activated"))
    return redirect(url_for("console.admin.models"))
