"""The console's blueprint: request plumbing on a parent, one child blueprint per noun."""

from __future__ import annotations

from flask import Blueprint

from sms_gateway.console import (
    views_admin,
    views_agencies,
    views_auth,
    views_dashboard,
    views_logs,
    views_review,
    views_settings,
    views_tickets,
    web,
)

bp = Blueprint("console", __name__, url_prefix="/console")
bp.before_request(web.before_request)
bp.after_request(web.after_request)
bp.context_processor(web.template_context)
for child in (views_auth.bp, views_review.bp, views_tickets.bp, views_dashboard.bp,
              views_logs.bp, views_admin.bp, views_agencies.bp, views_settings.bp):
    bp.register_blueprint(child)
