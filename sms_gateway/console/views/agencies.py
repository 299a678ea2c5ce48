"""Administration of agencies: the stored directory, its channels and health, API tokens."""

from __future__ import annotations

from flask import Blueprint, abort, flash, g, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from sms_gateway.agency.records import directory_for, ensure_agency, sync_agencies
from sms_gateway.agency.tokens import issue_token, revoke_tokens
from sms_gateway.console import agency_directory, audit, roles, web
from sms_gateway.store.agency import AgencyRecord

bp = Blueprint("agencies", __name__, url_prefix="/admin/agencies")


def _page() -> int:
    try:
        return max(int(request.args.get("page", 1)), 1)
    except ValueError:
        return 1


@bp.get("", endpoint="index")
@roles.require(roles.AGENCIES)
def index() -> str:
    svc = web.services()
    size = svc.config.console.page_size
    q = request.args.get("q", "").strip()[:100]
    level = request.args.get("level", "")
    level = level if level in agency_directory.LEVELS else ""
    troubled = request.args.get("troubled") == "1"
    page = _page()
    with svc.sessions() as s:
        rows, total = agency_directory.search(s, q=q, level=level, troubled=troubled,
                                              page=page, page_size=size)
        summary = agency_directory.summary(s)
    pages = max((total + size - 1) // size, 1)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("console/agencies.html", rows=rows, total=total, page=page,
                           pages=pages, args=args, q=q, level=level, troubled=troubled,
                           levels=agency_directory.LEVELS, summary=summary)


@bp.post("/sync", endpoint="sync")
@roles.require(roles.AGENCIES)
def sync() -> Response:
    svc = web.services()
    with svc.sessions.begin() as s:
        count = sync_agencies(s, directory_for(svc))
        audit.record(s, g.console_user, "agency.sync", remote_addr=web.remote_addr(),
                     count=count)
    flash(f"{web.t('Agencies synced from the routing directory')}: {count}")
    return redirect(url_for("console.agencies.index"))


def _show(code: str, *, new_token: str | None = None, status: int = 200) -> tuple[str, int]:
    with web.services().sessions() as s:
        agency = s.get(AgencyRecord, code)
        if agency is None:
            abort(404)
        tokens = agency_directory.tokens_of(s, code)
        alerts = agency_directory.alerts_of(s, code)
        channels = agency_directory.channel_views(agency)
    return render_template("console/agency.html", agency=agency, tokens=tokens,
                           alerts=alerts, channels=channels, new_token=new_token), status


NEW_TOKEN = "new_token"  # noqa: S105 - a session key name, not a secret: the token is stored encrypted under it


@bp.get("/<code>", endpoint="show")
@roles.require(roles.AGENCIES)
def show(code: str) -> tuple[str, int]:
    held = session.pop(NEW_TOKEN, None)
    if isinstance(held, dict) and held.get("code") == code:
        return _show(code, new_token=web.services().vault.decrypt(str(held["enc"])))
    return _show(code)


@bp.post("/<code>/tokens", endpoint="issue")
@roles.require(roles.AGENCIES)
def issue(code: str) -> Response:
    svc = web.services()
    label = request.form.get("label", "").strip()[:80]
    with svc.sessions.begin() as s:
        if ensure_agency(s, directory_for(svc), code) is None:
            abort(404)
        token = issue_token(s, code, label)
        audit.record(s, g.console_user, "agency.token_issue", target_type="agency",
                     target_id=code, remote_addr=web.remote_addr(), prefix=token[:10],
                     label=label)
    # Post-redirect-get, so a refresh issues nothing: the token waits in the cookie session
    # encrypted with the privacy key (never readable from the cookie) and is shown once.
    session[NEW_TOKEN] = {"code": code, "enc": svc.vault.encrypt(token)}
    return redirect(url_for("console.agencies.show", code=code), 303)


@bp.post("/<code>/tokens/<int:token_id>/revoke", endpoint="revoke")
@roles.require(roles.AGENCIES)
def revoke(code: str, token_id: int) -> Response:
    with web.services().sessions.begin() as s:
        token = agency_directory.revoke_one(s, code, token_id)
        if token is None:
            abort(404)
        audit.record(s, g.console_user, "agency.token_revoke", target_type="agency",
                     target_id=code, remote_addr=web.remote_addr(), prefix=token.prefix,
                     token_id=token.id)
    flash(web.t("Token revoked"))
    return redirect(url_for("console.agencies.show", code=code))


@bp.post("/<code>/tokens/revoke-all", endpoint="revoke_all")
@roles.require(roles.AGENCIES)
def revoke_all(code: str) -> Response:
    with web.services().sessions.begin() as s:
        if s.get(AgencyRecord, code) is None:
            abort(404)
        count = revoke_tokens(s, code)
        audit.record(s, g.console_user, "agency.token_revoke_all", target_type="agency",
                     target_id=code, remote_addr=web.remote_addr(), count=count)
    flash(f"{web.t('Tokens revoked')}: {count}")
    return redirect(url_for("console.agencies.show", code=code))
