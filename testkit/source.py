"""The product's own source files, for the tests that read the code without running it
(the error table of the docs, the layers of the apps, the product's imports)."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from core.packages import product_packages


def product_sources(*, migrations: bool = False) -> list[Path]:
    """Every ``.py`` file of the product's packages, package by package, without the tests
    (``tests/`` folders, ``test*`` files) and, unless asked for, the migrations."""
    root = Path(settings.BASE_DIR)
    found = []
    for package in product_packages():
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).parts
            if "tests" in parts or path.name.startswith("test"):
                continue
            if "migrations" in parts and not migrations:
                continue
            found.append(path)
    return found
