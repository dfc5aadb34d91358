"""The admin's import page (SPEC §6.11 "Import"): upload → preview → confirm.

- GET: the page — what the file holds (families, adult students, instructors), the file,
  and each kind's columns with its templates (``?template=<kind>&format=xlsx|csv``).
- POST with a file: the preview. ``people_import(commit=False)``: every row's outcome
  (new, updated, unchanged, error) with its changes or its errors, nothing written.
- POST ``confirm``: ``people_import(commit=True)`` with the preview's digest. Written in
  one transaction, then back to the page with the counts; or, when a row now fails or
  comes out otherwise than the preview said, the new preview and nothing written.

The file is not kept on the server between the two steps: the confirm form carries the
rows read from it, signed for the admin who previewed them and for an hour
(``django.core.signing``, compressed), so any server can take the confirm and nobody can
slip other rows into it.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.spreadsheets import CSV_TYPE, XLSX_TYPE
from enrollments_payments import import_services
from users import import_files
from users.import_files import KIND_LABELS, KINDS, ImportFileError, Table

SIGNING_SALT = "enrollments_payments.admin_import"
PREVIEW_TTL = 3600  # seconds a preview may be confirmed
TEMPLATE_TYPES = {"xlsx": XLSX_TYPE, "csv": CSV_TYPE}


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("The file holds"),
        choices=[(kind, KIND_LABELS[kind]) for kind in KINDS],
        widget=forms.RadioSelect,
        error_messages={"required": gettext_lazy("Choose what the file holds.")},
    )
    file = forms.FileField(
        label=gettext_lazy("File (XLSX or CSV)"),
        error_messages={
            "required": gettext_lazy("Choose a file."),
            "empty": gettext_lazy("The file is empty."),
            "invalid": gettext_lazy("Choose a file."),
        },
    )


class ConfirmForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput)


def _token(request: HttpRequest, kind: str, name: str, table: Table, digest: str) -> str:
    payload = {
        "user": request.user.pk,
        "kind": kind,
        "name": name,
        "rows": table.rows,
        "ignored": table.ignored,
        "digest": digest,
    }
    return signing.dumps(payload, salt=SIGNING_SALT, compress=True)


def _untoken(request: HttpRequest, token: str) -> dict | None:
    try:
        payload = signing.loads(token, salt=SIGNING_SALT, max_age=PREVIEW_TTL)
    except signing.BadSignature:  # altered, or older than PREVIEW_TTL (SignatureExpired)
        return None
    if payload.get("user") != request.user.pk or payload.get("kind") not in KINDS:
        return None
    return payload


def _columns() -> list[dict]:
    return [
        {
            "kind": kind,
            "label": KIND_LABELS[kind],
            "columns": import_files.COLUMNS[kind],
        }
        for kind in KINDS
    ]


def _page(request, admin_site, *, form, report=None, confirm=None, name="", file_error=None):
    context = {
        **admin_site.each_context(request),
        "title": _("Import families, students and instructors"),
        "form": form,
        "kinds": _columns(),
        "report": report,
        "confirm_form": confirm,
        "file_name": name,
        "file_error": file_error,
        "outcomes": import_services.OUTCOMES,
        "max_rows": import_files.MAX_ROWS,
    }
    if report is not None:
        context["kind_label"] = KIND_LABELS[report.kind]
        context["count_list"] = [(import_services.OUTCOMES[o], n) for o, n in report.counts.items()]
    return TemplateResponse(request, "admin/people_import.html", context)


def _template_download(kind: str, fmt: str) -> HttpResponse:
    build = import_files.template_xlsx if fmt == "xlsx" else import_files.template_csv
    response = HttpResponse(build(kind), content_type=TEMPLATE_TYPES[fmt])
    name = import_files.template_name(kind, fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def people_import_view(request: HttpRequest, *, admin_site) -> HttpResponse:
    if not request.user.has_perm("users.add_customuser"):
        raise PermissionDenied
    kind, fmt = request.GET.get("template"), request.GET.get("format")
    if request.method == "GET" and kind in KINDS and fmt in TEMPLATE_TYPES:
        return _template_download(kind, fmt)
    if request.method == "POST" and "token" in request.POST:
        return _confirm(request, admin_site)
    if request.method == "POST":
        return _preview(request, admin_site)
    initial = {"kind": request.GET.get("kind") if request.GET.get("kind") in KINDS else None}
    return _page(request, admin_site, form=UploadForm(initial=initial))


def _preview(request, admin_site) -> HttpResponse:
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, admin_site, form=form)
    kind, upload = form.cleaned_data["kind"], form.cleaned_data["file"]
    try:
        table = import_files.read_table(
            kind=kind, content=upload.read(import_files.MAX_FILE_BYTES + 1)
        )
    except ImportFileError as error:
        return _page(request, admin_site, form=form, name=upload.name, file_error=error.message)
    report = import_services.people_import(kind=kind, table=table, actor=request.user, commit=False)
    return _report_page(request, admin_site, form, report, table, upload.name)


def _report_page(request, admin_site, form, report, table, name) -> HttpResponse:
    confirm = None
    if not report.has_errors:
        token = _token(request, report.kind, name, table, report.digest)
        confirm = ConfirmForm(initial={"token": token})
    return _page(request, admin_site, form=form, report=report, confirm=confirm, name=name)


def _confirm(request, admin_site) -> HttpResponse:
    form = ConfirmForm(request.POST)
    payload = _untoken(request, request.POST.get("token", "")) if form.is_valid() else None
    if payload is None:
        messages.error(request, _("This preview has expired; upload the file again."))
        return HttpResponseRedirect(reverse("people_import"))
    table = Table(rows=[(n, values) for n, values in payload["rows"]], ignored=payload["ignored"])
    report = import_services.people_import(
        kind=payload["kind"],
        table=table,
        actor=request.user,
        commit=True,
        expected=payload["digest"],
    )
    if not report.committed:
        upload = UploadForm(initial={"kind": payload["kind"]})
        return _report_page(request, admin_site, upload, report, table, payload["name"])
    counts = report.counts
    messages.success(
        request,
        _(
            "Imported %(name)s: %(new)d new, %(updated)d updated, %(unchanged)d unchanged. "
            "%(texted)d new accounts are texted a code to set their password."
        )
        % {
            "name": payload["name"],
            "new": counts[import_services.NEW],
            "updated": counts[import_services.UPDATED],
            "unchanged": counts[import_services.UNCHANGED],
            "texted": report.new_accounts,
        },
    )
    return HttpResponseRedirect(f"{reverse('people_import')}?kind={payload['kind']}")
