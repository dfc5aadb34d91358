"""The admin site's "Reports" page (SPEC §6.6, §6.7): every report downloads from it.

Three forms on one page — a course (its attendance matrix), a month (the instructors'
attendance; this month in Cairo by default) and a season (finance; the season running
today by default) — each with a CSV and an Excel button. A download is built by the same
function as the API's ``?format=`` answer (``reports.*_file``), so the admin's file and
the API's are the same bytes. A bad choice (an unknown course or season, a month that is
not YYYY-MM) shows the page again with the reason in Arabic, never an error page.

The page is staff only like every admin page (``AdminSite.admin_view``); its URL is
added by the course admin (``enrollments_payments.admin``), whose app owns the reports.
"""

from __future__ import annotations

from datetime import date, datetime

from django import forms
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from courses import rules as course_rules
from courses.models import Course, Season
from enrollments_payments import reports
from enrollments_payments.dashboard import current_season

# The downloads of exports.DOWNLOADS with the names staff know them by.
FORMAT_CHOICES = [("csv", "CSV"), ("xlsx", "Excel")]


class MonthInput(forms.TextInput):
    """The browser's month picker; its value (and what a person types) is YYYY-MM."""

    input_type = "month"


class ReportForm(forms.Form):
    """One report's choice and the file format; ``download()`` once valid."""

    report: str
    title = ""
    format = forms.ChoiceField(
        choices=FORMAT_CHOICES,
        error_messages={
            "required": _("Choose CSV or Excel."),
            "invalid_choice": _("Choose CSV or Excel."),
        },
    )

    def download(self) -> HttpResponse:
        raise NotImplementedError


class CourseChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Course) -> str:
        return f"{obj.name} — {obj.season.name}"


class CourseReportForm(ReportForm):
    report = "course"
    title = _("Course attendance")
    course = CourseChoice(
        label=_("Course"),
        queryset=Course.objects.select_related("season").order_by(
            "-season__start_date", "name", "pk"
        ),
        error_messages={
            "required": _("Choose a course."),
            "invalid_choice": _("This course does not exist; choose one from the list."),
        },
    )

    def download(self) -> HttpResponse:
        data = self.cleaned_data
        return reports.course_attendance_file(course=data["course"], fmt=data["format"])


class MonthReportForm(ReportForm):
    report = "instructors"
    title = _("Instructor attendance of a month")
    month = forms.CharField(
        label=_("Month (YYYY-MM)"),
        widget=MonthInput(attrs={"dir": "ltr", "placeholder": "2026-11"}),
        error_messages={"required": _("Choose a month.")},
    )

    def clean_month(self) -> date:
        first, last = course_rules.MIN_DATE, course_rules.MAX_DATE
        try:
            month = datetime.strptime(self.cleaned_data["month"].strip(), "%Y-%m").date()
        except ValueError:
            month = None
        if month is None or not first <= month <= last:
            raise forms.ValidationError(
                _("Give a month as YYYY-MM from %(first)s to %(last)s.")
                % {"first": f"{first:%Y-%m}", "last": f"{last:%Y-%m}"}
            )
        return month

    def download(self) -> HttpResponse:
        data = self.cleaned_data
        return reports.instructor_attendance_file(month=data["month"], fmt=data["format"])


class SeasonReportForm(ReportForm):
    report = "finance"
    title = _("Finance of a season")
    season = forms.ModelChoiceField(
        label=_("Season"),
        queryset=Season.objects.order_by("-start_date", "pk"),
        error_messages={
            "required": _("Choose a season."),
            "invalid_choice": _("This season does not exist; choose one from the list."),
        },
    )

    def download(self) -> HttpResponse:
        data = self.cleaned_data
        return reports.finance_file(season=data["season"], fmt=data["format"])


FORMS: dict[str, type[ReportForm]] = {
    form.report: form for form in (CourseReportForm, MonthReportForm, SeasonReportForm)
}


def _blank_forms(today: date) -> dict[str, ReportForm]:
    season = current_season(today)
    return {
        "course": CourseReportForm(),
        "instructors": MonthReportForm(initial={"month": f"{today:%Y-%m}"}),
        "finance": SeasonReportForm(initial={"season": season.pk if season else None}),
    }


def reports_view(request: HttpRequest, *, admin_site, today: date | None = None) -> HttpResponse:
    """GET without ``report``: the page. GET with ``report`` and its fields: the file, or
    the page again with that form's errors."""
    forms_by_report = _blank_forms(today or course_rules.center_today())
    chosen = request.GET.get("report")
    unknown = chosen is not None and chosen not in FORMS
    if chosen in FORMS:
        form = FORMS[chosen](request.GET)
        if form.is_valid():
            return form.download()
        forms_by_report[chosen] = form
    context = {
        **admin_site.each_context(request),
        "title": _("Reports"),
        "report_forms": list(forms_by_report.values()),
        "unknown_report": unknown,
        "format_choices": FORMAT_CHOICES,
    }
    return TemplateResponse(request, "admin/reports.html", context)
