"""``{% center_dashboard %}``: today's figures above the admin index's model list."""

from __future__ import annotations

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from enrollments_payments.dashboard import dashboard_figures, weekly_chart_svg

register = template.Library()


@register.inclusion_tag("admin/dashboard.html")
def center_dashboard() -> dict:
    figures = dashboard_figures()
    return {
        "figures": figures,
        # Built from numbers and escaped text only (dashboard.weekly_chart_svg).
        "chart": mark_safe(  # noqa: S308
            weekly_chart_svg(figures["weekly_attendance"], title=_("Weekly attendance rate"))
        ),
    }
