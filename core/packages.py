"""The product's own top-level packages, for the code that reads the product's source:
the error codes of the schema (``core.schema_errors``) and the tests that check the
documentation, the layers and that the product never imports the test kit."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings


@cache
def app_packages() -> frozenset[str]:
    """Top-level packages of the project's own apps (those under BASE_DIR)."""
    from django.apps import apps

    # An app of the project is a folder right under BASE_DIR: a library installed in a
    # virtualenv inside the checkout (``.venv/lib/…``) is under BASE_DIR too, but deeper.
    base = Path(settings.BASE_DIR).resolve()
    return frozenset(
        config.name.split(".")[0]
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == base
    )


def product_packages() -> tuple[str, ...]:
    """The apps and the project package (settings, URLs, the WSGI entry point), sorted."""
    return tuple(sorted({*app_packages(), settings.SETTINGS_MODULE.split(".")[0]}))
