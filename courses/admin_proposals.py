"""The lecture admin's decisions on proposed lectures (§6.11): approve, and reject after a
page that asks for the reason (the instructor is shown it). Both call the services the API
calls; a refusal (already decided, the time taken meanwhile) is reported against its row
and never stops the other rows."""

from __future__ import annotations

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.db import transaction
from django.template.response import TemplateResponse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from courses import services


class RejectionForm(forms.Form):
    reason = forms.CharField(
        label=_("reason"),
        max_length=services.MAX_REASON,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60}),
        error_messages={"required": _("Write the reason.")},
    )


def _decide_each(modeladmin, request, queryset, decide: Callable, done: Callable[[int], str]):
    count = 0
    for lecture in queryset:
        try:
            with transaction.atomic():
                decide(lecture)
            count += 1
        except DomainError as exc:
            modeladmin.message_user(request, f"{lecture}: {exc.message}", messages.WARNING)
    if count:
        modeladmin.message_user(request, done(count), messages.SUCCESS)


def approve_proposals(modeladmin, request, queryset) -> None:
    _decide_each(
        modeladmin,
        request,
        queryset,
        lambda lecture: services.lecture_approve(lecture=lecture, actor=request.user),
        lambda n: (
            ngettext("%(n)d proposed lecture approved.", "%(n)d proposed lectures approved.", n)
            % {"n": n}
        ),
    )


def reject_proposals(modeladmin, request, queryset) -> TemplateResponse | None:
    """First a page with the chosen lectures and the reason; posted back with a reason,
    each lecture is rejected. An empty reason shows the page again, nothing done."""
    form = RejectionForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        reason = form.cleaned_data["reason"]
        _decide_each(
            modeladmin,
            request,
            queryset,
            lambda lecture: services.lecture_reject(
                lecture=lecture, actor=request.user, reason=reason
            ),
            lambda n: (
                ngettext("%(n)d proposed lecture rejected.", "%(n)d proposed lectures rejected.", n)
                % {"n": n}
            ),
        )
        return None
    context = {
        **modeladmin.admin_site.each_context(request),
        "title": gettext("Reject proposed lectures"),
        "intro": gettext(
            "The proposed lectures below will be rejected. Their instructor sees the reason "
            "you write."
        ),
        "submit": gettext("Reject the lectures"),
        "opts": modeladmin.model._meta,
        "objects": list(queryset.select_related("course")),
        "form": form,
        "action": "reject_proposals",
        "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
    }
    # The reason page the money admin uses for its rejections.
    return TemplateResponse(request, "admin/enrollments_payments/reason_action.html", context)
