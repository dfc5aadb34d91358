"""A migrated SQLite file for the tests that run a server or a command on a database of
their own (a real Daphne, the crontab line, the Redis drill).

Migrating a fresh SQLite file costs several seconds of CPU; three such tests did it each
run. ``migrated_sqlite(path)`` copies one file migrated once, kept in the temporary
directory under a name derived from every migration's source and Django's version: a new
or changed migration gets a file of its own, so a copy is never behind the code. pytest-xdist
workers (and test runs side by side) build it once between them under a file lock.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent


def _schema_key() -> str:
    digest = hashlib.sha256(f"django {django.__version__}".encode())
    for path in sorted(ROOT.glob("*/migrations/*.py")):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def sqlite_env(path: Path, **extra: str) -> dict[str, str]:
    """This process's environment for a command or server of the project's own settings
    (``DEBUG=1``) on the SQLite file ``path``: no database URL, no Redis."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DATABASE_ENGINE", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        DEBUG="1",
        SQLITE_PATH=str(path),
        **extra,
    )
    return env


def _migrate(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"],
        cwd=ROOT,
        env=sqlite_env(path, LOG_LEVEL="WARNING"),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"migrate failed:\n{result.stdout}{result.stderr}")


def migrated_sqlite(destination: Path) -> Path:
    """Make ``destination`` a SQLite database with every migration applied."""
    cache = Path(tempfile.gettempdir()) / "redwan-test-sqlite"
    cache.mkdir(exist_ok=True)
    key = _schema_key()
    template = cache / f"{key}.sqlite3"
    with open(cache / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            building = cache / f"{key}.{os.getpid()}.building"
            building.unlink(missing_ok=True)
            _migrate(building)
            building.rename(template)  # whole or not at all
    shutil.copyfile(template, destination)
    return Path(destination)
