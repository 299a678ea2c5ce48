"""The console's blueprint: request plumbing on a parent, one child blueprint per noun."""

from __future__ import annotations

from flask import Blueprint

from sms_gateway.console import web
from sms_gateway.console.views import (
    admin,
    agencies,
    auth,
    cases,
    dashboard,
    logs,
    review,
    settings,
    tickets,
)

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(web.before_request)
bp.after_request(web.after_request)
bp.context_processor(web.template_context)
for child in (auth.bp, review.bp, tickets.bp, cases.bp, dashboard.bp, logs.bp, admin.bp,
              agencies.bp, settings.bp):
    bp.register_blueprint(child)
