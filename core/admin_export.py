"""Every admin list exports the rows it shows to Excel and CSV (SPEC §6.11 "Export").

The list's two buttons (``templates/admin/change_list.html``) lead to
``<changelist>/export/xlsx/`` and ``…/export/csv/`` with the list's own query string; the
export view builds the same ``ChangeList`` from it, so the file holds the rows the list
holds — its filters, date drill-down, search and ordering, every page of them — read
through the admin's ``get_queryset`` and ``list_select_related`` in one query.

The columns are the list's columns (``list_display``), headed by their Arabic labels; each
cell keeps its type (see ``core.spreadsheets``): a field's choices become their labels, a
yes/no field "نعم"/"لا", and a column method's result is written as it is typed — a
``Figure`` (``decimal_text``) as its number, HTML as its words.
"""

from __future__ import annotations

from functools import cache
from itertools import chain, islice
from urllib.parse import quote, urlencode

from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import label_for_field, lookup_field
from django.contrib.admin.views.main import (
    ERROR_FLAG,
    IS_POPUP_VAR,
    PAGE_VAR,
    TO_FIELD_VAR,
)
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.db import models
from django.http import HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.urls import re_path, reverse
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from core import spreadsheets

FORMATS = {"xlsx": _("Export to Excel"), "csv": _("Export to CSV")}

# Parameters of the list page that are not about which rows it holds.
_PAGE_ONLY = (PAGE_VAR, ERROR_FLAG, IS_POPUP_VAR, TO_FIELD_VAR)
# Rows are read in chunks of this size when no prefetch needs them all at once.
CHUNK = 2000
_FILENAME_UNSAFE = dict.fromkeys(map(ord, '\\/:*?"<>|'), " ")


class Column:
    """One ``list_display`` entry: its header and how to read its cell from a row."""

    def __init__(self, name, model_admin) -> None:
        self.name = name
        self.model_admin = model_admin
        self.label = capfirst(str(label_for_field(name, model_admin.model, model_admin)))
        self.convert = None  # known from the first row (a field, or what a method returns)

    def cell(self, obj) -> object:
        try:
            field, attr, value = lookup_field(self.name, obj, self.model_admin)
        except ObjectDoesNotExist:
            return ""
        if self.convert is None:
            self.convert = _converter(field, attr)
        return self.convert(value)


def _converter(field, attr):
    if field is None:
        return spreadsheets.yes_no if getattr(attr, "boolean", False) else spreadsheets.typed
    if field.flatchoices:
        labels = dict(field.flatchoices)
        return lambda value: spreadsheets.typed(labels.get(value, value))
    if isinstance(field, models.BooleanField):
        return spreadsheets.yes_no
    return spreadsheets.typed


def _list_params(params):
    """The list's query string without what only concerns the page (its number, a popup)."""
    kept = params.copy()
    for name in _PAGE_ONLY:
        kept.pop(name, None)
    return kept


def _no_results(changelist, request) -> None:
    """The export reads the whole queryset itself: no page, no counts."""


@cache
def _export_changelist_class(changelist_class):
    return type(
        f"Export{changelist_class.__name__}", (changelist_class,), {"get_results": _no_results}
    )


def _objects(queryset):
    if queryset._prefetch_related_lookups:
        return iter(queryset)  # the prefetches run once for the whole list
    return queryset.iterator(chunk_size=CHUNK)


def export_filename(opts, fmt: str) -> str:
    """``"المدفوعات 2026-11-22.xlsx"``: what the list is, and the day it was taken."""
    name = str(opts.verbose_name_plural).translate(_FILENAME_UNSAFE).strip()
    return f"{name} {timezone.localdate():%Y-%m-%d}.{fmt}"


def _disposition(opts, fmt: str) -> str:
    """The Arabic name, with an ASCII one (``payment-2026-11-22.xlsx``) for old clients."""
    fallback = f"{opts.model_name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    return (
        f"attachment; filename=\"{fallback}\"; filename*=utf-8''{quote(export_filename(opts, fmt))}"
    )


class ExportMixin:
    """Adds the export view to a ``ModelAdmin`` and its links to the change list page.

    ``export_skipped`` names list columns a file has no use for (a photo's thumbnail)."""

    export_skipped: tuple[str, ...] = ()

    def get_urls(self):
        opts = self.opts
        return [
            re_path(
                r"^export/(?P<fmt>xlsx|csv)/$",
                self.admin_site.admin_view(self.export_view),
                name=f"{opts.app_label}_{opts.model_name}_export",
            ),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        context = {**(extra_context or {}), "export_links": self.export_links(request)}
        return super().changelist_view(request, extra_context=context)

    def export_links(self, request) -> list[dict]:
        opts = self.opts
        query = urlencode(list(_list_params(request.GET).lists()), doseq=True)
        links = []
        for fmt, label in FORMATS.items():
            url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_export",
                kwargs={"fmt": fmt},
                current_app=self.admin_site.name,
            )
            links.append({"format": fmt, "label": label, "url": f"{url}?{query}" if query else url})
        return links

    def export_view(self, request, fmt: str):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        request.GET = _list_params(request.GET)
        try:
            changelist = self.export_changelist(request)
        except IncorrectLookupParameters:
            # The list page answers these parameters its own way (a message); go there.
            opts = self.opts
            url = reverse(
                f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
            query = request.GET.urlencode()
            return HttpResponseRedirect(f"{url}?{query}" if query else url)
        skipped = {"action_checkbox", *self.export_skipped}
        columns = [Column(name, self) for name in changelist.list_display if name not in skipped]
        header = [column.label for column in columns]
        rows = _objects(changelist.queryset)
        # The query runs here, in the view: a failure is the view's, not a cut-off download.
        rows = chain(list(islice(rows, 1)), rows)
        cells = ([column.cell(obj) for column in columns] for obj in rows)
        if fmt == "csv":
            response = StreamingHttpResponse(
                spreadsheets.csv_lines(header, cells), content_type=spreadsheets.CSV_TYPE
            )
        else:
            title = str(self.opts.verbose_name_plural)
            response = HttpResponse(
                spreadsheets.xlsx_bytes(title=title, header=header, rows=cells),
                content_type=spreadsheets.XLSX_TYPE,
            )
        response["Content-Disposition"] = _disposition(self.opts, fmt)
        return response

    def export_changelist(self, request):
        """The list page's ``ChangeList`` for this request, without its page of results.
        Raises ``IncorrectLookupParameters`` for parameters the list page refuses."""
        list_display = self.get_list_display(request)
        list_display_links = self.get_list_display_links(request, list_display)
        if self.get_actions(request):
            # As on the page: the ordering parameter ``o`` counts the checkbox column.
            list_display = ["action_checkbox", *list_display]
        changelist_class = _export_changelist_class(self.get_changelist(request))
        return changelist_class(
            request,
            self.model,
            list_display,
            list_display_links,
            self.get_list_filter(request),
            self.date_hierarchy,
            self.get_search_fields(request),
            self.get_list_select_related(request),
            self.list_per_page,
            self.list_max_show_all,
            self.list_editable,
            self,
            self.get_sortable_by(request),
            self.search_help_text,
        )
