"""What Redwan_courses_center.settings derives from the environment (SPEC §1–§2).

Each case starts a fresh interpreter with an explicit environment, because settings are
read once at import. Variables the case wants "unset" are passed empty: the settings read a
`.env` in the project root when present, and a real (even empty) variable wins over it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from django.test import SimpleTestCase

ROOT = Path(__file__).resolve().parent.parent

PROBE = """
import json, django
django.setup()
from django.conf import settings as s
from channels.routing import get_default_application
db, layer, cache = s.DATABASES["default"], s.CHANNEL_LAYERS["default"], s.CACHES["default"]
print(json.dumps({
    "db": {k: str(db.get(k, "")) for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT")},
    "layer_backend": layer["BACKEND"],
    "layer_hosts": [
        h["address"] if isinstance(h, dict) else str(h) for h in layer.get("CONFIG", {}).get("hosts", [])
    ],
    "cache_backend": cache["BACKEND"],
    "cache_location": str(cache.get("LOCATION", "")),
    "time_zone": s.TIME_ZONE,
    "use_tz": s.USE_TZ,
    "language_code": s.LANGUAGE_CODE,
    "languages": [code for code, _ in s.LANGUAGES],
    "locale_middleware": "django.middleware.locale.LocaleMiddleware" in s.MIDDLEWARE,
    "asgi_application": s.ASGI_APPLICATION,
    "asgi_app_type": type(get_default_application()).__name__,
    "debug": s.DEBUG,
    "secret_key_set": bool(s.SECRET_KEY),
}))
"""

# Everything the settings read for the database, Redis and the secret, "unset".
BLANK = {
    "DJANGO_SECRET_KEY": "",
    "DATABASE_URL": "",
    "DATABASE_ENGINE": "",
    "REDIS_URL": "",
    "DJANGO_SERVER": "",
}


def run_python(code: str, **env_vars: str | None) -> subprocess.CompletedProcess:
    """``code`` in a fresh interpreter; a variable given as None is left out entirely."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "Redwan_courses_center.settings",
        **BLANK,
        **env_vars,
    }
    env = {name: value for name, value in env.items() if value is not None}
    with tempfile.TemporaryDirectory() as cwd:
        return subprocess.run(
            [sys.executable, "-c", code],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )


