"""The staff's pages for enrollment requests, enrollments, payments and refunds, the
attendance report actions on the course and lecture pages, and the Reports page
(``enrollments_payments.admin_reports``, at ``admin:reports``).

Everything is written through the services (the rules hold here too: approving for a full
course is refused with a message). Money is never deleted: no delete permission on any of
these models; payments are added through ``payment_record`` and voided, with a reason,
through ``payment_void`` on their own page; rejecting requests asks for the reason the
family is shown. The reports are this app's (``enrollments_payments.reports``), so this
module extends the course and lecture admins of ``courses`` with their actions;
``courses`` knows nothing of reports.
"""

from __future__ import annotations

from decimal import Decimal
from functools import partial

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop, ngettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from core.admin import BaseAdmin, ServiceAdminMixin, ServiceRefused, call_service
from core.display import datetime_text, money_text
from core.errors import DomainError
from courses.admin import CourseAdmin, LectureAdmin
from courses.models import Course, Lecture
from enrollments_payments import admin_reports, payment_services, selectors, services
from enrollments_payments.admin_forms import (
    PaymentAddForm,
    ReasonForm,
    VoidForm,
    balance_of,
    balance_short,
    balance_text,
    enrollment_with_money,
    nowrap,
)
from enrollments_payments.models import (
    Enrollment,
    EnrollmentRequest,
    EnrollmentStatus,
    Payment,
    PaymentStatus,
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
    fields = (
        "amount_text",
        "method",
        "reference",
        "paid_at_text",
        "received_by",
        "status",
        "void_reason",
    )
    readonly_fields = fields
    verbose_name_plural = _("payments (history)")

    @admin.display(description=pgettext_lazy("money admin", "amount"))
    def amount_text(self, obj) -> str:
        return money_text(obj.amount)

    @admin.display(description=_("paid at"))
    def paid_at_text(self, obj) -> str:
        return datetime_text(obj.paid_at)


class RefundInline(ReadOnlyInline):
    model = RefundRequest
    fields = ("amount_text", "reason", "status", "requested_by", "processed_by", "processed_at")
    readonly_fields = fields

    @admin.display(description=pgettext_lazy("money admin", "amount"))
    def amount_text(self, obj) -> str:
        return money_text(obj.amount)


def _run(modeladmin, request, queryset, decide, done_message) -> None:
    """Apply one service to each selected row, each in its own transaction; a refusal is
    reported against its row (a warning) and never stops the others. The success message,
    ``done_message(n)``, only when something was done."""
    done = 0
    for obj in queryset:
        try:
            with transaction.atomic():
                decide(obj)
            done += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{obj}: {exc.message}", messages.WARNING)
    if done:
        modeladmin.message_user(request, done_message(done), messages.SUCCESS)


def _with_reason(modeladmin, request, queryset, *, action, decide, done_message, texts):
    """An action that first asks for a reason on a page of its own: the page posts the
    same action and rows back with the reason, and ``decide(obj, reason)`` then runs for
    each row (see ``_run``). An empty reason shows the page again, with nothing done."""
    form = ReasonForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        _run(modeladmin, request, queryset, lambda obj: decide(obj, reason), done_message)
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        **texts,
        "opts": modeladmin.model._meta,
        "objects": list(queryset),
        "form": form,
        "action": action,
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/enrollments_payments/reason_action.html", context)


def _count(singular: str, plural: str):
    return lambda n: ngettext(singular, plural, n) % {"n": n}


class CourseKindFilter(admin.SimpleListFilter):
    """On-site courses or online courses (``?kind=online``: the dashboard's link)."""

    title = _("kind of course")
    parameter_name = "kind"
    prefix = ""

    def lookups(self, request, model_admin):
        return [("onsite", _("On-site courses")), ("online", _("Online courses"))]

    def queryset(self, request, queryset):
        field = f"{self.prefix}online_course__isnull"
        if self.value() == "online":
            return queryset.filter(**{field: False})
        if self.value() == "onsite":
            return queryset.filter(**{field: True})
        return queryset


class EnrollmentKindFilter(CourseKindFilter):
    prefix = "enrollment__"


@admin.display(description=_("course"))
def offering_column(obj) -> str:
    """The course or the online course a request or an enrollment is for."""
    if obj.online_course_id:
        return gettext("%(name)s (online)") % {"name": obj.online_course.title}
    return str(obj.course)


@admin.register(EnrollmentRequest)
class EnrollmentRequestAdmin(NoDeleteMixin, BaseAdmin):
    list_display = (
        "row_id",
        offering_column,
        "participant_name",
        "status",
        "created_at",
        "expires_at",
    )
    list_filter = (
        "status",
        CourseKindFilter,
        "course__season",
        "course",
        "online_course",
        "created_at",
        "expires_at",
    )
    list_select_related = ("course", "online_course", "child", "student__user")
    search_fields = (
        "course__name",
        "online_course__title",
        "child__first_name",
        "child__last_name",
        "child__code",
        "student__code",
        "student__user__first_name",
        "student__user__last_name",
    )
    date_hierarchy = "created_at"
    actions = ("approve", "reject")
    readonly_fields = (
        "course",
        "online_course",
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
    # The buttons of a pending request's page: (action, label).
    DECISIONS = (
        ("approve", gettext_noop("Approve this request")),
        ("reject", gettext_noop("Reject this request")),
    )

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("participant"))
    def participant_name(self, obj) -> str:
        return str(obj.participant)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        decisions = [(name, gettext(label)) for name, label in self.DECISIONS]
        extra_context = {**(extra_context or {}), "decisions": decisions}
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Approve selected requests"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.enrollment_request_approve(request=obj, actor=request.user),
            _count("%(n)d request approved.", "%(n)d requests approved."),
        )

    @admin.action(description=_("Reject selected requests (asks for the reason)"))
    def reject(self, request, queryset):
        """A page asks for the reason (the family sees it); the rejection runs when it is
        sent back with one."""
        return _with_reason(
            self,
            request,
            queryset.select_related("course", "online_course", "child", "student__user"),
            action="reject",
            decide=lambda obj, reason: services.enrollment_request_reject(
                request=obj, actor=request.user, reason=reason
            ),
            done_message=_count("%(n)d request rejected.", "%(n)d requests rejected."),
            texts={
                "title": gettext("Reject enrollment requests"),
                "intro": gettext(
                    "The requests below will be rejected. The family sees the reason you write."
                ),
                "submit": gettext("Reject the requests"),
            },
        )


