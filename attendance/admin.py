"""Admin pages of the staff side of attendance; saves go through the services."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.urls import reverse
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from attendance import admin_audit, device_services, shift_services
from attendance import instructor_attendance_services as services
from attendance.models import (
    CHECKED_IN,
    AbsenceAlert,
    AttendanceSource,
    AttendanceSubmission,
    Device,
    DeviceScan,
    InstructorAttendance,
    LectureAttendance,
    StudentInstructorRating,
    SupervisorShift,
)
from core.admin import (
    BaseAdmin,
    ReadOnlyAdmin,
    ServiceAdminMixin,
    call_service,
    decimal_text,
    ltr_html,
    ltr_text,
    time_text,
)
from courses.models import Lecture


@admin.register(Device)
class DeviceAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = ("name", "kind", "location", "is_active", "last_seen_at")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "location")
    fields = ("name", "kind", "location", "is_active", "last_seen_at")
    readonly_fields = ("last_seen_at",)
    actions = ["rotate_keys"]

    def has_delete_permission(self, request, obj=None):
        return False  # retire a device (is_active off): its scans keep their history

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if change:
            call_service(
                device_services.device_update,
                device=obj,
                name=data["name"],
                kind=data["kind"],
                location=data["location"],
                is_active=data["is_active"],
            )
            return
        issued = call_service(
            device_services.device_create,
            name=data["name"],
            kind=data["kind"],
            location=data["location"],
            is_active=data["is_active"],
        )
        obj.pk = issued.device.pk
        self._show_key(request, issued)

    def _show_key(self, request, issued) -> None:
        messages.warning(
            request,
            _("The key of %(device)s, shown only this once: %(key)s")
            % {"device": issued.device.name, "key": ltr_text(issued.key)},
        )

    @admin.action(description=_("Rotate the key of the selected devices"))
    def rotate_keys(self, request, queryset):
        for device in queryset:
            self._show_key(request, device_services.device_rotate_key(device=device))


@admin.register(SupervisorShift)
class SupervisorShiftAdmin(ServiceAdminMixin, BaseAdmin):
    list_display = ("supervisor", "weekday", "start_time", "end_time", "is_active")
    list_filter = ("weekday", "is_active")
    list_select_related = ("supervisor__user",)
    autocomplete_fields = ("supervisor",)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        fields = {k: data[k] for k in ("supervisor", "weekday", "start_time", "end_time")}
        if change:
            call_service(
                shift_services.supervisor_shift_update,
                shift=obj,
                is_active=data["is_active"],
                **fields,
            )
        else:
            shift = call_service(
                shift_services.supervisor_shift_create, is_active=data["is_active"], **fields
            )
            obj.pk = shift.pk

    def delete_model(self, request, obj):
        call_service(shift_services.supervisor_shift_delete, shift=obj)


def _clock_text(value, *, day) -> str:
    """A check-in or check-out in Cairo time: ``16:53`` on the session's day (the date is
    its own column), the full date and time otherwise."""
    text = admin_audit.cairo_text(value)
    if text.startswith(f"{day:%Y-%m-%d} "):
        text = text[11:]
    return ltr_html(text) or "—"


class InstructorDayForm(forms.ModelForm):
    """The admin's rating of a session's work (1–10) and a note."""

    rating = forms.TypedChoiceField(
        label=_("rating"),
        choices=[("", "—"), *((n, str(n)) for n in range(1, 11))],
        coerce=int,
        help_text=_("From 1 to 10; only a session the instructor attended is rated."),
    )

    class Meta:
        model = InstructorAttendance
        fields = ("rating", "notes")
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}


@admin.register(InstructorAttendance)
class InstructorAttendanceAdmin(ServiceAdminMixin, BaseAdmin):
    """Rows are made by the weekly job and changed by check-in/out and absence (actions,
    the device scan); a session's page rates its work through
    ``instructor_attendance_rate``."""

    form = InstructorDayForm
    empty_value_display = "—"
    list_display = (
        "instructor",
        "date",
        "session",
        "status",
        "check_in_text",
        "check_out_text",
        "check_in_method",
        "rating_link",
    )
    list_filter = ("status", "date", "check_in_method")
    list_select_related = ("instructor__user", "lecture__course", "shift__supervisor__user")
    search_fields = ("instructor__user__first_name", "instructor__user__last_name")
    date_hierarchy = "date"
    actions = ["check_in_now", "check_out_now", "mark_absent"]
    fields = (
        "instructor",
        "date",
        "session",
        "status",
        "check_in_text",
        "check_out_text",
        "check_in_method",
        "rated_by",
        "rating",
        "notes",
    )
    readonly_fields = (
        "instructor",
        "date",
        "session",
        "status",
        "check_in_text",
        "check_out_text",
        "check_in_method",
        "rated_by",
    )

    class Media:
        css = {"all": ("attendance/admin.css",)}

    def has_add_permission(self, request):
        return False  # the weekly job plans the sessions

    def has_delete_permission(self, request, obj=None):
        return False  # a session is history: mark it absent instead

    def save_model(self, request, obj, form, change):
        call_service(
            services.instructor_attendance_rate,
            row=InstructorAttendance.objects.get(pk=obj.pk),
            actor=request.user,
            rating=form.cleaned_data["rating"],
            notes=form.cleaned_data["notes"],
        )

    @admin.display(description=_("checked in at"), ordering="check_in_at")
    def check_in_text(self, row) -> str:
        return _clock_text(row.check_in_at, day=row.date)

    @admin.display(description=_("checked out at"), ordering="check_out_at")
    def check_out_text(self, row) -> str:
        return _clock_text(row.check_out_at, day=row.date)

    @admin.display(description=_("rating"), ordering="rating")
    def rating_link(self, row):
        if row.status not in CHECKED_IN:
            return "—"
        url = reverse("admin:attendance_instructorattendance_change", args=[row.pk])
        text = str(row.rating) if row.rating is not None else _("Rate")
        return format_html('<a href="{}">{}</a>', url, text)

    @admin.display(description=_("session"))
    def session(self, row) -> str:
        if row.lecture_id is not None:
            lecture = row.lecture
            return format_html(
                '<bdi>{}</bdi> <bdi dir="ltr" class="clock">{}</bdi>',
                lecture.course.name,
                time_text(lecture.start_time),
            )
        shift = row.shift
        return format_html(
            '{} <bdi dir="ltr" class="clock">{}–{}</bdi>',
            _("Supervision"),
            time_text(shift.start_time),
            time_text(shift.end_time),
        )

    def _each(self, request, queryset, service) -> None:
        done = 0
        for row in queryset:
            try:
                call_service(service, row=row, actor=request.user)
                done += 1
            except Exception as exc:  # a refusal for one row is reported, the rest go on
                self.message_user(request, f"{row}: {getattr(exc, 'errors', exc)}", messages.ERROR)
        if done:
            self.message_user(request, _("%(count)d sessions updated.") % {"count": done})

    @admin.action(description=_("Check in now"))
    def check_in_now(self, request, queryset):
        self._each(request, queryset, services.instructor_attendance_check_in)

    @admin.action(description=_("Check out now"))
    def check_out_now(self, request, queryset):
        self._each(request, queryset, services.instructor_attendance_check_out)

    @admin.action(description=_("Mark absent"))
    def mark_absent(self, request, queryset):
        self._each(request, queryset, services.instructor_attendance_mark_absent)


@admin.register(DeviceScan)
class DeviceScanAdmin(ReadOnlyAdmin):
    list_display = ("scanned_at", "device", "instructor", "fingerprint_id", "outcome")
    list_filter = ("outcome", "device")
    list_select_related = ("device", "instructor__user")
    search_fields = ("fingerprint_id",)


# --- Participants' attendance: read-only here. Attendance is taken through the API's
# submission service (attendance.submission), whose rules, audit and broadcast an admin
# form would bypass; admins submit through the API at any time.


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
        "marked_by_text",
        "marked_at_text",
    )
    list_filter = (PresenceFilter, "source")
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

    @admin.display(description=_("marked by"))
    def marked_by_text(self, obj) -> str:
        return obj.marked_by.get_full_name() if obj.marked_by_id else "—"

    @admin.display(description=_("marked at"), ordering="marked_at")
    def marked_at_text(self, obj) -> str:
        return ltr_html(admin_audit.cairo_text(obj.marked_at)) or "—"


@admin.register(AbsenceAlert)
class AbsenceAlertAdmin(ReadOnlyAdmin):
    """Which absences were announced, when (§6.6). Made only by attendance.absence_alerts:
    the row is the once-only claim, so it is never edited here."""

    list_display = ("alerted_at", "lecture_text", "participant_text")
    list_select_related = (
        "attendance__lecture__course",
        "attendance__child",
        "attendance__student__user",
    )
    search_fields = (
        "attendance__child__code",
        "attendance__student__code",
        "attendance__lecture__course__name",
    )
    raw_id_fields = ("attendance",)
    date_hierarchy = "alerted_at"

    @admin.display(description=_("lecture"))
    def lecture_text(self, obj) -> str:
        return str(obj.attendance.lecture)

    @admin.display(description=_("participant"))
    def participant_text(self, obj) -> str:
        return str(obj.attendance.participant)


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


@admin.register(StudentInstructorRating)
class StudentInstructorRatingAdmin(ReadOnlyAdmin):
    list_display = ("instructor", "course", "rating", "rater", "updated_at")
    list_select_related = ("instructor__user", "course", "rater")
    list_filter = ("rating",)
