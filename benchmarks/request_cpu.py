"""CPU time per request in this process, against a reference request timed beside it.

The measuring loop of ``benchmarks/cost.py`` and ``benchmarks/reports.py``. Each case goes
through Django's test client (the whole middleware stack, authentication, the view, the
renderer; the client keeps its database connection between requests, as a server with
connection reuse does) and is timed with ``time.process_time``. A case is warmed up, then
timed in rounds of about ``round_seconds`` of CPU, each round followed by a round of the
reference of the same length; the figure judged is the median over the rounds of (the
case's CPU per request / the reference's). A busy or slow machine slows both alike, so the
ratio holds where milliseconds do not.

Django must be set up before this module is imported (the scripts do it first).
"""

from __future__ import annotations

import cProfile
import io
import pstats
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from benchmarks.results import Recorder

PROFILE_LINES = 45


@dataclass
class Case:
    measure: str
    path: str
    budget: float  # CPU per request, at most this many times the reference's
    token: str | None = None  # sent as ``Authorization: Bearer <token>``


@dataclass
class Result:
    case: Case
    ratio: float
    ratio_max: float
    cpu_ms: float
    reference_ms: float
    wall_ms: float
    statements: int
    requests: int

    @property
    def passed(self) -> bool:
        return self.ratio <= self.case.budget


@dataclass(frozen=True)
class Rounds:
    """How a case is timed: ``warmup`` requests of the case and of the reference first,
    then ``count`` rounds of about ``seconds`` of CPU each, sized from ``calibration``
    timed requests (a round sends at least that many)."""

    count: int
    seconds: float
    warmup: int
    calibration: int


def requester(path: str, token: str | None = None) -> Callable[[], None]:
    """A call that sends ``GET path`` once and fails on anything but 200 (a streamed body
    is read to its end: making it is part of the request's cost)."""
    client = Client()
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}

    def send() -> None:
        response = client.get(path, **headers)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code} {response.content[:200]!r}")
        if response.streaming:
            b"".join(response.streaming_content)

    return send


def batch_size(send: Callable[[], None], rounds: Rounds) -> int:
    """Requests in a round of about ``rounds.seconds`` of CPU, from one timed batch."""
    started = time.process_time()
    for _ in range(rounds.calibration):
        send()
    per_request = max((time.process_time() - started) / rounds.calibration, 1e-5)
    return max(rounds.calibration, int(rounds.seconds / per_request))


def timed_round(send: Callable[[], None], batch: int) -> tuple[float, float]:
    """(CPU ms, wall ms) per request over ``batch`` requests."""
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(batch):
        send()
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    return cpu / batch * 1000, wall / batch * 1000


def measure(case: Case, reference_path: str, rounds: Rounds, *, profile: bool) -> Result:
    """Time ``case`` against ``GET reference_path`` (anonymous); with ``profile``, print the
    case's hottest functions over its rounds."""
    send = requester(case.path, case.token)
    reference = requester(reference_path)
    with CaptureQueriesContext(connection) as queries:
        send()
    statements = len(queries.captured_queries)
    for _ in range(rounds.warmup):  # URL resolver, translations, serializer classes, plans
        send()
        reference()
    # Size the rounds so that every case and the reference take about the same time.
    batch = batch_size(send, rounds)
    reference_batch = batch_size(reference, rounds)
    profiler = cProfile.Profile(time.process_time) if profile else None
    ratios, cpus, references, walls = [], [], [], []
    for _ in range(rounds.count):
        if profiler is not None:
            profiler.enable()
        cpu, wall = timed_round(send, batch)
        if profiler is not None:
            profiler.disable()
        reference_cpu, _wall = timed_round(reference, reference_batch)
        ratios.append(cpu / reference_cpu)
        cpus.append(cpu)
        references.append(reference_cpu)
        walls.append(wall)
    if profiler is not None:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(PROFILE_LINES)
        print(f"\n--- profile: {case.measure} ({rounds.count * batch} requests) ---")
        print(out.getvalue())
    return Result(
        case=case,
        ratio=statistics.median(ratios),
        ratio_max=max(ratios),
        cpu_ms=statistics.median(cpus),
        reference_ms=statistics.median(references),
        wall_ms=statistics.median(walls),
        statements=statements,
        requests=rounds.count * batch,
    )


def print_table(results: list[Result], *, what: str, reference: str) -> int:
    """The Markdown table of ``results``; returns how many are over their budget."""
    print(
        f"| {what} | CPU ms / request | {reference} CPU ms | ratio (median / worst round) "
        "| wall ms | statements | budget | |\n|---|---|---|---|---|---|---|---|"
    )
    for r in results:
        print(
            f"| {r.case.measure} | {r.cpu_ms:.2f} | {r.reference_ms:.2f} "
            f"| {r.ratio:.2f}× / {r.ratio_max:.2f}× | {r.wall_ms:.2f} | {r.statements} "
            f"| ≤ {r.case.budget:g}× | {'ok' if r.passed else 'OVER'} |"
        )
    return sum(not r.passed for r in results)


def record(recorder: Recorder, results: list[Result], *, per: str, reference: str) -> None:
    """For ``--json``: each case's ratio (``<case>: CPU per request / <per>``, judged), CPU
    milliseconds and SQL statements; then the reference's CPU milliseconds, the median over
    the cases, as the measure ``reference``."""
    for r in results:
        name = r.case.measure
        recorder.add(
            f"{name}: CPU per request / {per}",
            r.ratio,
            "x",
            budget=f"<= {r.case.budget:g}x",
            passed=r.passed,
        )
        recorder.add(f"{name}: CPU per request", r.cpu_ms, "ms")
        recorder.add(f"{name}: SQL statements", r.statements, "statements")
    recorder.add(reference, statistics.median(r.reference_ms for r in results), "ms")
