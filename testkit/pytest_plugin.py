"""pytest hooks of the suite (registered with ``-p testkit.pytest_plugin`` in pyproject).

Tests that use no database run first. pytest-django orders tests as Django does —
``TestCase`` classes, then ``TransactionTestCase`` classes, then the rest — which puts the
suite's longest classes (real servers, ``run.sh``, the start-up drills: ``SimpleTestCase``
classes that migrate a SQLite file of their own) last. Under pytest-xdist each worker then
takes the next class when it is free, and one of them finished alone with a minute-long
class while the others waited. A test without a database cannot be disturbed by another's
rows, so moving those first keeps Django's order where it matters (``TestCase`` before
``TransactionTestCase``, whose flush would empty the tables a ``TestCase`` expects).
"""

from __future__ import annotations

import pytest


def _uses_database(item: pytest.Item) -> bool:
    from django.test import TransactionTestCase

    cls = getattr(item, "cls", None)
    if cls is not None and issubclass(cls, TransactionTestCase):
        return True
    fixtures = getattr(item, "fixturenames", ())
    return item.get_closest_marker("django_db") is not None or any(
        name in fixtures for name in ("db", "transactional_db", "live_server")
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_uses_database)  # stable: the order within each group stays
