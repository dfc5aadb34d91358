"""What the suite's after-test check (the root ``conftest.py``) looks for: database
connections other threads left open, channel-layer (Redis) pools left on an event loop.
The state lives here, in one module, so that the conftest and the tests of the check see
the same."""

from __future__ import annotations

import contextlib
import threading
import weakref

_opened_elsewhere: list[tuple[weakref.ref, str, str]] = []
_test_thread: list[int] = []
_layers: weakref.WeakSet = weakref.WeakSet()


def _note_connection(sender, connection, **kwargs) -> None:
    thread = threading.current_thread()
    if _test_thread and thread.ident != _test_thread[0]:
        _opened_elsewhere.append((weakref.ref(connection), connection.alias, thread.name))


def install() -> None:
    """Note connections as they open and layers as they are made (once a process)."""
    from channels.layers import ChannelLayerManager
    from django.db.backends.signals import connection_created

    connection_created.connect(_note_connection, dispatch_uid="conftest-leak-check")
    make_backend = ChannelLayerManager.make_backend
    if getattr(make_backend, "noted_by_leak_check", False):
        return

    def make_noted_backend(self, name):
        layer = make_backend(self, name)
        _layers.add(layer)
        return layer

    make_noted_backend.noted_by_leak_check = True
    ChannelLayerManager.make_backend = make_noted_backend


def _open_connections_of_other_threads() -> list[str]:
    found = []
    for ref, alias, thread in _opened_elsewhere:
        wrapper = ref()
        if wrapper is None or wrapper.connection is None:
            continue  # closed, or gone with its thread
        if wrapper.vendor == "sqlite" and wrapper.is_in_memory_db():
            continue  # SQLite's in-memory test database: Django never closes these
        found.append(f"database connection {alias!r} opened in thread {thread!r}")
        # Closed here so that the tests after this one do not fail for it too.
        with contextlib.suppress(Exception):  # a broken connection has nothing to close
            wrapper.connection.close()
        wrapper.connection = None
    _opened_elsewhere.clear()
    return found


def _open_channel_layer_pools() -> list[str]:
    found = []
    for layer in list(_layers):
        loops = getattr(layer, "_layers", None)  # channels_redis: pools by event loop
        if not loops:
            continue
        for loop in list(loops):
            state = (
                "closed"
                if loop.is_closed()
                else "still running"
                if loop.is_running()
                else "not closed"
            )
            found.append(f"channel-layer connection pool of {layer} on an event loop {state}")
        loops.clear()
    return found


def start(thread_ident: int) -> None:
    """A test starts on ``thread_ident``: connections of other threads are noted."""
    _test_thread[:] = [thread_ident]
    _opened_elsewhere.clear()


def finish() -> list[str]:
    """What the test left open (each closed or dropped here), one line per item."""
    _test_thread.clear()
    return _open_connections_of_other_threads() + _open_channel_layer_pools()
