"""The one benchmark command: runs every benchmark script and writes benchmarks/RESULTS.md.

    python benchmarks/run_all.py                      # all of them, a few minutes
    python benchmarks/run_all.py --only approval ws_fanout --output /tmp/RESULTS.md
    python benchmarks/run_all.py --render /tmp/redwan-benchmarks-XXXX   # the file again

Each script (``SCRIPTS``) runs in its own
subprocess with ``--json PATH`` against a throwaway PostgreSQL database created for this
run on the server of ``DATABASE_URL`` (default: the local server,
postgres://postgres@127.0.0.1:5432/postgres) and dropped afterwards, together with the
test databases the scripts derive from it, and the Redis of ``REDIS_URL`` (default
redis://127.0.0.1:6379/0; every script uses key prefixes of its own process, whose keys
expire). The JSON lines they write (see benchmarks/results.py) become one Markdown table
with the machine (CPU, cores, load average, Python, PostgreSQL, Redis), the date, pass/fail
per budget, the throughput ratio and the serving layout it implies, and a pointer to
benchmarks/README.md (what each measure is, and why each budget).

Not part of the test suite. Exits non-zero when a script failed or a budget was missed.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SCRIPTS = [
    "queries",
    "attendance",
    "jobs",
    "approval",
    "online",
    "ws_fanout",
    "throughput",
    "cost",
    "reports",
    "logins",
    "photos",
    "cards",
    "password_reset",
]
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
SCRIPT_TIMEOUT = 1200


def with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def create_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_databases(admin_url: str, name: str) -> list[str]:
    """The run's database and every test database a script derived from it."""
    import psycopg

    with psycopg.connect(admin_url, autocommit=True, connect_timeout=10) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname = %s OR datname LIKE %s",
            (name, f"test\\_{name}%"),
        ).fetchall()
        for (datname,) in rows:
            conn.execute(f'DROP DATABASE IF EXISTS "{datname}" WITH (FORCE)')
    return [datname for (datname,) in rows]


def machine(admin_url: str, redis_url: str) -> dict[str, str]:
    import psycopg
    import redis

    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with psycopg.connect(admin_url, connect_timeout=10) as conn:
        (postgres,) = conn.execute("SHOW server_version").fetchone()
    client = redis.Redis.from_url(redis_url, socket_timeout=10)
    try:
        redis_version = client.info("server")["redis_version"]
    finally:
        client.close()
    return {
        "CPU": cpu,
        "cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "PostgreSQL": postgres,
        "Redis": redis_version,
    }


def load() -> str:
    return " / ".join(f"{value:.2f}" for value in os.getloadavg())


def run_script(name: str, env: dict[str, str], json_path: Path, log_dir: Path) -> dict:
    log_path = log_dir / f"{name}.log"
    started = time.monotonic()
    with open(log_path, "w") as log:
        try:
            status = subprocess.run(
                [sys.executable, str(HERE / f"{name}.py"), "--json", str(json_path)],
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=SCRIPT_TIMEOUT,
            ).returncode
        except subprocess.TimeoutExpired:
            status = "timeout"
    return {
        "script": name,
        "status": status,
        "seconds": time.monotonic() - started,
        "log": log_path,
        "load": load(),
    }


def number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, int) or float(value).is_integer() and abs(value) >= 10:
        return f"{int(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def verdict(passed) -> str:
    return {True: "pass", False: "**FAIL**", None: ""}[passed]


def layout_lines(records: list[dict]) -> list[str]:
    layout = [r for r in records if r["measure"].startswith("serving layout:")]
    if not layout:
        return ["The throughput benchmark did not run: no serving layout measured."]
    record = layout[0]
    measure, value = record["measure"], record["value"]
    chosen = measure.rsplit("→", 1)[1].strip()
    lines = [
        f"gunicorn / Daphne, geometric mean of the /api/ runs: **{number(value)}×** "
        f"(the split is chosen at 2× or more) → **{chosen}**.",
        "",
        "| ratio, same run | value |",
        "|---|---|",
    ]
    for r in records:
        if r["benchmark"] == "throughput" and r["unit"] == "x" and r is not record:
            lines.append(f"| {r['measure']} | {number(r['value'])}× |")
    return lines


