"""Admin pages of the staff side of attendance; saves go through the services."""

from __future__ import annotations

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from attendance import device_services, shift_services
from attendance import instructor_attendance_services as services
from attendance.models import (
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
from attendance.submission_text import changes_html
from core.admin import (
    BaseAdmin,
    ReadOnlyAdmin,
    ServiceAdminMixin,
    call_service,
    ltr_text,
    refusal_text,
    time_range_text,
)


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
    list_display = ("supervisor", "weekday", "times", "is_active")
    list_filter = ("weekday", "is_active")
    list_select_related = ("supervisor__user",)
    autocomplete_fields = ("supervisor",)

    @admin.display(description=_("time"), ordering="start_time")
    def times(self, obj) -> str:
        return time_range_text(obj.start_time, obj.end_time)

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


@admin.register(InstructorAttendance)
class InstructorAttendanceAdmin(ReadOnlyAdmin):
    list_display = (
        "instructor",
        "date",
        "session",
        "status",
        "check_in_at",
        "check_out_at",
        "check_in_method",
        "rating",
    )
    list_filter = ("status", "date", "check_in_method")
    list_select_related = ("instructor__user", "lecture__course", "shift__supervisor__user")
    search_fields = ("instructor__user__first_name", "instructor__user__last_name")
    date_hierarchy = "date"
    actions = ["check_in_now", "check_out_now", "mark_absent"]

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff and obj is None

    @admin.display(description=_("session"))
    def session(self, row) -> str:
        if row.lecture_id is not None:
            lecture = row.lecture
            times = time_range_text(lecture.start_time, lecture.end_time)
            return f"\u2068{lecture.course.name}\u2069 {times}"
        shift = row.shift
        return f"{_('Supervision')} {time_range_text(shift.start_time, shift.end_time)}"

    def _each(self, request, queryset, service) -> None:
        done = 0
        for row in queryset:
            try:
                call_service(service, row=row, actor=request.user)
                done += 1
            except Exception as exc:  # a refusal for one row is reported, the rest go on
                self.message_user(request, f"{row}: {refusal_text(exc)}", messages.ERROR)
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


@admin.register(LectureAttendance)
class LectureAttendanceAdmin(ReadOnlyAdmin):
    list_display = ("lecture", "participant_text", "present", "rating", "source", "marked_at")
    list_filter = ("present", "source")
    list_select_related = ("lecture__course", "child", "student__user")
    search_fields = ("child__code", "student__code", "lecture__course__name")
    raw_id_fields = ("lecture",)

    @admin.display(description=_("participant"))
    def participant_text(self, obj) -> str:
        return str(obj.participant)


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


def source_label(source: str) -> str:
    return str(AttendanceSource(source).label) if source in AttendanceSource.values else source


class SubmissionSourceFilter(admin.SimpleListFilter):
    title = _("source")
    parameter_name = "source"

    def lookups(self, request, model_admin):
        return AttendanceSource.choices

    def queryset(self, request, queryset):
        return queryset.filter(source=self.value()) if self.value() else queryset


@admin.register(AttendanceSubmission)
class AttendanceSubmissionAdmin(ReadOnlyAdmin):
    list_display = ("lecture", "submitted_by", "at", "source_text", "created", "updated")
    list_filter = (SubmissionSourceFilter,)
    list_select_related = ("lecture__course", "submitted_by")
    raw_id_fields = ("lecture",)
    date_hierarchy = "at"
    fields = ("lecture", "submitted_by", "at", "source_text", "created", "updated", "changes_text")

    @admin.display(description=_("source"), ordering="source")
    def source_text(self, obj) -> str:
        return source_label(obj.source)

    @admin.display(description=_("changes"))
    def changes_text(self, obj):
        return changes_html(obj.changes)


@admin.register(StudentInstructorRating)
class StudentInstructorRatingAdmin(ReadOnlyAdmin):
    list_display = ("instructor", "course", "rating", "rater", "updated_at")
    list_select_related = ("instructor__user", "course", "rater")
    list_filter = ("rating",)
