"""HTTP throughput: one Daphne process against gunicorn workers, same data, same run
(SPEC §9, issue #12 point 3).

Needs PostgreSQL and Redis (DATABASE_URL, REDIS_URL) and ``wrk`` (Debian's package).
Builds a throwaway test database with 200 courses and 2,000 lectures, starts the servers
exactly as the image's roles do (``docker-entrypoint.sh ws`` = Daphne through
``core.serve``, ``docker-entrypoint.sh web`` = gunicorn with the role's default worker
count, 2 × CPUs + 1; ``DEBUG=0``; the settings' database connection handling as it is)
and measures from outside with wrk at 16 and 64 connections, ``--duration`` seconds each,
the servers taking turns run by run:

- ``GET /api/courses/?page_size=20`` (anonymous: the public catalogue),
- ``GET /api/lectures/?page_size=100`` (an admin: the 100-lecture list),
- ``GET /healthz/``,
- ``POST /api/lectures/{id}/attendance/`` (an admin submitting 20 records, cycling over
  50 lectures; each answer also broadcasts ``attendance_update`` through Redis).

For each run: requests per second, median and p99 latency, non-2xx answers, the CPU
cores the server (with its workers) really used and its most threads. Then
gunicorn / Daphne per endpoint and concurrency, and the serving layout that implies:
when the geometric mean of the three /api/ ratios is 2× or more, the Docker setup
splits (gunicorn for REST, Daphne for /ws/); ``./run.sh`` keeps one Daphne either way.
The median load average during the runs is printed with it: gunicorn's advantage is the
cores a single Daphne cannot use, and a machine busy with other work has none to give.
Also one gunicorn worker alone at c=16, for the per-process comparison.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/redwan_bench REDIS_URL=redis://127.0.0.1:6379/0 \\
        .venv/bin/python benchmarks/throughput.py [--duration 10]

Informative (no pass/fail): exits non-zero only when a run answered errors.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "Redwan_courses_center.settings_test")
os.environ.setdefault("CHANNELS_PREFIX", f"bench-http-{os.getpid()}")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from benchmarks.database import analyze, throwaway_database  # noqa: E402
from benchmarks.results import Recorder, add_json_argument  # noqa: E402

COURSES, LECTURES_PER_COURSE = 200, 10
SUBMIT_LECTURES, SUBMIT_RECORDS = 50, 20
CONNECTIONS = (16, 64)
SPLIT_AT = 2.0
ENDPOINTS = ("courses", "lectures", "healthz", "submit")
API_ENDPOINTS = ("courses", "lectures", "submit")
LABELS = {
    "courses": "GET /api/courses/?page_size=20",
    "lectures": "GET /api/lectures/?page_size=100",
    "healthz": "GET /healthz/",
    "submit": "POST /api/lectures/{id}/attendance/ (20 records)",
}


def fill() -> dict:
    from attendance.models import LectureAttendance
    from attendance.tests.ws_helpers import access_token
    from courses.models import CourseSchedule, Lecture
    from courses.tests.factories import CourseFactory, SeasonFactory, TagFactory
    from users.tests.factories import make_admin, make_child, make_instructor, make_parent

    season = SeasonFactory()
    tags = [TagFactory() for _ in range(10)]
    instructors = [make_instructor() for _ in range(20)]
    start = datetime.date(2026, 9, 5)
    lectures = []
    for n in range(COURSES):
        course = CourseFactory(
            season=season,
            instructor=instructors[n % len(instructors)],
            start_date=start,
            end_date=start + datetime.timedelta(weeks=LECTURES_PER_COURSE),
        )
        course.tags.add(tags[n % len(tags)], tags[(n + 3) % len(tags)])
        CourseSchedule.objects.create(
            course=course, weekday=n % 7, start_time=datetime.time(17), end_time=datetime.time(18)
        )
        lectures += [
            Lecture(
                course=course,
                number=k + 1,
                date=start + datetime.timedelta(weeks=k),
                start_time=datetime.time(17),
                end_time=datetime.time(18),
                instructor=course.instructor,
            )
            for k in range(LECTURES_PER_COURSE)
        ]
    Lecture.objects.bulk_create(lectures)
    parent = make_parent()
    children = [make_child(parent, first_name=f"Kid{i}") for i in range(SUBMIT_RECORDS)]
    submit_ids = list(Lecture.objects.order_by("pk").values_list("pk", flat=True)[:SUBMIT_LECTURES])
    LectureAttendance.objects.bulk_create(
        LectureAttendance(lecture_id=pk, child=child) for pk in submit_ids for child in children
    )
    return {
        "token": access_token(make_admin()),
        "children": [c.pk for c in children],
        "submit_ids": submit_ids,
    }


def lua_script(data: dict, directory: Path) -> Path:
    """A wrk script that POSTs a submission to the next of ``submit_ids`` each time."""
    records = [{"child": pk, "present": True, "rating": 8} for pk in data["children"]]
    body = json.dumps({"records": records})
    ids = ", ".join(map(str, data["submit_ids"]))
    path = directory / "submit.lua"
    path.write_text(
        f"local ids = {{{ids}}}\n"
        "local n = 0\n"
        f"local body = {json.dumps(body)}\n"
        "local headers = {\n"
        '  ["Content-Type"] = "application/json",\n'
        f'  ["Authorization"] = "Bearer {data["token"]}",\n'
        "}\n"
        "request = function()\n"
        "  n = n % #ids + 1\n"
        '  return wrk.format("POST", "/api/lectures/" .. ids[n] .. "/attendance/", headers, body)\n'
        "end\n"
    )
    return path


def wrk_command(server, endpoint: str, connections: int, seconds: float, data, script) -> list:
    base = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "--latency"]
    auth = ["-H", f"Authorization: Bearer {data['token']}"]
    if endpoint == "courses":
        return [*base, f"{server.base}/api/courses/?page_size=20"]
    if endpoint == "lectures":
        return [*base, *auth, f"{server.base}/api/lectures/?page_size=100"]
    if endpoint == "healthz":
        return [*base, f"{server.base}/healthz/"]
    return [*base, "-s", str(script), f"{server.base}/"]


def parse_wrk(output: str) -> dict:
    def ms(text: str) -> float:
        value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}[unit]

    rate = re.search(r"Requests/sec:\s+([\d.]+)", output)
    p50 = re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE)
    p99 = re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    if rate is None:
        raise RuntimeError(f"unexpected wrk output:\n{output}")
    return {
        "rps": float(rate.group(1)),
        "p50": ms(p50.group(1)) if p50 else math.nan,
        "p99": ms(p99.group(1)) if p99 else math.nan,
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(map(int, errors.groups())) if errors else 0),
    }


def measure(server, endpoint, connections, seconds: int, data, script) -> dict:
    """One wrk run, with the server's CPU time and its thread count sampled meanwhile."""
    most_threads, done = [server.threads()], threading.Event()

    def sample():
        while not done.wait(0.5):
            most_threads.append(server.threads())

    sampler = threading.Thread(target=sample, daemon=True)
    cpu_before, started = server.cpu_seconds(), time.monotonic()
    sampler.start()
    command = wrk_command(server, endpoint, connections, seconds, data, script)
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        done.set()
        sampler.join()
    wall = time.monotonic() - started
    result = parse_wrk(output)
    result.update(
        cores=(server.cpu_seconds() - cpu_before) / wall,
        threads=max(most_threads),
        load=os.getloadavg()[0],
    )
    return result


