"""The container setup: docker-entrypoint.sh, wait_for_db, docker-compose.yml, Dockerfile.

No Docker engine is needed. The entrypoint runs on the host against the local PostgreSQL
(only when DATABASE_URL points at one) with the server command replaced by a marker.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path
from unittest import mock
from urllib.parse import urlsplit, urlunsplit

import yaml
from django.core.management import CommandError, call_command
from django.db.utils import OperationalError
from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "docker-entrypoint.sh"
MARKER = "redwan-entrypoint-reached-the-command"
DATABASE_URL = os.environ.get("DATABASE_URL", "")
ON_POSTGRES = DATABASE_URL.startswith(("postgres://", "postgresql://", "pgsql://"))
BASH = shutil.which("bash")


def _entrypoint_env(**overrides: str) -> dict[str, str]:
    """Production-like environment for the entrypoint (DEBUG off, real settings module)."""
    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="Redwan_courses_center.settings",
        DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        PYTHON=sys.executable,
        SKIP_COLLECTSTATIC="1",
        WAIT_FOR_DB_TIMEOUT="30",
    )
    env.update(overrides)
    return env


def _run_entrypoint(*command: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [BASH, str(ENTRYPOINT), *command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _marker_command() -> list[str]:
    return [sys.executable, "-c", f"print({MARKER!r})"]


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


class EnvExampleTests(SimpleTestCase):
    # The variables of the configuration contract (SPEC section 2).
    documented = [
        "DJANGO_SECRET_KEY",
        "DEBUG",
        "DJANGO_ALLOWED_HOSTS",
        "DATABASE_URL",
        "DATABASE_ENGINE",
        "DATABASE_NAME",
        "DATABASE_USERNAME",
        "DATABASE_PASSWORD",
        "DATABASE_HOST",
        "DATABASE_PORT",
        "REDIS_URL",
        "CORS_ALLOWED_ORIGINS",
        "JWT_ACCESS_MINUTES",
        "JWT_REFRESH_DAYS",
        "ATTENDANCE_EDIT_WINDOW_HOURS",
        "INSTRUCTOR_LATE_GRACE_MINUTES",
        "SMS_BACKEND",
        "LOGIN_THROTTLE_RATE",
        "PHONE_CODE_THROTTLE_RATE",
        "PHONE_VERIFY_THROTTLE_RATE",
        "REGISTER_THROTTLE_RATE",
        "PASSWORD_CHANGE_THROTTLE_RATE",
        "PARENT_LINK_THROTTLE_RATE",
        "WS_TICKET_TTL_SECONDS",
    ]

    def test_every_configuration_variable_is_in_env_example(self):
        text = (ROOT / ".env.example").read_text(encoding="utf-8")
        named = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))
        self.assertEqual([name for name in self.documented if name not in named], [])


class ComposeFileTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(ROOT / "docker-compose.yml", encoding="utf-8") as handle:
            cls.compose = yaml.safe_load(handle)
        cls.services = cls.compose["services"]

    def test_it_has_no_obsolete_version_key(self):
        self.assertNotIn("version", self.compose)

    def test_it_defines_the_split_layout_services(self):
        self.assertEqual(
            set(self.services),
            {"db", "redis", "minio", "minio-init", "django-web-app", "ws", "nginx", "cron"},
        )

    def test_database_and_redis_have_health_checks(self):
        self.assertEqual(self.services["db"]["image"], "postgres:17")
        self.assertIn("pg_isready", " ".join(self.services["db"]["healthcheck"]["test"]))
        self.assertTrue(self.services["db"]["volumes"])
        self.assertTrue(self.services["redis"]["image"].startswith("redis:7"))
        self.assertIn("healthcheck", self.services["redis"])

    def test_the_center_runs_manage_py_in_django_web_app(self):
        # SPEC section 3: `docker compose exec django-web-app python3 manage.py ...` and the
        # team's `dj` alias; the service that serves the API is the one that migrates.
        self.assertEqual(self.services["django-web-app"]["command"], ["web"])
        self.assertNotIn("web", self.services)

    def test_web_waits_for_healthy_database_and_redis(self):
        depends_on = self.services["django-web-app"]["depends_on"]
        self.assertEqual(depends_on["db"]["condition"], "service_healthy")
        self.assertEqual(depends_on["redis"]["condition"], "service_healthy")

    def test_uploaded_files_go_to_minio_whose_bucket_exists_before_the_app_starts(self):
        self.assertIn("minio", self.services["minio"]["image"])
        self.assertIn("healthcheck", self.services["minio"])
        init = self.services["minio-init"]
        script = " ".join(init["command"])
        self.assertIn("mc mb --ignore-existing", script)
        self.assertIn('mc anonymous set download "local/$$MEDIA_S3_BUCKET/public"', script)
        self.assertEqual(init["depends_on"]["minio"]["condition"], "service_healthy")
        web = self.services["django-web-app"]
        self.assertEqual(
            web["depends_on"]["minio-init"]["condition"], "service_completed_successfully"
        )
        for name in ("django-web-app", "ws", "cron"):
            environment = self.services[name]["environment"]
            self.assertEqual(environment["MEDIA_S3_ENDPOINT_URL"], "http://minio:9000")
            self.assertTrue(environment["MEDIA_S3_BUCKET"])

    def test_web_and_ws_run_the_entrypoint_roles_of_one_image(self):
        web, ws = self.services["django-web-app"], self.services["ws"]
        self.assertEqual((web["command"], ws["command"]), (["web"], ["ws"]))
        self.assertEqual(web["image"], ws["image"])
        self.assertIn("build", web)
        # ws neither migrates nor collects static files: it starts after the API is healthy.
        self.assertEqual(ws["depends_on"]["django-web-app"]["condition"], "service_healthy")
        for service in (web, ws):
            environment = service["environment"]
            self.assertEqual(urlsplit(environment["DATABASE_URL"]).hostname, "db")
            self.assertEqual(urlsplit(environment["REDIS_URL"]).hostname, "redis")
            self.assertEqual(service["env_file"], [{"path": ".env", "required": False}])
            self.assertNotIn("ports", service)  # reached through nginx only

    def test_nginx_is_the_way_in_and_fills_every_placeholder_of_the_template(self):
        from tests.live_server import render_nginx_template

        nginx = self.services["nginx"]
        self.assertEqual(nginx["ports"], ["${WEB_PORT:-8000}:80"])
        source, target = nginx["volumes"][0].split(":")[:2]
        self.assertEqual((ROOT / source).resolve(), ROOT / "deploy/nginx/redwan.conf.template")
        self.assertTrue(target.startswith("/etc/nginx/templates/"))
        environment = nginx["environment"]
        self.assertEqual(
            (environment["WEB_UPSTREAM"], environment["WS_UPSTREAM"]),
            ("django-web-app:8000", "ws:8000"),
        )
        render_nginx_template({key: str(value) for key, value in environment.items()})
        self.assertEqual(
            {name: nginx["depends_on"][name]["condition"] for name in nginx["depends_on"]},
            {"django-web-app": "service_healthy", "ws": "service_healthy"},
        )

    def test_cron_runs_once_in_cairo_time_from_the_same_image(self):
        cron = self.services["cron"]
        self.assertEqual(cron["environment"]["TZ"], "Africa/Cairo")
        self.assertLessEqual(cron.get("deploy", {}).get("replicas", 1), 1)
        self.assertLessEqual(cron.get("scale", 1), 1)
        self.assertEqual(cron["command"], ["cron"])
        self.assertEqual(cron["user"], "root")
        self.assertEqual(cron["image"], self.services["django-web-app"]["image"])
        self.assertEqual(cron["depends_on"]["db"]["condition"], "service_healthy")


class DockerfileTests(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
        joined = re.sub(r"\\\n", " ", text)
        instructions = [
            line.strip()
            for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")
        ]
        last_from = max(i for i, line in enumerate(instructions) if line.upper().startswith("FROM"))
        cls.final_stage = instructions[last_from:]

    def _final(self, keyword: str) -> list[str]:
        return [line for line in self.final_stage if line.split()[0].upper() == keyword]

    def test_it_runs_as_a_non_root_user(self):
        users = self._final("USER")
        self.assertTrue(users, "the final stage has no USER instruction")
        user = users[-1].split()[1].split(":")[0]
        self.assertNotIn(user, {"root", "0"})

    def test_it_has_a_health_check_on_healthz(self):
        healthchecks = self._final("HEALTHCHECK")
        self.assertEqual(len(healthchecks), 1)
        self.assertIn("/healthz/", healthchecks[0])

    def test_it_serves_the_api_with_gunicorn_through_the_entrypoint_as_compose_does(self):
        self.assertIn('"/app/docker-entrypoint.sh"', self._final("ENTRYPOINT")[0])
        cmd = json.loads(self._final("CMD")[-1].split(None, 1)[1])
        # The entrypoint's `web` role (gunicorn), the command of Compose's django-web-app;
        # one Daphne for everything serves the API several times slower.
        with open(ROOT / "docker-compose.yml", encoding="utf-8") as handle:
            compose = yaml.safe_load(handle)
        self.assertEqual(cmd, ["web"])
        self.assertEqual(cmd, compose["services"]["django-web-app"]["command"])

    def test_the_image_has_cron(self):
        self.assertTrue(any(" cron" in line for line in self._final("RUN")))


class WaitForDbCommandTests(SimpleTestCase):
    logger_name = "core.management.commands.wait_for_db"

    def _patch_connection(self, side_effect):
        connection = mock.Mock()
        connection.ensure_connection.side_effect = side_effect
        patcher = mock.patch(
            "core.management.commands.wait_for_db.connections", {"default": connection}
        )
        patcher.start()
        self.addCleanup(patcher.stop)
        sleep = mock.patch("core.management.commands.wait_for_db.time.sleep")
        sleep.start()
        self.addCleanup(sleep.stop)
        return connection

    def test_it_retries_until_the_database_answers(self):
        connection = self._patch_connection(
            [OperationalError("refused"), OperationalError("x"), None]
        )
        with self.assertLogs(self.logger_name, level="INFO") as logs:
            call_command("wait_for_db", timeout=60, interval=0)
        self.assertEqual(connection.ensure_connection.call_count, 3)
        self.assertIn("available (attempt 3)", logs.output[-1])

    def test_it_fails_after_the_timeout(self):
        self._patch_connection(OperationalError("refused"))
        # The reason is in the one line Django prints for a CommandError.
        with self.assertRaisesMessage(CommandError, "unavailable after 0 seconds"):
            call_command("wait_for_db", timeout=0, interval=0)
        self._patch_connection(OperationalError("refused\n\tIs the server running?"))
        with self.assertRaisesMessage(CommandError, "refused Is the server running?"):
            call_command("wait_for_db", timeout=0, interval=0)


def _server_command(*args: str, **env: str) -> subprocess.CompletedProcess:
    """The argv ``docker-entrypoint.sh web|ws`` would exec, one argument per line."""
    script = f'. "{ENTRYPOINT}" && server_command "$@" && printf "%s\\n" "${{SERVER_COMMAND[@]}}"'
    return subprocess.run(
        [BASH, "-c", script, "entrypoint", *args],
        env={**_entrypoint_env(), "PYTHON": "python", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@unittest.skipIf(BASH is None, "bash is not installed")
class EntrypointServerRoleTests(SimpleTestCase):
    def test_web_runs_gunicorn_on_the_wsgi_app_with_the_workers_asked_for(self):
        result = _server_command("web", GUNICORN_WORKERS="3", PORT="9000")
        self.assertEqual(result.returncode, 0, result.stderr)
        argv = result.stdout.splitlines()
        self.assertEqual(
            argv[:4], ["python", "-m", "gunicorn", "Redwan_courses_center.wsgi:application"]
        )
        self.assertEqual(argv[argv.index("--bind") + 1], "0.0.0.0:9000")
        self.assertEqual(argv[argv.index("--workers") + 1], "3")

    def test_web_defaults_to_two_workers_per_cpu_plus_one(self):
        result = _server_command("web")
        argv = result.stdout.splitlines()
        self.assertEqual(argv[argv.index("--workers") + 1], str(2 * os.cpu_count() + 1))
        self.assertEqual(argv[argv.index("--bind") + 1], "0.0.0.0:8000")

    def test_web_refuses_a_worker_count_that_is_not_a_number(self):
        result = _server_command("web", GUNICORN_WORKERS="many")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("GUNICORN_WORKERS", result.stderr)

    def test_ws_runs_daphne_through_core_serve_behind_the_proxy(self):
        result = _server_command("ws", "-v", "1", BIND_HOST="127.0.0.1", PORT="9001")
        self.assertEqual(
            result.stdout.splitlines(),
            ["python", "-m", "core.serve", "-b", "127.0.0.1", "-p", "9001", "--proxy-headers"]
            + ["-v", "1", "core.asgi:application"],
        )

    def test_an_unknown_role_is_refused(self):
        result = _server_command("worker")
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("unknown server role", result.stderr)


@unittest.skipIf(BASH is None, "bash is not installed")
class EntrypointWithoutDatabaseTests(SimpleTestCase):
    def test_it_refuses_to_start_without_a_command(self):
        result = _run_entrypoint(env=_entrypoint_env())
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("no command given", result.stderr)

    def test_it_stops_when_the_database_never_comes_up(self):
        env = _entrypoint_env(
            DATABASE_URL="postgres://postgres@127.0.0.1:1/unreachable",
            WAIT_FOR_DB_TIMEOUT="1",
        )
        result = _run_entrypoint(*_marker_command(), env=env)
        self.assertNotEqual(result.returncode, 0, result.stderr)
        self.assertNotIn(MARKER, result.stdout)
        self.assertIn("unavailable", result.stderr)

    def test_cron_environment_file_round_trips_every_value(self):
        tricky = {
            "REDWAN_TEST_QUOTES": 'it\'s "quoted" $HOME `x` \\ %s',
            "REDWAN_TEST_NEWLINE": "line one\nline two",
            "REDWAN_TEST_EMPTY": "",
        }
        with tempfile.TemporaryDirectory() as tmp:
            env_file = Path(tmp) / "cron.env"
            script = f'. "{ENTRYPOINT}" && write_cron_env "{env_file}" /home/job'
            env = {**_entrypoint_env(), **tricky}
            subprocess.run([BASH, "-c", script], env=env, check=True, timeout=60)
            self.assertEqual(env_file.stat().st_mode & 0o777, 0o600)

            # cron starts jobs with an almost empty environment and /bin/sh.
            check = (
                f'. "{env_file}" && exec "$PYTHON" -c '
                '"import json, os, sys; json.dump(dict(os.environ), sys.stdout)"'
            )
            result = subprocess.run(
                ["/bin/sh", "-c", check],
                env={"PATH": "/usr/bin:/bin", "HOME": "/root"},
                capture_output=True,
                text=True,
                check=True,
                timeout=60,
            )
        seen = json.loads(result.stdout)
        for name, value in tricky.items():
            self.assertEqual(seen[name], value)
        self.assertEqual(seen["DJANGO_SECRET_KEY"], env["DJANGO_SECRET_KEY"])
        self.assertEqual(seen["HOME"], "/home/job")


@unittest.skipIf(BASH is None, "bash is not installed")
@unittest.skipUnless(ON_POSTGRES, "needs DATABASE_URL pointing at a PostgreSQL server")
class EntrypointOnPostgresTests(SimpleTestCase):
    """Runs the real entrypoint against a throwaway database on the local server."""

    def setUp(self):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = _with_database(DATABASE_URL, "postgres")
        self.db_name = f"redwan_entrypoint_{secrets.token_hex(6)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{self.db_name}"')
        self.addCleanup(self._drop_database)
        self.db_url = _with_database(DATABASE_URL, self.db_name)

    def _drop_database(self):
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')

    def test_it_migrates_then_runs_the_command_and_a_restart_does_too(self):
        env = _entrypoint_env(DATABASE_URL=self.db_url)

        first = _run_entrypoint(*_marker_command(), env=env)

        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn(MARKER, first.stdout)
        with self.psycopg.connect(self.db_url) as conn:
            (applied,) = conn.execute("SELECT count(*) FROM django_migrations").fetchone()
        self.assertGreater(applied, 0)
        plan = subprocess.run(
            [sys.executable, "manage.py", "showmigrations", "--plan"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        self.assertEqual(plan.returncode, 0, plan.stderr)
        self.assertIn("[X]", plan.stdout)
        self.assertNotIn("[ ]", plan.stdout)

        # A container restart runs the entrypoint again on the migrated database.
        second = _run_entrypoint(*_marker_command(), env=env)

        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertIn(MARKER, second.stdout)
