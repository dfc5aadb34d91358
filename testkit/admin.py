"""Admin form helpers for tests."""

from __future__ import annotations


def admin_form_data(form, *, prefix: str = "") -> dict:
    """POST data that resubmits a bound-less admin form as the page showed it."""
    data = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if name == "id":
            value = form.instance.pk
        if value is None:
            continue
        key = f"{prefix}{name}"
        if isinstance(value, list | tuple | set):
            data[key] = [getattr(v, "pk", v) for v in value]
        else:
            data[key] = getattr(value, "pk", value)
    return data
