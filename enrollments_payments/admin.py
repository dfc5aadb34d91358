"""The staff's pages for enrollment requests, enrollments, payments and refunds, and the
attendance report actions on the course and lecture pages.

Everything is written through the services (the rules hold here too: approving for a full
course is refused with a message). Money is never deleted: no delete permission on any of
these models; payments are added through ``payment_record`` and shown read-only elsewhere.
The reports are this app's (``enrollments_payments.reports``), so this module extends the
course and lecture admins of ``courses`` with their actions; ``courses`` knows nothing of
reports.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db import transaction
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.admin import BaseAdmin, ServiceAdminMixin, call_service, decimal_text
from core.errors import DomainError
from courses.admin import CourseAdmin, LectureAdmin
from courses.models import Course, Lecture
from enrollments_payments import payment_services, rules, selectors, services
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    RefundRequest,
)
from enrollments_payments.reports import course_attendance_file


class NoDeleteMixin:
    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(NoDeleteMixin, admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("amount", "method", "reference", "paid_at", "received_by", "status", "void_reason")
    readonly_fields = fields
    verbose_name_plural = _("payments (history)")


class RefundInline(ReadOnlyInline):
    model = RefundRequest
    fields = ("amount", "reason", "status", "requested_by", "processed_by", "processed_at")
    readonly_fields = fields


def _run(modeladmin, request, queryset, decide) -> None:
    """Apply one service to each selected row, each in its own transaction; a refusal is
    reported against its row and never stops the others."""
    done = 0
    for obj in queryset:
        try:
            with transaction.atomic():
                decide(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
    modeladmin.message_user(request, _("%(n)d request(s) processed.") % {"n": done})


@admin.register(EnrollmentRequest)
class EnrollmentRequestAdmin(NoDeleteMixin, BaseAdmin):
    list_display = ("row_id", "course", "participant_name", "status", "created_at", "expires_at")
    list_filter = ("status", "course__season", "course", "created_at", "expires_at")
    list_select_related = ("course", "child", "student__user")
    search_fields = ("course__name", "child__first_name", "child__code", "student__code")
    date_hierarchy = "created_at"
    actions = ("approve", "reject")
    readonly_fields = (
        "course",
        "child",
        "student",
        "note",
        "status",
        "requested_by",
        "expires_at",
        "processed_by",
        "processed_at",
        "rejection_reason",
        "enrollment",
    )

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("participant"))
    def participant_name(self, obj) -> str:
        return str(obj.participant)

    @admin.action(description=_("Approve selected requests"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.enrollment_request_approve(request=obj, actor=request.user),
        )

    @admin.action(description=_("Reject selected requests"))
    def reject(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.enrollment_request_reject(request=obj, actor=request.user),
        )


@admin.register(Enrollment)
class EnrollmentAdmin(NoDeleteMixin, BaseAdmin):
    list_display = (
        "row_id",
        "course",
        "participant_name",
        "status",
        "price_text",
        "paid_text",
        "balance_text",
        "enrolled_at",
    )
    list_filter = ("status", "course__season", "course", "enrolled_at")
    list_select_related = ("course", "child", "student__user")
    search_fields = ("course__name", "child__first_name", "child__code", "student__code")
    date_hierarchy = "enrolled_at"
    inlines = (PaymentInline, RefundInline)
    actions = ("drop",)
    readonly_fields = (
        "course",
        "child",
        "student",
        "status",
        "price",
        "enrolled_at",
        "ended_at",
        "created_by",
        "requested_by",
    )

    def get_queryset(self, request):
        return selectors.with_money(super().get_queryset(request))

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("participant"))
    def participant_name(self, obj) -> str:
        return str(obj.participant)

    @admin.display(description=_("price (EGP)"), ordering="price")
    def price_text(self, obj) -> str:
        return decimal_text(obj.price)

    @admin.display(description=_("paid (EGP)"))
    def paid_text(self, obj) -> str:
        return decimal_text(obj.amount_paid)

    @admin.display(description=_("balance (EGP)"))
    def balance_text(self, obj) -> str:
        return decimal_text(
            rules.balance(
                price=obj.price,
                paid=obj.amount_paid,
                refunded=obj.amount_refunded,
                refunded_in_full=obj.status == EnrollmentStatus.REFUNDED,
            )
        )

    @admin.action(description=_("Drop selected enrollments"))
    def drop(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.enrollment_drop(enrollment=obj, actor=request.user),
        )


class PaymentAdminForm(forms.ModelForm):
    allow_overpayment = forms.BooleanField(
        label=_("more than the balance is intended"),
        required=False,
        help_text=_("Without it a payment larger than the balance is refused."),
    )

    class Meta:
        model = Payment
        fields = ("enrollment", "amount", "method", "reference", "paid_at")


@admin.register(Payment)
class PaymentAdmin(NoDeleteMixin, ServiceAdminMixin, BaseAdmin):
    """Payments are added here (through ``payment_record``) and never changed afterwards;
    voiding, with a reason, is on the API."""

    form = PaymentAdminForm

    list_display = ("row_id", "enrollment", "amount_text", "method", "status", "paid_at")
    list_filter = ("status", "method", "enrollment__course__season", "paid_at")
    list_select_related = (
        "enrollment__course",
        "enrollment__child",
        "enrollment__student__user",
    )
    search_fields = ("reference", "enrollment__course__name", "enrollment__child__code")
    date_hierarchy = "paid_at"
    fields = ("enrollment", "amount", "method", "reference", "paid_at", "allow_overpayment")
    autocomplete_fields = ()
    raw_id_fields = ("enrollment",)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        # Whether an overpayment is intended is asked when a payment is recorded, not kept.
        fields = super().get_fields(request, obj)
        return fields if obj is None else [f for f in fields if f != "allow_overpayment"]

    @admin.display(description=_("amount (EGP)"), ordering="amount")
    def amount_text(self, obj) -> str:
        return decimal_text(obj.amount)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        payment = call_service(
            payment_services.payment_record,
            enrollment=data["enrollment"],
            actor=request.user,
            data=payment_services.PaymentInput(
                amount=data["amount"],
                method=data["method"],
                reference=data.get("reference") or "",
                paid_at=data.get("paid_at"),
                allow_overpayment=bool(data.get("allow_overpayment")),
            ),
        )
        obj.pk = payment.pk


@admin.register(RefundRequest)
class RefundRequestAdmin(NoDeleteMixin, BaseAdmin):
    list_display = ("row_id", "enrollment", "amount_text", "status", "created_at")
    list_filter = ("status", "enrollment__course__season", "created_at")
    list_select_related = (
        "enrollment__course",
        "enrollment__child",
        "enrollment__student__user",
    )
    actions = ("approve", "reject")
    readonly_fields = (
        "enrollment",
        "amount",
        "reason",
        "status",
        "requested_by",
        "processed_by",
        "processed_at",
        "decision_note",
    )

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("amount (EGP)"), ordering="amount")
    def amount_text(self, obj) -> str:
        return decimal_text(obj.amount)

    @admin.action(description=_("Approve selected refunds"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: payment_services.refund_request_approve(refund=obj, actor=request.user),
        )

    @admin.action(description=_("Reject selected refunds"))
    def reject(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: payment_services.refund_request_reject(refund=obj, actor=request.user),
        )


# --- the attendance report on the course and lecture pages ------------------------------


class CourseReportAdmin(CourseAdmin):
    actions = (*CourseAdmin.actions, "attendance_report_csv", "attendance_report_xlsx")

    @admin.action(description=_("Attendance report (CSV)"))
    def attendance_report_csv(self, request, queryset):
        return self._report(request, queryset, "csv")

    @admin.action(description=_("Attendance report (Excel)"))
    def attendance_report_xlsx(self, request, queryset):
        return self._report(request, queryset, "xlsx")

    def _report(self, request, queryset, fmt: str):
        """The file of GET /api/reports/courses/{id}/attendance/?format=… (one course)."""
        courses = list(queryset[:2])
        if len(courses) != 1:
            self.message_user(
                request, gettext("Select one course for its attendance report."), messages.ERROR
            )
            return None
        return course_attendance_file(course=courses[0], fmt=fmt)


class LectureReportAdmin(LectureAdmin):
    actions = (*LectureAdmin.actions, "export_attendance_csv", "export_attendance_xlsx")

    @admin.action(description=_("Export attendance (CSV)"))
    def export_attendance_csv(self, request, queryset):
        return self._export(request, queryset, "csv")

    @admin.action(description=_("Export attendance (Excel)"))
    def export_attendance_xlsx(self, request, queryset):
        return self._export(request, queryset, "xlsx")

    def _export(self, request, queryset, fmt: str):
        """The course report's file, limited to the selected lectures (of one course)."""
        lectures = list(queryset.select_related("course"))
        courses = {lecture.course_id: lecture.course for lecture in lectures}
        if len(courses) != 1:
            self.message_user(
                request, gettext("Select lectures of one course to export."), messages.ERROR
            )
            return None
        (course,) = courses.values()
        return course_attendance_file(
            course=course, fmt=fmt, lecture_ids=[lecture.pk for lecture in lectures]
        )


admin.site.unregister(Course)
admin.site.register(Course, CourseReportAdmin)
admin.site.unregister(Lecture)
admin.site.register(Lecture, LectureReportAdmin)
