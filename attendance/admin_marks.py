"""Admin pages of participants' attendance, read-only: a lecture's rows, and the audit
of the marks (each submission's changed rows by participant name, old ← new in words,
Cairo time). Attendance is taken through the API's submission service
(attendance.submission), whose rules, audit and broadcast an admin form would bypass;
admins submit through the API at any time. ``attendance.admin`` imports this module."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.admin.views.main import ChangeList
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from attendance import admin_audit
from attendance.models import AttendanceSource, AttendanceSubmission, LectureAttendance
from core.admin import ReadOnlyAdmin, decimal_text, ltr_html
from courses.models import Lecture


class SourceFilter(admin.SimpleListFilter):
    """By who wrote the marks, in words (the audit's ``source`` column has no choices)."""

    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return AttendanceSource.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(source=value) if value else queryset


class PresenceFilter(admin.SimpleListFilter):
    title = _("attendance")
    parameter_name = "presence"

    def lookups(self, request, model_admin):
        return (("present", _("Present")), ("absent", _("Absent")), ("unmarked", _("Not marked")))

    def queryset(self, request, queryset):
        value = self.value()
        if value == "unmarked":
            return queryset.filter(present__isnull=True)
        if value in ("present", "absent"):
            return queryset.filter(present=value == "present")
        return queryset


def _filtered_lecture(request) -> Lecture | None:
    """The lecture the page is narrowed to (the lecture page links here with its id)."""
    raw = request.GET.get("lecture__id__exact", "")
    if not (raw.isascii() and raw.isdigit()):
        return None
    return Lecture.objects.select_related("course").filter(pk=int(raw)).first()


class LectureScopedAdmin(ReadOnlyAdmin):
    """A list that, narrowed to one lecture, names it in its title instead of repeating it
    on every row."""

    empty_value_display = "—"

    class Media:
        css = {"all": ("attendance/admin.css",)}

    def get_list_display(self, request):
        shown = super().get_list_display(request)
        if "lecture__id__exact" in request.GET:
            return tuple(name for name in shown if name != "lecture_text")
        return shown

    def get_list_display_links(self, request, list_display):
        return list_display[:1]

    def changelist_view(self, request, extra_context=None):
        lecture = _filtered_lecture(request)
        if lecture is not None:
            extra_context = {**(extra_context or {}), "title": self.lecture_title(lecture)}
        return super().changelist_view(request, extra_context)

    def lecture_title(self, lecture: Lecture) -> str:
        return str(lecture)

    @admin.display(description=_("lecture"), ordering="lecture__date")
    def lecture_text(self, obj) -> str:
        return str(obj.lecture)


@admin.register(LectureAttendance)
class LectureAttendanceAdmin(LectureScopedAdmin):
    list_display = (
        "participant_text",
        "lecture_text",
        "presence",
        "rating_text",
        "notes_text",
        "source",
        "via_text",
        "marked_by_text",
        "marked_at_text",
    )
    list_filter = (PresenceFilter, "source", "via")
    list_select_related = ("lecture__course", "child", "student__user", "marked_by")
    search_fields = (
        "child__code",
        "student__code",
        "child__first_name",
        "student__user__first_name",
        "lecture__course__name",
    )
    fields = (
        "lecture_text",
        "participant_text",
        "presence",
        "rating_text",
        "notes",
        "source",
        "via_text",
        "marked_by_text",
        "marked_at_text",
    )
    readonly_fields = fields

    def lecture_title(self, lecture: Lecture) -> str:
        return _("Attendance of %(lecture)s") % {"lecture": lecture}

    @admin.display(description=_("participant"))
    def participant_text(self, obj) -> str:
        return str(obj.participant)

    @admin.display(description=_("attendance"), ordering="present")
    def presence(self, obj):
        word = admin_audit.presence_word(obj.present)
        state = "unmarked" if obj.present is None else ("present" if obj.present else "absent")
        return format_html('<span class="presence presence-{}">{}</span>', state, word)

    @admin.display(description=_("rating"), ordering="rating")
    def rating_text(self, obj) -> str:
        return decimal_text(obj.rating) or "—"

    @admin.display(description=_("notes"))
    def notes_text(self, obj) -> str:
        return Truncator(obj.notes).chars(60) if obj.notes else "—"

    @admin.display(description=_("recorded by"), ordering="via")
    def via_text(self, obj) -> str:
        # An unmarked row was recorded no way yet, whatever its column's default says.
        return "—" if obj.present is None else admin_audit.via_word(obj.via)

    @admin.display(description=_("marked by"))
    def marked_by_text(self, obj) -> str:
        return obj.marked_by.get_full_name() if obj.marked_by_id else "—"

    @admin.display(description=_("marked at"), ordering="marked_at")
    def marked_at_text(self, obj) -> str:
        return ltr_html(admin_audit.cairo_text(obj.marked_at)) or "—"


class AuditChangeList(ChangeList):
    """Reads the names of every participant the page's submissions changed at once."""

    def get_results(self, request):
        super().get_results(request)
        names = admin_audit.participant_names(self.result_list)
        for submission in self.result_list:
            submission.audit_names = names


@admin.register(AttendanceSubmission)
class AttendanceSubmissionAdmin(LectureScopedAdmin):
    """The audit of the marks (§6.4): who submitted, when (Cairo), and each changed row
    by participant, old ← new — never the stored JSON."""

    list_display = ("at_text", "lecture_text", "submitted_by_text", "source_text", "changes_text")
    list_filter = (SourceFilter,)
    list_select_related = ("lecture__course", "submitted_by")
    date_hierarchy = "at"
    fields = (
        "lecture_text",
        "at_text",
        "submitted_by_text",
        "source_text",
        "counts_text",
        "changes_table",
    )
    readonly_fields = fields

    def get_changelist(self, request, **kwargs):
        return AuditChangeList

    def lecture_title(self, lecture: Lecture) -> str:
        return _("Attendance history of %(lecture)s") % {"lecture": lecture}

    @admin.display(description=_("submitted at"), ordering="at")
    def at_text(self, obj) -> str:
        return ltr_html(admin_audit.cairo_text(obj.at))

    @admin.display(description=_("submitted by"))
    def submitted_by_text(self, obj) -> str:
        return obj.submitted_by.get_full_name() if obj.submitted_by_id else "—"

    @admin.display(description=_("source"))
    def source_text(self, obj) -> str:
        return admin_audit.source_text(obj.source)

    @admin.display(description=_("changes"))
    def changes_text(self, obj):
        names = getattr(obj, "audit_names", None)
        if names is None:
            names = admin_audit.participant_names([obj])
        return admin_audit.changes_summary(obj, names)

    @admin.display(description=_("rows"))
    def counts_text(self, obj) -> str:
        return _("%(updated)d updated, %(created)d added") % {
            "updated": obj.updated,
            "created": obj.created,
        }

    @admin.display(description=_("changes"))
    def changes_table(self, obj):
        return admin_audit.changes_table(obj, admin_audit.participant_names([obj]))