def render(info: dict, runs: list[dict], records: list[dict], started: str, loads) -> str:
    judged = [r for r in records if r["passed"] is not None]
    failed = [r for r in judged if r["passed"] is False]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run_all.py` on {started}. Regenerate it with that "
        "command. What each measure is and why each budget: "
        "[`benchmarks/README.md`](README.md). Budgets are statement counts and ratios "
        "measured side by side in the same run; milliseconds are reported, never judged.",
        "",
        "## Machine",
        "",
        "| | |",
        "|---|---|",
        *(f"| {key} | {value} |" for key, value in info.items()),
        f"| load average (1 / 5 / 15 min) at start | {loads[0]} |",
        f"| load average at the end | {loads[1]} |",
        "",
        "Other work on the machine slows every number here; the load average says how much "
        "there was.",
        "",
        "## Scripts",
        "",
        "| script | exit | seconds | load after |",
        "|---|---|---|---|",
        *(
            f"| {run['script']} | {run['status']} | {run['seconds']:.0f} | {run['load']} |"
            for run in runs
        ),
        "",
        "## Results",
        "",
        f"Budgets: **{len(judged) - len(failed)} passed, {len(failed)} failed**.",
        "",
        "| benchmark | measure | value | unit | budget | result |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        if r["benchmark"] == "throughput" and r["unit"] == "x":
            continue  # in the serving-layout section
        lines.append(
            f"| {r['benchmark']} | {r['measure']} | {number(r['value'])} | {r['unit']} "
            f"| {r['budget'] or ''} | {verdict(r['passed'])} |"
        )
    lines += ["", "## Serving layout (HTTP throughput)", "", *layout_lines(records), ""]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description="Run every benchmark; write RESULTS.md.")
    parser.add_argument("--only", nargs="+", choices=SCRIPTS, help="run only these scripts")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="LOG_DIR",
        help="write the results of an earlier run again (its log directory); runs nothing",
    )
    args = parser.parse_args()
    if args.render:
        saved = json.loads((args.render / "run.json").read_text())
        records = [
            json.loads(line)
            for name in saved["names"]
            if (args.render / f"{name}.jsonl").exists()
            for line in (args.render / f"{name}.jsonl").read_text().splitlines()
        ]
        runs = saved["runs"]
        text = render(saved["info"], runs, records, saved["started"], saved["loads"])
        args.output.write_text(text, encoding="utf-8")
        print(f"wrote {args.output} from {args.render}")
        return 0

    admin_url = os.environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
    redis_url = os.environ.get("REDIS_URL") or DEFAULT_REDIS_URL
    names = [n for n in (args.only or SCRIPTS) if (HERE / f"{n}.py").exists()]
    database = f"redwan_bench_{os.getpid()}_{int(time.time())}"
    started = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC")
    info = machine(admin_url, redis_url)
    start_load = load()
    env = {
        **os.environ,
        "DATABASE_URL": with_database(admin_url, database),
        "REDIS_URL": redis_url,
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    runs, records = [], []
    log_dir = Path(tempfile.mkdtemp(prefix="redwan-benchmarks-"))
    create_database(admin_url, database)
    try:
        for name in names:
            print(f"==> {name} (load {load()})", flush=True)
            json_path = log_dir / f"{name}.jsonl"
            run = run_script(name, env, json_path, log_dir)
            runs.append(run)
            if json_path.exists():
                records += [json.loads(line) for line in json_path.read_text().splitlines()]
            print(f"    exit {run['status']} in {run['seconds']:.0f} s; log {run['log']}")
    finally:
        dropped = drop_databases(admin_url, database)
        print(f"dropped {', '.join(dropped)}")

    loads = (start_load, load())
    for run in runs:
        run["log"] = str(run["log"])
    (log_dir / "run.json").write_text(
        json.dumps({"info": info, "runs": runs, "started": started, "loads": loads, "names": names})
    )
    text = render(info, runs, records, started, loads)
    args.output.write_text(text, encoding="utf-8")
    failed_runs = [run["script"] for run in runs if run["status"] != 0]
    failed = [r["measure"] for r in records if r["passed"] is False]
    print(f"wrote {args.output}: {len(records)} measures, {len(failed)} budgets missed")
    for name in failed_runs:
        print(f"  script failed: {name} (see {log_dir / (name + '.log')})")
    for measure in failed:
        print(f"  budget missed: {measure}")
    return 1 if failed_runs or failed else 0


if __name__ == "__main__":
    sys.exit(main())