def derived_settings(**env_vars: str) -> dict:
    result = run_python(PROBE, **env_vars)
    if result.returncode != 0:
        raise AssertionError(f"settings failed to load:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class SecretKeyTests(SimpleTestCase):
    def test_it_refuses_to_start_without_a_secret_key_when_debug_is_off(self):
        for debug in ("0", None):
            with self.subTest(DEBUG=debug):
                extra = {"DEBUG": debug} if debug is not None else {}
                result = run_python("import django; django.setup()", **extra)

                self.assertNotEqual(result.returncode, 0)
                self.assertIn("DJANGO_SECRET_KEY", result.stderr)

    def test_it_starts_with_a_development_key_when_debug_is_on(self):
        result = run_python("import django; django.setup()", DEBUG="1")

        self.assertEqual(result.returncode, 0, result.stderr)


class EmbeddedDefaultsTests(SimpleTestCase):
    """No database or Redis variables: the quick-start setup with no services."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.derived = derived_settings(DEBUG="1")

    def test_it_uses_the_sqlite_file_in_the_project_root(self):
        self.assertEqual(self.derived["db"]["ENGINE"], "django.db.backends.sqlite3")
        self.assertTrue(self.derived["db"]["NAME"].endswith(".sqlite3"))

    def test_it_uses_the_in_memory_channel_layer_and_a_local_memory_cache(self):
        self.assertEqual(self.derived["layer_backend"], "channels.layers.InMemoryChannelLayer")
        self.assertEqual(
            self.derived["cache_backend"], "django.core.cache.backends.locmem.LocMemCache"
        )

    def test_it_speaks_arabic_in_cairo_time_with_english_available(self):
        self.assertEqual(self.derived["time_zone"], "Africa/Cairo")
        self.assertTrue(self.derived["use_tz"])
        self.assertEqual(self.derived["language_code"], "ar")
        self.assertIn("en", self.derived["languages"])
        self.assertTrue(self.derived["locale_middleware"])

    def test_the_asgi_application_is_the_one_the_center_documents(self):
        self.assertEqual(self.derived["asgi_application"], "core.asgi.application")
        self.assertEqual(self.derived["asgi_app_type"], "ProtocolTypeRouter")


class ServicesFromEnvironmentTests(SimpleTestCase):
    def test_database_url_selects_postgresql(self):
        derived = derived_settings(
            DEBUG="0",
            DJANGO_SECRET_KEY="x" * 50,
            DATABASE_URL="postgres://redwan:pw@db.internal:5433/redwan_prod",
        )

        self.assertEqual(
            derived["db"],
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "redwan_prod",
                "USER": "redwan",
                "PASSWORD": "pw",
                "HOST": "db.internal",
                "PORT": "5433",
            },
        )
        self.assertFalse(derived["debug"])
        self.assertTrue(derived["secret_key_set"])

    def test_the_centers_database_names_select_postgresql_with_their_values(self):
        derived = derived_settings(
            DEBUG="1",
            DATABASE_ENGINE="postgresql",
            DATABASE_NAME="redwan_db",
            DATABASE_USERNAME="center",
            DATABASE_PASSWORD="s3cret",
            DATABASE_HOST="10.0.0.5",
            DATABASE_PORT="6543",
        )

        self.assertEqual(
            derived["db"],
            {
                "ENGINE": "django.db.backends.postgresql",
                "NAME": "redwan_db",
                "USER": "center",
                "PASSWORD": "s3cret",
                "HOST": "10.0.0.5",
                "PORT": "6543",
            },
        )

    def test_database_url_wins_over_the_centers_database_names(self):
        derived = derived_settings(
            DEBUG="1",
            DATABASE_URL="postgres://u@host-from-url:5432/from_url",
            DATABASE_ENGINE="postgresql",
            DATABASE_NAME="from_names",
        )

        self.assertEqual(derived["db"]["NAME"], "from_url")
        self.assertEqual(derived["db"]["HOST"], "host-from-url")

    def test_redis_url_selects_the_redis_channel_layer_and_the_redis_cache(self):
        derived = derived_settings(DEBUG="1", REDIS_URL="redis://cache.internal:6379/3")

        self.assertEqual(derived["layer_backend"], "channels_redis.core.RedisChannelLayer")
        self.assertEqual(derived["layer_hosts"], ["redis://cache.internal:6379/3"])
        self.assertEqual(derived["cache_backend"], "django.core.cache.backends.redis.RedisCache")
        self.assertEqual(derived["cache_location"], "redis://cache.internal:6379/3")


# What a server process ends up with for its database connections. ENTRY is imported
# first, as gunicorn (the WSGI module) or Daphne (the ASGI module) would.
CONNECTION_PROBE = """
import importlib, json, sys
if sys.argv[1]:
    importlib.import_module(sys.argv[1])
import django
django.setup()
from django.conf import settings
from django.db import connection
db = settings.DATABASES["default"]
pool = db.get("OPTIONS", {}).get("pool")
print(json.dumps({
    "server": settings.DJANGO_SERVER,
    "conn_max_age": db["CONN_MAX_AGE"],
    "health_checks": db.get("CONN_HEALTH_CHECKS", False),
    "pool": pool,
    # Building the pool object connects nothing (Django opens it at the first query), but
    # it proves psycopg_pool is installed and that Django accepts the settings.
    "pool_class": type(connection.pool).__name__ if pool else None,
}))
"""

POSTGRES_URL = "postgres://redwan:pw@db.internal:5432/redwan"


def connection_settings(entry: str = "", **env_vars: str | None) -> dict:
    result = run_python(CONNECTION_PROBE.replace("sys.argv[1]", repr(entry)), **env_vars)
    if result.returncode != 0:
        raise AssertionError(f"settings failed to load:\n{result.stderr}")
    return json.loads(result.stdout.strip().splitlines()[-1])


class ConnectionReuseTests(SimpleTestCase):
    """Issue #12: servers reuse database connections; how depends on the server."""

    def test_commands_jobs_and_tests_open_a_connection_per_request_as_before(self):
        derived = connection_settings(DEBUG="1", DATABASE_URL=POSTGRES_URL)

        self.assertEqual(derived["server"], "")
        self.assertEqual(derived["conn_max_age"], 0)
        self.assertIsNone(derived["pool"])

    def test_a_wsgi_worker_keeps_its_connection_for_a_minute_checked_before_reuse(self):
        derived = connection_settings(DEBUG="1", DATABASE_URL=POSTGRES_URL, DJANGO_SERVER="wsgi")

        self.assertEqual(derived["conn_max_age"], 60)
        self.assertTrue(derived["health_checks"])
        self.assertIsNone(derived["pool"])

    def test_conn_max_age_from_the_environment_wins_under_wsgi(self):
        derived = connection_settings(
            DEBUG="1", DATABASE_URL=POSTGRES_URL, DJANGO_SERVER="wsgi", CONN_MAX_AGE="300"
        )

        self.assertEqual(derived["conn_max_age"], 300)

    def test_an_asgi_server_borrows_connections_from_psycopgs_pool(self):
        derived = connection_settings(
            DEBUG="1",
            DATABASE_URL=POSTGRES_URL,
            DJANGO_SERVER="asgi",
            DATABASE_POOL_MAX_SIZE="6",
        )

        self.assertEqual(derived["conn_max_age"], 0)  # Django refuses a pool otherwise
        self.assertTrue(derived["health_checks"])
        self.assertEqual(derived["pool"], {"min_size": 2, "max_size": 6, "timeout": 10.0})
        self.assertEqual(derived["pool_class"], "ConnectionPool")

    def test_an_asgi_server_refuses_persistent_connections(self):
        result = run_python(
            "import django; django.setup()",
            DEBUG="1",
            DATABASE_URL=POSTGRES_URL,
            DJANGO_SERVER="asgi",
            CONN_MAX_AGE="60",
        )

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("CONN_MAX_AGE must be 0 under ASGI", result.stderr)

    def test_the_pool_can_be_turned_off_and_sqlite_has_none(self):
        for env_vars in (
            {"DATABASE_URL": POSTGRES_URL, "DATABASE_POOL": "0"},
            {"DATABASE_URL": ""},
        ):
            with self.subTest(**env_vars):
                derived = connection_settings(DEBUG="1", DJANGO_SERVER="asgi", **env_vars)

                self.assertEqual(derived["conn_max_age"], 0)
                self.assertIsNone(derived["pool"])

    def test_an_unknown_server_kind_is_refused(self):
        result = run_python("import django; django.setup()", DEBUG="1", DJANGO_SERVER="uwsgi")

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("DJANGO_SERVER must be wsgi, asgi or unset", result.stderr)


class EntryModulesTests(SimpleTestCase):
    """gunicorn and Daphne are told nothing: importing the entry module says which it is."""

    def test_the_wsgi_module_marks_the_process_as_a_wsgi_server(self):
        derived = connection_settings(
            "Redwan_courses_center.wsgi", DEBUG="1", DATABASE_URL=POSTGRES_URL, DJANGO_SERVER=None
        )

        self.assertEqual(derived["server"], "wsgi")
        self.assertEqual(derived["conn_max_age"], 60)

    def test_the_asgi_module_marks_the_process_as_an_asgi_server(self):
        derived = connection_settings(
            "core.asgi", DEBUG="1", DATABASE_URL=POSTGRES_URL, DJANGO_SERVER=None
        )

        self.assertEqual(derived["server"], "asgi")
        self.assertEqual(derived["pool_class"], "ConnectionPool")

    def test_the_environment_still_decides_when_it_names_the_server(self):
        derived = connection_settings(
            "core.asgi",
            DEBUG="1",
            DATABASE_URL=POSTGRES_URL,
            DJANGO_SERVER="asgi",
            DATABASE_POOL="0",
        )

        self.assertIsNone(derived["pool"])

    def test_the_asgi_module_refuses_persistent_connections_however_they_were_set(self):
        # DATABASE_POOL=0 lets the settings load with CONN_MAX_AGE; serving ASGI does not.
        result = run_python(
            "import core.asgi",
            DEBUG="1",
            DATABASE_URL=POSTGRES_URL,
            DJANGO_SERVER="asgi",
            DATABASE_POOL="0",
            CONN_MAX_AGE="60",
        )

        self.assertNotEqual(result.returncode, 0)
        self.assertIn("persistent connections leak under ASGI", result.stderr)
