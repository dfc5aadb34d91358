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

import threading

from django.core.exceptions import ImproperlyConfigured
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