def run_interleaved(servers: list, seconds: int, data, script) -> dict:
    """Every run, server after server for each endpoint and concurrency, so that a change
    in the machine's other load falls on all of them alike. The servers all listen
    meanwhile; an idle one uses no CPU. The single worker runs at c=16 only."""
    results: dict = {server.label: {} for server in servers}
    for server in servers:
        for endpoint in ENDPOINTS:  # warm every worker up: URLconf, imports, connections
            measure(server, endpoint, 16, 2, data, script)
    for endpoint in ENDPOINTS:
        for c in CONNECTIONS:
            for server in servers:
                if server.workers == 1 and c != CONNECTIONS[0]:
                    continue
                results[server.label][endpoint, c] = measure(
                    server, endpoint, c, seconds, data, script
                )
    return results


def main() -> int:
    from testkit.servers import Server

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    add_json_argument(parser)
    args = parser.parse_args()
    record = Recorder("throughput", args.json)
    if connection.vendor != "postgresql" or not settings.REDIS_URL or not shutil.which("wrk"):
        print("throughput needs PostgreSQL, Redis and wrk: DATABASE_URL, REDIS_URL, apt wrk")
        return 2

    with throwaway_database():
        data = fill()
        analyze()
        connection.close()
        with tempfile.TemporaryDirectory() as tmp:
            script = lua_script(data, Path(tmp))
            daphne = Server("ws")
            gunicorn = Server("web", workers=args.workers)
            single = Server("web", workers=1)
            servers = [daphne, gunicorn, single]
            try:
                for server in servers:
                    server.start()
                results = run_interleaved(servers, args.duration, data, script)
            finally:
                for server in servers:
                    server.stop()
    return report(results, daphne.label, gunicorn.label, single.label, record)


