"""Admin pages of the staff side of attendance; saves go through the services. The
participants' attendance pages (a lecture's rows, the audit) are in ``admin_marks``."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from attendance import (
    admin_audit,
    admin_marks,  # noqa: F401 - registers the participants' pages
    device_services,
    shift_services,
)
from attendance import instructor_attendance_services as services
from attendance.models import (
    CHECKED_IN,
    AbsenceAlert,
    Device,
    DeviceScan,
    InstructorAttendance,
    StudentInstructorRating,
    SupervisorShift,
)
from core.admin import (
    BaseAdmin,
    ReadOnlyAdmin,
    ServiceAdminMixin,
    call_service,
    ltr_html,
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
    # Staff rate the session; everything else on the page is the record as it happened.
    readonly_fields = tuple(name for name in fields if name not in {"rating", "notes"})

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


@admin.register(StudentInstructorRating)
class StudentInstructorRatingAdmin(ReadOnlyAdmin):
    list_display = ("instructor", "course", "rating", "rater", "updated_at")
    list_select_related = ("instructor__user", "course", "rater")
    list_filter = ("rating",)
