"""Serializer plumbing shared by the apps.

``FieldsOnceMixin`` — for output serializers: build the fields once per class, not for
every instance. DRF gives every serializer instance fresh fields: a deep copy of the
declared ones and, for a ModelSerializer, fields derived from the model again. That is
about a millisecond per serializer class on every request, more than rendering twenty rows
(issue #12). With the mixin all instances of a class share one set of fields, built and
bound on a prototype instance that has no instance, data or context; nested serializers
declared on the class are built once with it.

The trap: a shared field must not depend on the serializer it serves. Every field must be
read-only (checked when the fields are built), and none may read ``self.context``, the
request or the parent's instance (no hyperlinked fields; a SerializerMethodField only if
its method uses nothing but the object it is given).

(The mixin has no docstring on purpose: drf-spectacular would show it in the API schema
as the description of every serializer without one of its own.)
"""

from __future__ import annotations

import re
import threading

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.utils.serializer_helpers import BindingDict

_build_lock = threading.RLock()


class FieldsOnceMixin:  # see the module docstring
    @property
    def fields(self):
        cls = type(self)
        shared = cls.__dict__.get("_shared_fields")
        if shared is None:
            with _build_lock:
                shared = cls.__dict__.get("_shared_fields")
                if shared is None:
                    shared = cls._build_shared_fields()
                    cls._shared_readable = tuple(f for f in shared.values() if not f.write_only)
                    cls._shared_fields = shared
        return shared

    @property
    def _readable_fields(self):
        # What DRF's to_representation() walks for every object: a tuple made once rather
        # than a generator filtering the fields again per object.
        if "_shared_fields" not in type(self).__dict__:
            self.fields  # noqa: B018 - builds both
        return type(self)._shared_readable

    @classmethod
    def _build_shared_fields(cls) -> BindingDict:
        prototype = cls()
        fields = BindingDict(prototype)
        for name, field in prototype.get_fields().items():
            fields[name] = field
        writable = sorted(name for name, field in fields.items() if not field.read_only)
        if writable:
            raise ImproperlyConfigured(
                f"{cls.__name__} shares its fields between instances, so every field must "
                f"be read-only; these are not: {', '.join(writable)}"
            )
        return fields


# An amount as the center's staff type it: digits, then at most two decimals after "." or
# the Arabic decimal separator "٫"; the digits ASCII or Arabic-Indic (٠–٩: the staff type on
# Arabic keyboards). No sign, no exponent ("1e3"), no spaces, at most 8 digits before the
# separator (10 in all, the columns' precision). The schema shows the same pattern.
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
_DIGIT = "[0-9٠-٩]"
MONEY_PATTERN = rf"^{_DIGIT}{{1,8}}([.٫]{_DIGIT}{{1,2}})?$"
_TO_ASCII = str.maketrans({**{d: str(i) for i, d in enumerate(ARABIC_INDIC_DIGITS)}, "٫": "."})


class MoneyField(serializers.DecimalField):
    """An amount in EGP written as :data:`MONEY_PATTERN` says, answered as ``"350.00"``."""

    default_error_messages = {
        "format": _("Write the amount in digits with at most two decimals, e.g. 350 or 350.50."),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_digits", 10)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, str | int | float):
            self.fail("invalid")
        text = str(data)
        if not re.fullmatch(MONEY_PATTERN, text):
            self.fail("format")
        return super().to_internal_value(text.translate(_TO_ASCII))


SLUG_MAX_LENGTH = 220
UNICODE_SLUG = re.compile(r"[-\w]+")  # Python's \w: letters and digits of every script


@extend_schema_field(
    {
        "type": "string",
        "maxLength": SLUG_MAX_LENGTH,
        "description": "Letters of any script, digits, '-' and '_' (e.g. خط-عربي-للأطفال).",
    }
)
class UnicodeSlugField(serializers.CharField):
    """A course's slug, made from its name and so often Arabic. DRF's SlugField carries a
    ``RegexValidator`` that drf-spectacular writes into the schema as ``^[-\\w]+$``, and in
    a JSON Schema (ECMAScript) ``\\w`` is ASCII only: a client validating answers against
    the schema would refuse ``خط-عربي``. This field checks the same letters itself, so the
    schema names them in words instead of a pattern that says something else."""

    default_error_messages = {
        # DRF's own words, so its Arabic translation applies.
        "invalid": _(
            'Enter a valid "slug" consisting of Unicode letters, numbers, underscores, or hyphens.'
        ),
    }

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("max_length", SLUG_MAX_LENGTH)
        super().__init__(**kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if not UNICODE_SLUG.fullmatch(value):
            self.fail("invalid")
        return value