@admin.register(Enrollment)
class EnrollmentAdmin(NoDeleteMixin, BaseAdmin):
    """Enrollments show what was paid and what is left; their page links to recording a
    payment for them. The payment form picks its enrollment here (autocomplete) by the
    participant's name, code or phone (a child's parent's, a student's own)."""

    list_display = (
        "row_id",
        offering_column,
        "participant_name",
        "status",
        "price_cell",
        "paid_cell",
        "balance_cell",
        "enrolled_at",
        "access_until",
    )
    list_filter = (
        "status",
        CourseKindFilter,
        "course__season",
        "course",
        "online_course",
        "enrolled_at",
    )
    list_select_related = ("course", "online_course", "child", "student__user")
    search_fields = (
        "course__name",
        "online_course__title",
        "child__first_name",
        "child__last_name",
        "child__code",
        "child__primary_parent__user__phone_number1",
        "requested_by__phone_number1",
        "student__code",
        "student__user__first_name",
        "student__user__last_name",
        "student__user__phone_number1",
    )
    date_hierarchy = "enrolled_at"
    inlines = (PaymentInline, RefundInline)
    actions = ("drop",)
    fields = (
        "course",
        "online_course",
        "child",
        "student",
        "status",
        "access_until",
        "price_text",
        "paid_text",
        "refunded_text",
        "balance_text",
        "enrolled_at",
        "ended_at",
        "created_by",
        "requested_by",
    )
    readonly_fields = fields

    def get_queryset(self, request):
        return selectors.with_money(super().get_queryset(request))

    def get_search_results(self, request, queryset, search_term):
        """The payment form's search offers only enrollments that can take a payment
        (a refunded one cannot)."""
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        if request.GET.get("model_name") == "payment" and request.path.endswith("autocomplete/"):
            queryset = queryset.exclude(status=EnrollmentStatus.REFUNDED)
        return queryset, may_have_duplicates

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=_("participant"))
    def participant_name(self, obj) -> str:
        return str(obj.participant)

    @admin.display(description=pgettext_lazy("money admin", "price"), ordering="price")
    def price_text(self, obj) -> str:
        return money_text(obj.price)

    @admin.display(description=pgettext_lazy("money admin", "paid"))
    def paid_text(self, obj) -> str:
        return money_text(obj.amount_paid)

    @admin.display(description=_("refunded to the family"))
    def refunded_text(self, obj) -> str:
        return money_text(obj.amount_refunded)

    @admin.display(description=pgettext_lazy("money admin", "balance"))
    def balance_text(self, obj) -> str:
        return balance_text(balance_of(obj))

    @admin.display(description=pgettext_lazy("money admin", "price"), ordering="price")
    def price_cell(self, obj) -> str:
        return nowrap(money_text(obj.price))

    @admin.display(description=pgettext_lazy("money admin", "paid"))
    def paid_cell(self, obj) -> str:
        return nowrap(money_text(obj.amount_paid))

    @admin.display(description=pgettext_lazy("money admin", "balance"))
    def balance_cell(self, obj) -> str:
        return nowrap(balance_short(balance_of(obj)))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payments = self.admin_site.get_model_admin(Payment)
        extra_context = {
            **(extra_context or {}),
            "may_add_payment": payments.has_add_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    @admin.action(description=_("Drop selected enrollments"))
    def drop(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: services.enrollment_drop(enrollment=obj, actor=request.user),
            _count("%(n)d enrollment dropped.", "%(n)d enrollments dropped."),
        )


PAYMENT_PAGE_FIELDS = (
    "enrollment",
    "amount_text",
    "method",
    "reference",
    "paid_at_text",
    "received_by",
    "status",
    "voided_by",
    "voided_at_text",
    "void_reason",
)


@admin.register(Payment)
class PaymentAdmin(NoDeleteMixin, ServiceAdminMixin, BaseAdmin):
    """Payments are added here (through ``payment_record``) and never changed afterwards;
    a payment's page shows who received it and, once voided, who voided it, when and why.
    Voiding is its own page (``<id>/void/``, through ``payment_void``), which asks for the
    reason."""

    form = PaymentAddForm

    list_display = ("row_id", "enrollment", "amount_cell", "method", "status", "paid_at_text")
    list_filter = (
        "status",
        "method",
        EnrollmentKindFilter,
        "enrollment__course__season",
        "paid_at",
    )
    list_select_related = (
        "enrollment__course",
        "enrollment__online_course",
        "enrollment__child",
        "enrollment__student__user",
    )
    search_fields = (
        "reference",
        "enrollment__course__name",
        "enrollment__online_course__title",
        "enrollment__child__first_name",
        "enrollment__child__code",
        "enrollment__child__primary_parent__user__phone_number1",
        "enrollment__student__code",
        "enrollment__student__user__first_name",
        "enrollment__student__user__phone_number1",
    )
    date_hierarchy = "paid_at"
    autocomplete_fields = ("enrollment",)

    class Media:
        js = ("enrollments_payments/payment_balance.js",)

    def has_change_permission(self, request, obj=None) -> bool:
        return obj is None and super().has_change_permission(request, obj)

    def may_void(self, request, payment: Payment) -> bool:
        """Whoever may record payments may void one (the service also checks the role)."""
        return payment.status == PaymentStatus.PAID and self.has_add_permission(request)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("enrollment", "amount", "method", "reference", "paid_at", "allow_overpayment")
        return PAYMENT_PAGE_FIELDS

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else PAYMENT_PAGE_FIELDS

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is not None:  # a payment's page shows it; the add form's box has no place
            kwargs["form"] = forms.ModelForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("paid_at", timezone.now().replace(second=0, microsecond=0))
        return initial

    def get_urls(self):
        opts = self.model._meta
        prefix = f"{opts.app_label}_{opts.model_name}"
        return [
            path(
                "balance/",
                self.admin_site.admin_view(self.balance_view),
                name=f"{prefix}_balance",
            ),
            path(
                "<path:object_id>/void/",
                self.admin_site.admin_view(self.void_view),
                name=f"{prefix}_void",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=pgettext_lazy("money admin", "amount"), ordering="amount")
    def amount_text(self, obj) -> str:
        return money_text(obj.amount)

    @admin.display(description=pgettext_lazy("money admin", "amount"), ordering="amount")
    def amount_cell(self, obj) -> str:
        return nowrap(money_text(obj.amount))

    @admin.display(description=_("paid at"), ordering="paid_at")
    def paid_at_text(self, obj) -> str:
        return datetime_text(obj.paid_at)

    @admin.display(description=_("voided at"))
    def voided_at_text(self, obj) -> str:
        return datetime_text(obj.voided_at)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
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
        except ServiceRefused as refused:
            cause = refused.__cause__
            if getattr(cause, "code", None) == "payment_exceeds_balance":
                # The service's words name the API's flag; the staff tick a box.
                message = gettext(
                    "This payment is more than the balance (%(balance)s). Tick "
                    "“Confirm overpayment” to take it anyway."
                ) % {"balance": money_text(Decimal(cause.extra["balance"]))}
                raise ServiceRefused([("amount", message)]) from cause
            raise
        obj.pk = payment.pk

    def balance_view(self, request):
        """The balance sentence of the chosen enrollment, for the add form's script."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        enrollment = enrollment_with_money(request.GET.get("enrollment"))
        text = (
            gettext("Balance: %(balance)s") % {"balance": balance_text(balance_of(enrollment))}
            if enrollment is not None
            else gettext("Choose the enrollment to see its balance.")
        )
        return JsonResponse({"text": text})

    def void_view(self, request, object_id):
        """Ask why, then void through the service; a refusal is shown on the form and
        nothing is written."""
        payment = self.get_object(request, unquote(object_id))
        if payment is None:
            raise Http404
        if not self.has_view_permission(request, payment):
            raise PermissionDenied
        change_url = reverse("admin:enrollments_payments_payment_change", args=[payment.pk])
        if not self.may_void(request, payment):
            self.message_user(request, gettext("This payment cannot be voided."), messages.WARNING)
            return HttpResponseRedirect(change_url)
        form = VoidForm(request.POST if request.method == "POST" else None)
        if form.is_valid():
            try:
                payment_services.payment_void(
                    payment=payment, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as exc:
                form.add_error(None, str(exc.message))
            else:
                self.message_user(request, gettext("The payment was voided."), messages.SUCCESS)
                return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Void a payment"),
            "opts": self.model._meta,
            "original": payment,
            "amount": money_text(payment.amount),
            "paid_at": datetime_text(payment.paid_at),
            "form": form,
        }
        return TemplateResponse(request, "admin/enrollments_payments/payment/void.html", context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        payment = self.get_object(request, unquote(object_id))
        extra_context = {
            **(extra_context or {}),
            "void_url": (
                reverse("admin:enrollments_payments_payment_void", args=[payment.pk])
                if payment is not None and self.may_void(request, payment)
                else None
            ),
        }
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(RefundRequest)
class RefundRequestAdmin(NoDeleteMixin, BaseAdmin):
    list_display = ("row_id", "enrollment", "amount_cell", "status", "created_at")
    list_filter = ("status", EnrollmentKindFilter, "enrollment__course__season", "created_at")
    list_select_related = (
        "enrollment__course",
        "enrollment__online_course",
        "enrollment__child",
        "enrollment__student__user",
    )
    search_fields = (
        "enrollment__course__name",
        "enrollment__online_course__title",
        "enrollment__child__first_name",
        "enrollment__child__code",
        "enrollment__child__primary_parent__user__phone_number1",
        "enrollment__student__code",
        "enrollment__student__user__first_name",
        "enrollment__student__user__phone_number1",
    )
    actions = ("approve", "reject")
    fields = (
        "enrollment",
        "amount_text",
        "enrollment_balance",
        "reason",
        "status",
        "requested_by",
        "processed_by",
        "processed_at",
        "decision_note",
    )
    readonly_fields = fields  # decided through the actions, never edited

    def has_add_permission(self, request) -> bool:
        return False

    @admin.display(description=pgettext_lazy("money admin", "amount"), ordering="amount")
    def amount_text(self, obj) -> str:
        return money_text(obj.amount)

    @admin.display(description=pgettext_lazy("money admin", "amount"), ordering="amount")
    def amount_cell(self, obj) -> str:
        return nowrap(money_text(obj.amount))

    @admin.display(description=_("balance of the enrollment"))
    def enrollment_balance(self, obj) -> str:
        """A refund adds back to what is left to pay; after a discount, what the family
        paid beyond the price shows as their credit, not as a debt."""
        enrollment = enrollment_with_money(obj.enrollment_id)
        return balance_text(balance_of(enrollment)) if enrollment is not None else ""

    @admin.action(description=_("Approve selected refunds"))
    def approve(self, request, queryset):
        _run(
            self,
            request,
            queryset,
            lambda obj: payment_services.refund_request_approve(refund=obj, actor=request.user),
            _count("%(n)d refund approved.", "%(n)d refunds approved."),
        )

    @admin.action(description=_("Reject selected refunds (asks for the reason)"))
    def reject(self, request, queryset):
        """Asks for the reason first, as for enrollment requests: it is the body of the
        notification the requester gets."""
        return _with_reason(
            self,
            request,
            queryset.select_related(
                "enrollment__course",
                "enrollment__online_course",
                "enrollment__child",
                "enrollment__student__user",
            ),
            action="reject",
            decide=lambda obj, reason: payment_services.refund_request_reject(
                refund=obj, actor=request.user, reason=reason
            ),
            done_message=_count("%(n)d refund rejected.", "%(n)d refunds rejected."),
            texts={
                "title": gettext("Reject refund requests"),
                "intro": gettext(
                    "The refund requests below will be rejected. The requester sees the "
                    "reason you write."
                ),
                "submit": gettext("Reject the requests"),
            },
        )


# --- the attendance report on the course and lecture pages ------------------------------


class CourseReportAdmin(CourseAdmin):
    actions = (*CourseAdmin.actions, "attendance_report_csv", "attendance_report_xlsx")

    def get_urls(self):
        """The "Reports" page of every report (``admin:reports``) lives with the course
        admin: the reports are this app's, and the course admin is this app's door to the
        admin site's URLs."""
        page = self.admin_site.admin_view(
            partial(admin_reports.reports_view, admin_site=self.admin_site)
        )
        return [path("reports/", page, name="reports"), *super().get_urls()]

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
