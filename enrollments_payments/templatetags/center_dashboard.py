"""``{% center_dashboard %}``: today's figures above the admin index's model list.

``?season=<id>`` picks the season of the chart (the picker above it); by default it is the
season running today. An id that names no season shows the default, with a note."""

from __future__ import annotations

from datetime import date

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from courses.models import Season
from enrollments_payments.dashboard import (
    dashboard_figures,
    season_choices,
    weekly_chart_narrow_svg,
    weekly_chart_svg,
)

register = template.Library()


def _picked_season(request) -> tuple[Season | None, bool]:
    """The season asked for by ``?season=``, and whether the parameter named none."""
    raw = (request.GET.get("season", "") if request is not None else "").strip()
    if not raw:
        return None, False
    if not (raw.isascii() and raw.isdigit() and len(raw) < 19):
        return None, True
    season = Season.objects.filter(pk=int(raw)).first()
    return season, season is None


@register.inclusion_tag("admin/dashboard.html", takes_context=True)
def center_dashboard(context) -> dict:
    picked, unknown = _picked_season(context.get("request"))
    figures = dashboard_figures(season=picked)
    today = date.fromisoformat(figures["date"])
    shown = figures["season"]
    title = _("Weekly attendance rate")
    weeks = figures["weekly_attendance"]
    return {
        "figures": figures,
        "seasons": season_choices(today=today, selected=Season(pk=shown["id"]) if shown else None),
        "unknown_season": unknown,
        # Built from numbers and escaped text only (dashboard.weekly_chart_svg).
        "chart": mark_safe(weekly_chart_svg(weeks, title=title)),  # noqa: S308
        "chart_narrow": mark_safe(weekly_chart_narrow_svg(weeks, title=title)),  # noqa: S308
    }
