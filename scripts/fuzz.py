"""Fuzz the API with schemathesis as every role (issue #12, point 5). Run by .ci/run.

    .venv/bin/python scripts/fuzz.py                     # SQLite, in-memory layer
    DATABASE_URL=postgres://… REDIS_URL=redis://… .venv/bin/python scripts/fuzz.py

What it does:

1. a throw-away database — a temporary SQLite file, or, with ``DATABASE_URL`` set, a new
   PostgreSQL database ``<name>_fuzz_<pid>`` on that server (dropped at the end: the fuzzer
   writes junk that should not land in anybody's database); with ``REDIS_URL`` set, Redis
   for the channel layer and the cache under a prefix of this run's own;
2. ``migrate``, ``seed_demo`` and ``scripts/fuzz_seed.py`` (rows of every persona's own,
   and two proposed lectures);
3. the app as in production — ``DEBUG=0``, ``python -m core.serve`` (Daphne) on a free
   port of 127.0.0.1 — with the throttles opened wide (a fuzzer is one client sending
   thousands of requests; the throttles have tests of their own) and plain HTTP;
4. fetches ``/api/schema/`` once (the server takes seconds to build it on a busy machine),
   logs in as every role and runs ``schemathesis run`` on that document against the
   server once per role, one after the other, each bounded by ``--max-time``, with the checks ``not_a_server_error``,
   ``response_schema_conformance`` and ``status_code_conformance``;
5. exits 1 when any role's run found anything (the failures are printed by schemathesis,
   the server's tracebacks by this script), 0 otherwise.

Roles, in this order (each may change only its own rows, so the admin comes last): the
anonymous caller, the parent, the student, the instructor, the supervisor, the admin, and
the attendance ``device`` (``Authorization: Device <key>``, only on the scan endpoint).

Settings (environment variables):

- ``FUZZ_SECONDS``: time budget of each role's run (default 15; the device gets a third);
- ``FUZZ_ROLES``: comma list of roles to run (default: all of them);
- ``FUZZ_SEED``: schemathesis' random seed (default: a new one, printed for a re-run);
- ``FUZZ_PATH_REGEX``: only the operations whose path matches (e.g. ``^/api/online-courses``
  to spend the whole budget on one area; the ``device`` role keeps its one path, so leave
  it out of ``FUZZ_ROLES`` then);
- ``FUZZ_WORKERS``: schemathesis workers per run (default 1: with more, its threads call
  ``ast.parse`` at once, which on Python 3.11 fails now and then with "AST constructor
  recursion depth mismatch", CPython gh-106905 — reported as an error of the run);
- ``FUZZ_REPORT_DIR``: JUnit reports and the server's log (default ``artifacts/fuzz``).

Operations left out, and why (the same for every role):

- ``POST /auth/users/set_password/``: a changed password ends every token of the user
  (tokens carry a digest of the password hash), so the rest of the run would be
  anonymous. It needs the current password, which the fuzzer does not know; its
  behaviour is covered by users/tests.

The approve and reject operations of proposed lectures are aimed at the seeded proposals
(``AIMED_AT_PROPOSALS``): a generated ``id`` would nearly always miss them.

No check is switched off for any operation: there is no known false positive. A finding
that turns out to be one goes into ``FALSE_POSITIVES`` below with its reason; the script
then disables that check for that operation only.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(1, str(Path(__file__).resolve().parent.parent))  # the repository: testkit
from demo_logins import demo_logins  # noqa: E402 - scripts/ is this script's sys.path[0]

from testkit.servers import free_port, stop_process, wait_for  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHECKS = "not_a_server_error,response_schema_conformance,status_code_conformance"
EXCLUDED_PATHS = ["/auth/users/set_password/"]
# (method, path, check) → why schemathesis' finding is not a bug. Empty: none known.
FALSE_POSITIVES: dict[tuple[str, str, str], str] = {}
WIDE_OPEN = "1000000/minute"
THROTTLES = (
    "LOGIN_THROTTLE_RATE",
    "PHONE_CODE_THROTTLE_RATE",
    "PHONE_VERIFY_THROTTLE_RATE",
    "REGISTER_THROTTLE_RATE",
    "PASSWORD_CHANGE_THROTTLE_RATE",
    "PARENT_LINK_THROTTLE_RATE",
    "PASSWORD_RESET_IP_THROTTLE_RATE",
    "PASSWORD_RESET_PHONE_THROTTLE_RATE",
    "PASSWORD_RESET_CONFIRM_IP_THROTTLE_RATE",
    "PASSWORD_RESET_CONFIRM_PHONE_THROTTLE_RATE",
)
# Operations whose path ``id`` is always a seeded object's instead of a generated number
# (nearly always 0, 1 or 2: nobody's rows, or others than the seed's): each of the proposed
# lectures of scripts/fuzz_seed.py, in order, so that the fuzzer reaches the decision itself
# — refused by role, decided once (200), then 409 — rather than a 404.
AIMED_AT_PROPOSALS = ("/api/lectures/{id}/approve/", "/api/lectures/{id}/reject/")


@dataclass(frozen=True)
class Role:
    name: str
    phone: str | None = None  # None: no login (anonymous, device)
    share: float = 1.0  # of FUZZ_SECONDS
    paths: tuple[str, ...] = ()  # only these operations (empty: all)


def say(text: str) -> None:
    sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def roles() -> list[Role]:
    demo = demo_logins()
    return [
        Role("anonymous"),
        Role("parent", demo["PARENT_PHONE"]),
        Role("student", demo["STUDENT_PHONE"]),
        Role("instructor", demo["INSTRUCTOR_PHONE"]),
        Role("supervisor", demo["SUPERVISOR_PHONE"]),
        Role("admin", demo["ADMIN_PHONE"]),
        Role("device", share=1 / 3, paths=("/api/attendance/scan/",)),
    ]


class Database:
    """The run's own database: a SQLite file, or a new PostgreSQL database beside
    ``DATABASE_URL``'s (created here, dropped in ``drop``)."""

    def __init__(self, tmp: Path) -> None:
        self.url = os.environ.get("DATABASE_URL", "")
        self.sqlite = tmp / "fuzz.sqlite3"
        self.name = ""
        if self.url:
            parts = urlsplit(self.url)
            self.name = f"{parts.path.lstrip('/') or 'redwan'}_fuzz_{os.getpid()}"
            self.admin_url = urlunsplit(parts._replace(path="/postgres"))
            self.url = urlunsplit(parts._replace(path=f"/{self.name}"))

    def env(self) -> dict[str, str]:
        # Uploaded photos go beside the throw-away database, never into the project's media/.
        media = {"MEDIA_ROOT": str(self.sqlite.parent / "media")}
        if self.url:
            return {"DATABASE_URL": self.url, **media}
        return {"SQLITE_PATH": str(self.sqlite), **media}

    def describe(self) -> str:
        return f"PostgreSQL database {self.name}" if self.url else f"SQLite {self.sqlite}"

    def _admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.admin_url, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql)

    def create(self) -> None:
        if self.url:
            self._admin(f'CREATE DATABASE "{self.name}"')

    def drop(self) -> None:
        if self.url:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def server_env(database: Database) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DATABASE_URL", "SQLITE_PATH", "DJANGO_SETTINGS_MODULE", "MEDIA_S3_BUCKET")
    }
    env.update(database.env())
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on 127.0.0.1: no redirect to HTTPS, no secure-only cookies.
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        JWT_ACCESS_MINUTES="240",
        LOG_LEVEL="WARNING",
    )
    env.update({name: WIDE_OPEN for name in THROTTLES})
    if os.environ.get("REDIS_URL"):
        prefix = f"fuzz{os.getpid()}"
        env.update(CHANNELS_PREFIX=prefix, CACHE_KEY_PREFIX=prefix)
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and scripts
        [PYTHON, *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        say(done.stdout[-2000:] + done.stderr[-4000:])
        raise SystemExit(f"{' '.join(args)} failed (exit {done.returncode})")
    return done.stdout


def login(base: str, phone: str, password: str) -> str:
    body = json.dumps({"phone_number1": phone, "password": password}).encode()
    request = urllib.request.Request(  # noqa: S310 - our own 127.0.0.1
        f"{base}/auth/jwt/create/", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return json.loads(response.read())["access"]


def config_file(tmp: Path, *, proposals: list[int]) -> Path:
    """schemathesis.toml aiming ``AIMED_AT_PROPOSALS`` at the seeded ``proposals``, and
    switching off each known false positive's check for its operation only."""
    lines = []
    for path, lecture in zip(AIMED_AT_PROPOSALS, proposals, strict=True):
        lines += ["[[operations]]", f'include-path = "{path}"']
        lines += [f'parameters = {{ "path.id" = {lecture} }}', ""]
    for (method, path, check), reason in sorted(FALSE_POSITIVES.items()):
        lines += [
            f"# {reason}",
            "[[operations]]",
            f'include-method = "{method}"',
            f'include-path = "{path}"',
            f"checks.{check}.enabled = false",
            "",
        ]
    target = tmp / "schemathesis.toml"
    target.write_text("\n".join(lines), encoding="utf-8")
    return target


def fuzz_role(role: Role, *, run: Run, header: str | None) -> int:
    """``schemathesis run`` as one role; its exit code (0: nothing found)."""
    seconds = max(1, round(run.seconds * role.share))
    command = [PYTHON, "-m", "schemathesis.cli", "--no-color", "--config-file", str(run.config)]
    command += ["run", str(run.schema), "--url", run.base, "--checks", CHECKS]
    command += ["--max-time", str(seconds), "--seed", str(run.seed), "--workers", run.workers]
    command += ["--request-timeout", "30", "--generation-database", "none", "--warnings", "off"]
    command += ["--report", "junit", "--report-junit-path", str(run.reports / f"{role.name}.xml")]
    for path in EXCLUDED_PATHS:
        command += ["--exclude-path", path]
    for path in role.paths:
        command += ["--include-path", path]
    if run.path_regex and not role.paths:
        command += ["--include-path-regex", run.path_regex]
    if header:
        command += ["-H", f"Authorization: {header}"]
    say(f"\n--- {role.name}: schemathesis for {seconds} s")
    started = time.monotonic()
    status = subprocess.run(command, cwd=run.reports, check=False).returncode  # noqa: S603
    say(f"--- {role.name}: exit {status} after {time.monotonic() - started:.0f} s")
    return status


def server_errors(log: Path) -> list[str]:
    """The errors the server logged, each with its traceback (every 500 leaves one)."""
    errors: list[str] = []
    current: list[str] | None = None
    for line in log.read_text(errors="replace").splitlines():
        starts_record = line[:4].isdigit() or line.startswith("127.0.0.1:")
        if starts_record:
            if current:
                errors.append("\n".join(current))
            current = [line] if (" ERROR " in line or " CRITICAL " in line) else None
        elif current is not None:
            current.append(line)
    if current:
        errors.append("\n".join(current))
    return errors


def _stop(signum, frame) -> None:
    # A CI time-out (SIGTERM) still stops the server and drops the database (finally:).
    raise SystemExit(128 + signum)


@dataclass(frozen=True)
class Run:
    """One fuzz run's settings (from the environment) and its server."""

    seconds: int
    seed: int
    workers: str
    reports: Path
    roles: list[Role]
    config: Path | None = None  # schemathesis.toml, written once the database is seeded
    path_regex: str = ""
    base: str = ""
    device_key: str = ""
    schema: Path | None = None  # the served schema, fetched once for every role


def settings() -> Run:
    wanted = [r for r in os.environ.get("FUZZ_ROLES", "").split(",") if r]
    chosen = [role for role in roles() if not wanted or role.name in wanted]
    unknown = set(wanted) - {role.name for role in chosen}
    if unknown:
        raise SystemExit(f"unknown FUZZ_ROLES: {', '.join(sorted(unknown))}")
    reports = Path(os.environ.get("FUZZ_REPORT_DIR", ROOT / "artifacts" / "fuzz")).resolve()
    reports.mkdir(parents=True, exist_ok=True)
    return Run(
        seconds=int(os.environ.get("FUZZ_SECONDS", "15")),
        seed=int(os.environ.get("FUZZ_SEED") or secrets.randbelow(2**31)),
        workers=os.environ.get("FUZZ_WORKERS", "1"),
        reports=reports,
        roles=chosen,
        path_regex=os.environ.get("FUZZ_PATH_REGEX", ""),
    )


def prepare(env: dict[str, str]) -> dict:
    """Migrate and seed the run's database; what scripts/fuzz_seed.py printed (the fuzz
    device's key, the proposed lectures' ids)."""
    manage(env, "manage.py", "migrate", "--noinput", "-v", "0")
    manage(env, "manage.py", "seed_demo")
    return json.loads(manage(env, "scripts/fuzz_seed.py").splitlines()[-1])


def start_server(env: dict[str, str], log) -> tuple[subprocess.Popen, str]:
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - our own interpreter
        [PYTHON, "-m", "core.serve", "-b", "127.0.0.1", "-p", str(port), "core.asgi:application"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    url = f"{base}/healthz/"
    if not wait_for(url, 60):
        raise SystemExit(f"the server did not answer at {url}")
    return server, base


def fetch_schema(base: str, target: Path) -> Path:
    """The schema the server serves, saved once: building it takes the server seconds (10 s
    and more on a busy machine, past schemathesis's own loading timeout), and every role
    reads the same document."""
    with urllib.request.urlopen(f"{base}/api/schema/?format=json", timeout=180) as response:  # noqa: S310 - our own 127.0.0.1
        target.write_bytes(response.read())
    return target


def fuzz_all(run: Run) -> list[str]:
    """Each role's schemathesis run, in order; the roles that found something."""
    password = demo_logins()["DEMO_PASSWORD"]
    failed = []
    for role in run.roles:
        header = None
        if role.phone:
            header = f"Bearer {login(run.base, role.phone, password)}"
        elif role.name == "device":
            header = f"Device {run.device_key}"
        if fuzz_role(role, run=run, header=header) != 0:
            failed.append(role.name)
    return failed


def main() -> int:
    signal.signal(signal.SIGTERM, _stop)
    with tempfile.TemporaryDirectory(prefix="redwan-fuzz-") as tmp_name:
        tmp = Path(tmp_name)
        run, database = settings(), Database(tmp)
        env = server_env(database)
        log_path = run.reports / "server.log"
        say(f"fuzz: {database.describe()}, seed {run.seed}, {run.seconds} s per role")
        database.create()
        server, failed = None, []
        try:
            seeded = prepare(env)
            config = config_file(tmp, proposals=seeded["proposals"])
            with open(log_path, "wb") as log:
                server, base = start_server(env, log)
                schema = fetch_schema(base, tmp / "schema.json")
                run = replace(
                    run, base=base, device_key=seeded["device_key"], schema=schema, config=config
                )
                failed = fuzz_all(run)
        finally:
            if server is not None:
                stop_process(server)
            database.drop()
    errors = server_errors(log_path)
    for error in errors[:10]:
        say(f"\nthe server logged:\n{error[-4000:]}")
    if failed or errors:
        what = ", ".join(failed) or "server errors"
        say(f"\nFUZZ FAILED: {what} (seed {run.seed}; reports in {run.reports})")
        return 1
    say(f"\nfuzz passed: {len(run.roles)} roles, no finding (seed {run.seed})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
