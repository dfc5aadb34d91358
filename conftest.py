"""Checks run after every test of the suite: nothing it opened may stay open.

A test fails at teardown, with its name, when it leaves behind

- a database connection opened by another thread (an executor's thread that ran sync
  code for a consumer, a thread the test started) and never closed: Django keeps one
  connection per thread, and the test's own thread is the only one whose connections
  the test framework closes. Left open, it holds a PostgreSQL backend (and its locks)
  until the process ends, and the tests that count backends fail later for it;
- a channel-layer (Redis) connection pool still attached to an event loop: channels_redis
  closes a loop's pools when that loop is closed, so pools left behind mean an event loop
  that never finished (a task that would not end) or was never closed.

The checks cost a few microseconds a test: connections are noted when they are opened
(Django's ``connection_created`` signal) and layers when they are made; nothing is
queried. Each pytest-xdist worker checks its own process.
"""

from __future__ import annotations

import threading

import pytest

from testkit import leak_check


def pytest_configure(config) -> None:
    leak_check.install()


@pytest.fixture(autouse=True)
def _nothing_left_open(request):
    leak_check.start(threading.get_ident())
    yield
    left = leak_check.finish()
    if left:
        pytest.fail(f"{request.node.nodeid} left open: " + "; ".join(left), pytrace=False)
