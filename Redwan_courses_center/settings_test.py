"""Settings for the test suite: the normal settings, made fast and hermetic.

DATABASE_URL / REDIS_URL still apply, so the same suite runs on PostgreSQL + Redis in CI.
"""

import atexit
import os
import shutil
import tempfile
from pathlib import Path

os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")

from files.config import media_storages  # noqa: E402
from Redwan_courses_center.settings import *  # noqa: E402,F403
from Redwan_courses_center.settings import CACHES, CHANNEL_LAYERS, REST_FRAMEWORK  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "core.sms.LocmemSmsBackend"
# Uploaded files go to a directory of this process's own, removed at exit; tests of
# object storage swap STORAGES for testkit.s3's.
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="redwan-test-media-"))
atexit.register(shutil.rmtree, MEDIA_ROOT, ignore_errors=True)
STORAGES = {
    **media_storages(media_root=MEDIA_ROOT, media_url="/media/", url_ttl=600),
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Throttle counters must not leak between tests; Redis (when set) keeps its own prefix.
if "KEY_PREFIX" in CACHES["default"]:
    CACHES["default"]["KEY_PREFIX"] = f"redwan-test-{os.getpid()}"
    # …and cache.clear() deletes only that prefix, not the whole shared database.
    CACHES["default"]["BACKEND"] = "testkit.cache.RedisCache"
# Channel-layer groups and channels likewise: under pytest-xdist every worker shares one
# Redis database, and one worker's broadcast to "attendance.admins" must not reach
# another worker's sockets. The servers a test starts get the same prefix.
if "CONFIG" in CHANNEL_LAYERS["default"]:
    CHANNEL_LAYERS["default"]["CONFIG"]["prefix"] = f"asgi-test-{os.getpid()}"
REST_FRAMEWORK = {**REST_FRAMEWORK}
LOGGING_CONFIG = None
import logging.config  # noqa: E402

from Redwan_courses_center.settings import LOGGING  # noqa: E402

LOGGING["root"]["level"] = "WARNING"
logging.config.dictConfig(LOGGING)
