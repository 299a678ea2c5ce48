"""The dashboard: volumes, categories, regions, the review queue and agencies' deadlines."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, render_template

from sms_gateway.console import case_queries, charts, queue, roles, stats, web
from sms_gateway.store.db import utcnow

bp = Blueprint("dashboard", __name__)
DAYS = 30
WINDOW = timedelta(days=90)


@bp.get("/dashboard", endpoint="index")
@roles.require(roles.DASHBOARD)
def index() -> str:
    svc = web.services()
    now = utcnow()
    since = now - WINDOW
    with svc.sessions() as s:
        q = queue.stats(s)
        messages = stats.messages_per_day(s, days=DAYS, now=now)
        opened = stats.tickets_per_day(s, days=DAYS, now=now)
        by_category = stats.by_category(s, since=since)
        provinces = stats.by_region(s, since=since, depth=1)
        kabkota = stats.by_region(s, since=since, depth=2)
        compliance = stats.compliance(s, since=since, now=now)
        largest_cases = case_queries.largest_open(s)
        agency_ratings = stats.ratings(s, since=since)
    t = web.t
    figures = {
        "messages": charts.columns(messages, t("Messages per day")),
        "tickets": charts.columns(opened, t("Tickets per day")),
        "categories": charts.bars([(web.category_name(c), n) for c, n in by_category],
                                  t("Tickets by category")),
        "provinces": charts.bars([(web.region_name(c), n) for c, n in provinces],
                                 t("Tickets by province")),
        "kabkota": charts.bars([(web.region_name(c), n) for c, n in kabkota],
                               t("Tickets by kabupaten/kota")),
        "compliance": charts.stacked(
            [(c.agency_name, (c.on_time, c.late, c.running)) for c in compliance],
            ("on-time", "late", "running"), t("Agency deadline compliance"),
            width=1100, label_width=420),
    }
    totals = {"messages": sum(n for _, n in messages), "tickets": sum(n for _, n in opened)}
    return render_template("console/dashboard.html", figures=figures, queue_stats=q,
                           oldest_age=q.oldest_age(now), totals=totals,
                           has={"categories": bool(by_category), "provinces": bool(provinces),
                                "kabkota": bool(kabkota), "compliance": bool(compliance)},
                           compliance=compliance, largest_cases=largest_cases,
                           agency_ratings=agency_ratings)
