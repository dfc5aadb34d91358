"""The API's JSON parser: DRF's, with a bound on nesting.

Python's json module recurses once per level, so ``[[[[…]]]]`` a few thousand levels deep
raises RecursionError (a 500) and a few hundred levels still reach serializers and error
renderers that recurse too. No request of this API nests deeper than a handful of levels,
so anything beyond MAX_JSON_DEPTH is a 400 ``parse_error`` before any view, throttle or
serializer sees it.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

MAX_JSON_DEPTH = 32


def json_depth(value) -> int:
    """Nesting depth of parsed JSON (a scalar is 0, ``[]`` and ``{}`` are 1), iteratively."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in children)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("The JSON is nested too deeply.")) from None
        if json_depth(data) > MAX_JSON_DEPTH:
            raise ParseError(_("The JSON is nested too deeply."))
        return data
