"""Two requests writing to the embedded SQLite database at once wait for each other
instead of answering 500 "database is locked" (a fuzz finding: Daphne serves requests in
parallel threads, each with its own connection).

SQLite lets a transaction that has only read so far wait for nobody: when it then writes
while another connection holds the write lock, it fails at once, whatever the timeout.
The settings open every transaction with ``BEGIN IMMEDIATE`` (the write lock first, waited
for up to the timeout). The probe runs that interleaving in a fresh interpreter on a
temporary SQLite file with the project's settings, and once more with Django's default
(deferred) transactions to show the interleaving is the one that fails.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from tests.test_settings import run_python

# A reads, B writes and holds the write lock, A writes; B commits once A is done (or
# gave up). Prints what each thread ended with.
PROBE = """
import json, os, threading, django
from django.conf import settings
if os.environ["PROBE_MODE"] == "deferred":
    settings.DATABASES["default"]["OPTIONS"].pop("transaction_mode", None)
django.setup()
from django.db import connection, connections, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE probe (id INTEGER PRIMARY KEY, who TEXT)")
connections.close_all()

a_read, b_wrote, a_done = threading.Event(), threading.Event(), threading.Event()
outcome = {}

def a():
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM probe")
                a_read.set()
                b_wrote.wait(1)
                cursor.execute("INSERT INTO probe (who) VALUES ('a')")
        outcome["a"] = "ok"
    except Exception as exc:
        outcome["a"] = str(exc)
    finally:
        a_read.set()
        a_done.set()
        connections.close_all()

def b():
    a_read.wait(5)
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO probe (who) VALUES ('b')")
                b_wrote.set()
                a_done.wait(5)
        outcome["b"] = "ok"
    except Exception as exc:
        outcome["b"] = str(exc)
    finally:
        b_wrote.set()
        connections.close_all()

threads = [threading.Thread(target=a), threading.Thread(target=b)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(30)
with connection.cursor() as cursor:
    cursor.execute("SELECT who FROM probe ORDER BY id")
    outcome["rows"] = [row[0] for row in cursor.fetchall()]
print(json.dumps(outcome))
"""


def interleave(mode: str) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_python(
            PROBE, PROBE_MODE=mode, DEBUG="1", SQLITE_PATH=str(Path(tmp) / "probe.sqlite3")
        )
    if result.returncode != 0:
        raise AssertionError(result.stderr)
    return json.loads(result.stdout.strip().splitlines()[-1])


class SqliteConcurrentWritesTests(SimpleTestCase):
    def test_a_transaction_that_read_first_waits_for_the_other_writer(self):
        outcome = interleave("settings")
        self.assertEqual((outcome["a"], outcome["b"]), ("ok", "ok"))
        self.assertEqual(sorted(outcome["rows"]), ["a", "b"])

    def test_the_same_interleaving_fails_with_deferred_transactions(self):
        outcome = interleave("deferred")
        self.assertEqual(outcome["a"], "database is locked")
        self.assertEqual(outcome["b"], "ok")
        self.assertEqual(outcome["rows"], ["b"])
