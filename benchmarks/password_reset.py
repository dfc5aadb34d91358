"""The forgotten-password reset answers a number without an account as it answers one with
an account (SPEC §5: no oracle) — in status and body, and in time.

Builds a throwaway test database (PostgreSQL when DATABASE_URL is set; SQLite otherwise)
with ``--calls`` parent accounts, then sends, through Django's test client (the whole
middleware stack, the view, the service, the commit and its after-commit work), in turn:

- ``POST /auth/password/reset/`` for an account's number, then for a number without one
  (the order alternates from one pair to the next), ``--calls`` of each;
- ``POST /auth/password/reset/confirm/`` with a wrong code, for each of those numbers.

Passwords and codes are hashed with the project's own hashers (Argon2id), not the tests'
MD5, since hashing is most of the work. The SMS backend waits ``--sms-ms`` per message, as
a gateway's round trip would: the reset hands the text to a background sender after
commit, so the answer must not wait for it. Each call has its own number and client
address, so no throttle refuses it.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench .venv/bin/python benchmarks/password_reset.py

Judged: the two kinds of number get the same statuses and bodies and run the same number
of SQL statements; the median time of the one without an account is within
``MEDIAN_RATIO_RANGE`` of the other's, measured side by side. Milliseconds are printed,
never judged. Exits 1 when broken.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
warnings.filterwarnings("ignore", message="No directory at")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from benchmarks.database import throwaway_database  # noqa: E402
from benchmarks.results import Recorder, add_json_argument  # noqa: E402
from Redwan_courses_center import settings as project_settings  # noqa: E402

# Median time without an account / with one. Side by side on a quiet machine the two
# medians differ by a few percent; this leaves room for a shared machine's noise.
MEDIAN_RATIO_RANGE = (0.8, 1.25)


class SlowSmsBackend:
    """A gateway that takes ``SlowSmsBackend.delay`` seconds per message."""

    delay = 0.2
    sent = 0

    def send(self, phone: str, message: str) -> None:
        time.sleep(self.delay)
        type(self).sent += 1


def timed(client: Client, path: str, body: dict, ip: str):
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        response = client.post(path, body, content_type="application/json", REMOTE_ADDR=ip)
        elapsed = time.perf_counter() - start
    data = response.json() if response.content else None
    return response.status_code, data, len(queries), elapsed * 1000


def measure(calls: int) -> dict[str, dict[str, list]]:
    from users.tests.factories import make_parent

    known = [f"+2010{10_000_000 + i:08d}" for i in range(calls)]
    unknown = [f"+2011{10_000_000 + i:08d}" for i in range(calls)]
    for phone in known:
        make_parent(phone_number1=phone)
    client = Client()
    timed(client, "/auth/password/reset/", {"phone_number1": "+201209999999"}, "10.9.9.9")
    results = {
        f"{step} {kind}": {"answers": [], "statements": [], "ms": []}
        for step in ("reset", "confirm")
        for kind in ("account", "no account")
    }
    for step, path in (
        ("reset", "/auth/password/reset/"),
        ("confirm", "/auth/password/reset/confirm/"),
    ):
        for i in range(calls):
            pair = [("account", known[i]), ("no account", unknown[i])]
            for kind, phone in pair if i % 2 == 0 else reversed(pair):
                body = {"phone_number1": phone}
                if step == "confirm":
                    body |= {
                        "code": "000000",
                        "new_password": "N3w-pass-42",
                        "re_new_password": "N3w-pass-42",
                    }
                status, data, statements, ms = timed(
                    client, path, body, f"10.{i % 2}.{i // 250}.{i % 250}"
                )
                result = results[f"{step} {kind}"]
                result["answers"].append((status, data))
                result["statements"].append(statements)
                result["ms"].append(ms)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=50, help="calls per kind of number")
    parser.add_argument("--sms-ms", type=float, default=200.0, help="the gateway's delay")
    add_json_argument(parser)
    args = parser.parse_args(argv)
    record = Recorder("password_reset", args.json)
    SlowSmsBackend.delay = args.sms_ms / 1000

    with throwaway_database():
        with override_settings(
            PASSWORD_HASHERS=project_settings.PASSWORD_HASHERS,
            SMS_BACKEND=f"{__name__}.SlowSmsBackend",
        ):
            results = measure(args.calls)
            from core.sms import wait_for_sms_in_background

            wait_for_sms_in_background(timeout=args.calls * SlowSmsBackend.delay + 30)

    print(f"database: {connection.vendor}; hasher: {project_settings.PASSWORD_HASHERS[0]}")
    print(f"SMS gateway delay: {args.sms_ms:.0f} ms; texts sent: {SlowSmsBackend.sent}")
    print("| call | number | statements | median ms | mean ms | p90 ms | min ms | max ms |")
    print("|---|---|---|---|---|---|---|---|")
    problems = []
    for name, result in results.items():
        ms = sorted(result["ms"])
        p90 = ms[int(len(ms) * 0.9) - 1]
        statements = sorted(set(result["statements"]))
        step, kind = name.split(" ", 1)
        print(
            f"| {step} | {kind} | {statements} | {statistics.median(ms):.1f} "
            f"| {statistics.fmean(ms):.1f} | {p90:.1f} | {ms[0]:.1f} | {ms[-1]:.1f} |"
        )
        record.add(f"{name}: median", statistics.median(ms), "ms")
    for step in ("reset", "confirm"):
        mine, other = results[f"{step} account"], results[f"{step} no account"]
        if {repr(a) for a in mine["answers"]} != {repr(a) for a in other["answers"]}:
            problems.append(f"{step}: the answers differ")
        if set(mine["statements"]) != set(other["statements"]):
            problems.append(f"{step}: the statements differ")
        ratio = statistics.median(other["ms"]) / statistics.median(mine["ms"])
        low, high = MEDIAN_RATIO_RANGE
        passed = low <= ratio <= high
        if not passed:
            problems.append(f"{step}: median ratio {ratio:.2f}")
        print(f"{step}: median without an account / with one = {ratio:.2f}")
        record.add(
            f"{step}: median time without an account / with one",
            ratio,
            "x",
            budget=f"{low}-{high}x",
            passed=passed,
        )
        record.add(
            f"{step}: same statuses, bodies and statements",
            1.0 if not problems else 0.0,
            "bool",
            budget="same",
            passed=not any(p.startswith(step) and "differ" in p for p in problems),
        )
    print("\nOK" if not problems else "\nbroken: " + "; ".join(problems))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
