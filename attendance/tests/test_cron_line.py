"""The crontab line django-crontab writes runs the job with an empty environment, the way
cron starts it, and the job succeeds and logs (issue #10, point 5).

The line is built by django-crontab's own ``Crontab.add_jobs`` with the prefix and suffix
``docker-entrypoint.sh cron`` sets (no crontab binary needed); the environment file is
written by the entrypoint's own ``write_cron_env``. Then ``env -i /bin/sh -c <command>``
runs it against a throwaway SQLite file.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from django.conf import settings
from django.test import SimpleTestCase, override_settings
from django_crontab.crontab import Crontab

from testkit.sqlite import migrated_sqlite

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "docker-entrypoint.sh"


def crontab_lines(*, prefix: str, suffix: str) -> list[str]:
    with override_settings(CRONTAB_COMMAND_PREFIX=prefix, CRONTAB_COMMAND_SUFFIX=suffix):
        crontab = Crontab(verbosity=0)
        crontab.crontab_lines = []
        crontab.add_jobs()
        return crontab.crontab_lines


class CrontabLineTests(SimpleTestCase):
    def test_cronjobs_are_the_three_jobs_in_cairo_time(self):
        jobs = {name: schedule for schedule, name, *_ in settings.CRONJOBS}
        self.assertEqual(jobs["attendance.cron.generate_instructor_attendance_weekly"], "5 0 * * 0")
        self.assertEqual(jobs["attendance.cron.mark_absent_daily"], "59 23 * * *")
        self.assertIn("attendance.cron.flush_expired_tokens_nightly", jobs)

    def test_the_generated_line_runs_the_job_under_an_empty_environment(self):
        with tempfile.TemporaryDirectory() as tmp:
            env_file, log_file = Path(tmp, "cron.env"), Path(tmp, "cron.log")
            database = Path(tmp, "cron.sqlite3")
            container_env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "PYTHON": sys.executable,
                "DJANGO_SETTINGS_MODULE": "Redwan_courses_center.settings",
                "DEBUG": "0",
                "DJANGO_SECRET_KEY": secrets.token_urlsafe(50),
                "SQLITE_PATH": str(database),
                "LOG_LEVEL": "WARNING",
            }
            migrated_sqlite(database)
            written = subprocess.run(
                ["bash", "-c", 'source "$1" && write_cron_env "$2"', "_", ENTRYPOINT, env_file],
                env=container_env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            self.assertEqual(written.returncode, 0, written.stderr)

            # What docker-entrypoint.sh's cron mode passes to `manage.py crontab add`.
            lines = crontab_lines(prefix=f". {env_file} && exec", suffix=f">> {log_file} 2>&1")
            job = [entry for entry in settings.CRONJOBS if "mark_absent_daily" in entry[1]][0]
            line = next(
                candidate
                for candidate in lines
                if Crontab(verbosity=0)._Crontab__hash_job(job) in candidate
            )
            schedule, command = " ".join(line.split()[:5]), " ".join(line.split()[5:])
            self.assertEqual(schedule, "59 23 * * *")
            command = command.split(" # ")[0]  # django-crontab's trailing comment
            self.assertTrue(command.startswith(f". {env_file} && exec "), command)

            ran = subprocess.run(
                ["env", "-i", "/bin/sh", "-c", command],
                cwd="/",
                capture_output=True,
                text=True,
                timeout=120,
            )
            self.assertEqual(ran.returncode, 0, ran.stderr + log_file.read_text())
            with sqlite3.connect(database) as db:
                rows = db.execute(
                    "SELECT job_name, status FROM attendance_attendancecronlog"
                ).fetchall()
            self.assertEqual(rows, [("mark_absent_daily", "success")], log_file.read_text())