def per_request(run: dict) -> float:
    """Server CPU milliseconds per answered request."""
    return run["cores"] / run["rps"] * 1000 if run["rps"] else math.nan


def report(results: dict, daphne: str, gunicorn: str, single: str, record: Recorder) -> int:
    print(f"{COURSES} courses, {COURSES * LECTURES_PER_COURSE:,} lectures; wrk -t2, 10 s timeout")
    print(
        "| server | endpoint | c | req/s | p50 ms | p99 ms | non-2xx/errors | cores used "
        "| server CPU ms/request | threads | load 1 min |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    errors = 0
    for label, runs in results.items():
        for (endpoint, c), r in runs.items():
            errors += r["errors"]
            print(
                f"| {label} | {LABELS[endpoint]} | {c} | {r['rps']:.1f} | {r['p50']:.1f} "
                f"| {r['p99']:.1f} | {r['errors']} | {r['cores']:.2f} "
                f"| {per_request(r):.1f} | {r['threads']} "
                f"| {r['load']:.1f} |"
            )
            record.add(f"{label}: {LABELS[endpoint]}, c={c}", r["rps"], "req/s")
            record.add(f"{label}: {LABELS[endpoint]}, c={c}: cores used", r["cores"], "cores")
            record.add(
                f"{label}: {LABELS[endpoint]}, c={c}: server CPU per request",
                per_request(r),
                "ms",
            )
    print(f"\n{gunicorn} / {daphne}, same run:")
    ratios = []
    for endpoint in ENDPOINTS:
        for c in CONNECTIONS:
            ratio = results[gunicorn][endpoint, c]["rps"] / max(
                results[daphne][endpoint, c]["rps"], 0.01
            )
            if endpoint in API_ENDPOINTS:
                ratios.append(ratio)
            print(f"  {LABELS[endpoint]:52} c={c:<3} {ratio:5.1f}×")
            record.add(f"{gunicorn} / {daphne}: {LABELS[endpoint]}, c={c}", ratio, "x")
    for endpoint in ENDPOINTS:
        ratio = results[single][endpoint, 16]["rps"] / max(
            results[daphne][endpoint, 16]["rps"], 0.01
        )
        print(f"  per process, {single} / {daphne}: {LABELS[endpoint]:40} c=16 {ratio:5.1f}×")
        record.add(f"{single} / {daphne}: {LABELS[endpoint]}, c=16", ratio, "x")
    mean = math.exp(sum(math.log(max(r, 0.01)) for r in ratios) / len(ratios))
    split = mean >= SPLIT_AT
    layout = (
        "gunicorn for REST + Daphne for /ws/ behind nginx" if split else "one Daphne for everything"
    )
    # The load average counts this benchmark's own wrk, server and PostgreSQL processes
    # too; printed so that a reader can tell a quiet run from a busy one.
    load = statistics.median(r["load"] for runs in results.values() for r in runs.values())
    layout += f" (median 1-min load during the runs {load:.1f} on {os.cpu_count()} cores)"
    print(f"\ngeometric mean over the /api/ runs: {mean:.1f}× → {layout}")
    record.add(
        f"serving layout: {gunicorn} / {daphne}, geometric mean of the /api/ runs → {layout}",
        mean,
        "x",
        budget=f"split when >= {SPLIT_AT:.0f}x",
        passed=None,
    )
    if errors:
        print(f"\n{errors} requests answered errors")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
