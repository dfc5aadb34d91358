"""WebSocket URL patterns of every app, gathered in one place for core.asgi.

``core`` never imports an app above it (tests/test_app_graph.py), so the routes are not
imported by name: each installed app may have a ``routing`` module with a
``websocket_urlpatterns`` list (``attendance/routing.py`` has ``/ws/attendance/``), and
they are collected here in ``INSTALLED_APPS`` order — the way the admin discovers
``admin.py`` modules.
"""

from __future__ import annotations

from importlib import import_module

from django.apps import apps
from django.utils.module_loading import module_has_submodule


def app_websocket_urlpatterns() -> list:
    patterns: list = []
    for config in apps.get_app_configs():
        if module_has_submodule(config.module, "routing"):
            module = import_module(f"{config.name}.routing")
            patterns.extend(getattr(module, "websocket_urlpatterns", []))
    return patterns


websocket_urlpatterns: list = app_websocket_urlpatterns()
