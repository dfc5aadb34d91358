"""The finance report (SPEC §6.6): per course of a season, and per online course, what was
billed, paid and refunded, and what is still owed.

An online course belongs to no season: its row counts the enrollments approved between
the season's first and last day (Cairo time), so a season's report shows the online sales
made while it ran. Queries: one for the courses, one for the online courses, whatever the
number of rows.
"""

from __future__ import annotations

from datetime import time, timedelta
from decimal import Decimal

from django.db.models import Exists, IntegerField, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from courses.models import Course, Season
from courses.rules import local_datetime
from enrollments_payments import rules
from enrollments_payments.models import (
    Enrollment,
    EnrollmentStatus,
    Payment,
    PaymentStatus,
    RefundRequest,
    RefundStatus,
)
from enrollments_payments.selectors import MONEY, _scalar
from online_courses.models import OnlineCourse

FIGURES = ("active_enrollments", "billed", "paid", "refunded")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _with_money(qs: QuerySet, owner: str, since=None, until=None) -> QuerySet:
    """Annotate the money columns of each row of ``qs`` (courses or online courses, named
    ``owner`` on an enrollment), counting the enrollments made in [``since``, ``until``)
    when given. An enrollment ended by a full refund owes nothing (rules.balance): its
    price is not billed, and its payments and refund cancel out."""

    def mine(prefix: str = "") -> Q:
        q = Q(**{f"{prefix}{owner}": OuterRef("pk")})
        if since is not None:
            q &= Q(**{f"{prefix}enrolled_at__gte": since, f"{prefix}enrolled_at__lt": until})
        return q

    billed_qs = Enrollment.objects.filter(mine()).exclude(status=EnrollmentStatus.REFUNDED)
    active_qs = Enrollment.objects.filter(mine(), status=EnrollmentStatus.ACTIVE)
    paid_qs = Payment.objects.filter(mine("enrollment__"), status=PaymentStatus.PAID)
    refunded_qs = RefundRequest.objects.filter(mine("enrollment__"), status=RefundStatus.APPROVED)
    zero = Value(Decimal("0.00"), output_field=MONEY)
    return qs.annotate(
        active_enrollments=Coalesce(_scalar(active_qs, "COUNT", "pk", IntegerField()), 0),
        billed=Coalesce(_scalar(billed_qs, "SUM", "price", MONEY), zero),
        paid=Coalesce(_scalar(paid_qs, "SUM", "amount", MONEY), zero),
        refunded=Coalesce(_scalar(refunded_qs, "SUM", "amount", MONEY), zero),
    )


def _rows(values, key: str, totals: dict) -> list[dict]:
    rows = []
    for pk, name, active, billed, paid, refunded in values:
        totals["active_enrollments"] += active
        totals["billed"] += billed
        totals["paid"] += paid
        totals["refunded"] += refunded
        rows.append(
            {
                key: {"id": pk, "name": name},
                "active_enrollments": active,
                "billed": _money(billed),
                "paid": _money(paid),
                "refunded": _money(refunded),
                "outstanding": _money(rules.balance(price=billed, paid=paid, refunded=refunded)),
            }
        )
    return rows


def finance_report(*, season: Season) -> dict:
    """Per course of the season: active enrollments; billed (the price of every enrollment
    not ended by a full refund), paid (payments not voided), refunded (approved refunds) and
    outstanding = billed − paid + refunded, i.e. the sum of the enrollments' balances. The
    same per online course sold during the season (``online_courses``); the totals add
    both."""
    totals = {"active_enrollments": 0, "billed": Decimal(0), "paid": Decimal(0)}
    totals["refunded"] = Decimal(0)
    courses = (
        _with_money(Course.objects.filter(season=season), "course")
        .order_by("name", "pk")
        .values_list("pk", "name", *FIGURES)
    )
    first = local_datetime(season.start_date, time(0))
    after = local_datetime(season.end_date + timedelta(days=1), time(0))
    sold = Enrollment.objects.filter(
        online_course=OuterRef("pk"), enrolled_at__gte=first, enrolled_at__lt=after
    )
    online = (
        _with_money(OnlineCourse.objects.all(), "online_course", first, after)
        .filter(Exists(sold))
        .order_by("title", "pk")
        .values_list("pk", "title", *FIGURES)
    )
    course_rows = _rows(courses, "course", totals)
    online_rows = _rows(online, "online_course", totals)
    return {
        "season": {"id": season.pk, "name": season.name},
        "courses": course_rows,
        "online_courses": online_rows,
        "totals": {
            "active_enrollments": totals["active_enrollments"],
            "billed": _money(totals["billed"]),
            "paid": _money(totals["paid"]),
            "refunded": _money(totals["refunded"]),
            "outstanding": _money(
                rules.balance(
                    price=totals["billed"], paid=totals["paid"], refunded=totals["refunded"]
                )
            ),
        },
    }
