from django.core.paginator import InvalidPage
from django.utils.translation import gettext as _
from rest_framework.pagination import PageNumberPagination

from core.query import InvalidQueryParameter, query_int


class StandardPagination(PageNumberPagination):
    """``{"count", "next", "previous", "results"}``; ``?page_size=`` up to 100.

    Out of range is the client's mistake and answers 400 ``invalid_query_parameter`` like
    every other query parameter (SPEC §10): a ``page_size`` outside 1…100 (DRF would quietly
    serve another size), a page that is not a number or past the last one (DRF answers 404,
    which reads as "this list does not exist"). Page 1 of an empty list is an empty page.
    """

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        return query_int(
            request.query_params,
            self.page_size_query_param,
            maximum=self.max_page_size,
            default=self.page_size,
        )

    def get_page_number(self, request, paginator):
        page = super().get_page_number(request, paginator)
        if isinstance(page, int):  # absent (1) or "last"
            return page
        return query_int({self.page_query_param: page}, self.page_query_param)

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        paginator = self.django_paginator_class(queryset, self.get_page_size(request))
        number = self.get_page_number(request, paginator)
        try:
            self.page = paginator.page(number)
        except InvalidPage:
            raise InvalidQueryParameter(
                self.page_query_param,
                _("There is no page %(page)s: the last page is %(last)s.")
                % {"page": number, "last": paginator.num_pages},
            ) from None
        if paginator.num_pages > 1 and self.template is not None:
            self.display_page_controls = True
        return list(self.page)

    def get_schema_operation_parameters(self, view):
        """Document the bounds: ``page`` from 1, ``page_size`` from 1 to max_page_size."""
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
