"""Settings for the Redwan Courses Center backend.

Everything comes from the environment (a `.env` file in the project root is read when
present). The defaults give a working development setup with no services: SQLite and the
in-memory channel layer. See docs/configuration.md and `.env.example`.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from core.startup import database_url_config
from files.config import media_origins, media_storages

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():  # (read_env logs "not found" otherwise, before any error)
    environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. Set it in the environment or in .env "
            "(DEBUG=1 allows a development key)."
        )
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",  # for its translations
    "rest_framework_simplejwt.token_blacklist",
    "djoser",
    "django_filters",
    "corsheaders",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc as our own static files (offline)
    "phonenumber_field",
    "channels",
    "django_crontab",
    "core",
    "users",
    "notifications",
    "courses",
    "enrollments_payments",
    "attendance",
    "files",
    "memories",
    "online_courses",
    "landing",
]

MIDDLEWARE = [
    # Outermost, so static files served by WhiteNoise get a policy too.
    "core.csp.ContentSecurityPolicyMiddleware",
    # JSON instead of Django's HTML debug pages under /api/ and /auth/ when DEBUG is on.
    "core.error_views.DebugApiErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "core.admin_language.AdminArabicMiddleware",  # the admin stays Arabic
    "core.slashes.CommonMiddleware",  # Django's, with 308 for a write missing its slash
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # 405 for a method the API view does not route, before DRF asks for credentials.
    "core.methods.UnroutedMethodMiddleware",
]

ROOT_URLCONF = "Redwan_courses_center.urls"
WSGI_APPLICATION = "Redwan_courses_center.wsgi.application"
ASGI_APPLICATION = "core.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL wins; else the center's DATABASE_* names when DATABASE_ENGINE=postgresql;
# else an embedded SQLite file.
if env.str("DATABASE_URL", default=""):
    # Checked: a malformed URL stops start-up with a message that does not repeat it.
    DATABASES = {"default": database_url_config(env, env.str("DATABASE_URL"))}
elif env.str("DATABASE_ENGINE", default="").lower() in {"postgresql", "postgres"}:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": env.str("DATABASE_NAME", default="redwan_db"),
            "USER": env.str("DATABASE_USERNAME", default="postgres"),
            "PASSWORD": env.str("DATABASE_PASSWORD", default=""),
            "HOST": env.str("DATABASE_HOST", default="127.0.0.1"),
            "PORT": env.str("DATABASE_PORT", default="5432"),
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": env.str("SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")),
            # BEGIN IMMEDIATE: a transaction takes the write lock when it starts and waits
            # up to `timeout` for it. A deferred one that read first fails at once with
            # "database is locked" when another request writes meanwhile (a 500 under
            # Daphne, which serves requests in parallel threads; found by the fuzzer).
            "OPTIONS": {"timeout": 20, "transaction_mode": "IMMEDIATE"},
        }
    }
DATABASES["default"]["ATOMIC_REQUESTS"] = False

# --- Database connection reuse (issue #12) -----------------------------------------------
# Opening a PostgreSQL connection costs more than a list request's queries, so servers
# reuse them; how depends on the server. DJANGO_SERVER names it; the entry modules set it
# when the environment does not: Redwan_courses_center/wsgi.py "wsgi" (gunicorn),
# core/asgi.py "asgi" (Daphne, `python -m core.serve`). Unset (manage.py commands, cron
# jobs, tests, runserver): a connection per request or per command, as Django does.
DJANGO_SERVER = env.str("DJANGO_SERVER", default="").strip().lower()
if DJANGO_SERVER not in {"", "wsgi", "asgi"}:
    raise ImproperlyConfigured(f"DJANGO_SERVER must be wsgi, asgi or unset, not {DJANGO_SERVER!r}.")
_db = DATABASES["default"]
if "CONN_MAX_AGE" in env:  # the variable wins over DATABASE_URL's ?conn_max_age=
    _db["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE")
if DJANGO_SERVER == "wsgi":
    # A worker serves one request at a time on a long-lived thread: it keeps its
    # connection for a minute, checked before each request reuses it.
    _db.setdefault("CONN_MAX_AGE", 60)
    _db.setdefault("CONN_HEALTH_CHECKS", True)
elif (
    DJANGO_SERVER == "asgi"
    and _db["ENGINE"] == "django.db.backends.postgresql"
    and env.bool("DATABASE_POOL", default=True)
):
    # Daphne runs each request's synchronous code on a thread of its own, so a
    # persistent connection would stay behind with every thread. psycopg's pool instead:
    # a request borrows a connection at its first query and returns it at its end.
    # Django refuses a pool with persistent connections.
    if _db.get("CONN_MAX_AGE", 0) != 0:
        raise ImproperlyConfigured(
            "CONN_MAX_AGE must be 0 under ASGI (Daphne reuses connections through the "
            "pool); unset it, or set DATABASE_POOL=0 to open one per request."
        )
    _db["CONN_MAX_AGE"] = 0
    _db.setdefault("CONN_HEALTH_CHECKS", True)  # the pool checks a connection it lends
    _db.setdefault("OPTIONS", {})["pool"] = {
        "min_size": env.int("DATABASE_POOL_MIN_SIZE", default=2),
        "max_size": env.int("DATABASE_POOL_MAX_SIZE", default=10),
        # Seconds a request waits for a free connection before it fails.
        "timeout": env.float("DATABASE_POOL_TIMEOUT", default=10.0),
    }
_db.setdefault("CONN_MAX_AGE", 0)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "users.CustomUser"

# --- Channels and cache -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {
                # redis-py 8 caps a pool at 100 connections; 500 sockets connecting or
                # leaving at once on one process ran out (benchmarks/ws_fanout.py).
                # redis-py 8 reads with a 5 s timeout by default, and channels_redis waits
                # for a consumer's messages with a blocking BZPOPMIN of 5 s: the two raced
                # and a socket idle for 5 s was closed with 1011. The read timeout must
                # outlast the blocking pop (a dead server is still noticed, after 15 s).
                "hosts": [{"address": REDIS_URL, "max_connections": 2000, "socket_timeout": 15}],
                "prefix": env.str("CHANNELS_PREFIX", "asgi"),
            },
        }
    }
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="redwan"),
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Auth -------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = ["core.auth_backends.StaffRoleBackend"]
# Argon2id at OWASP's minimum (19 MiB, t = 2, p = 1; users/hashers.py) hashes every new
# password. The PBKDF2 hashers stay so that existing hashes still verify; Django rehashes
# one with the first hasher at its next successful login.
PASSWORD_HASHERS = [
    "users.hashers.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- Locale -----------------------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Africa/Cairo"
# Our own Arabic formats: 250.00, 2026-12-06, 16:00 (core/formats/ar/formats.py).
FORMAT_MODULE_PATH = ["core.formats"]
USE_I18N = True
USE_TZ = True

PHONENUMBER_DEFAULT_REGION = "EG"
PHONENUMBER_DB_FORMAT = "E164"
PHONENUMBER_DEFAULT_FORMAT = "E164"

# --- Static files -----------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- Uploaded files (§6.8; files/config.py) -----------------------------------------------
# Two storages: "public" (course images, instructor photos: plain URLs) and "private"
# (everything else, also "default": signed URLs valid MEDIA_URL_TTL seconds). On the
# filesystem under MEDIA_ROOT/public and MEDIA_ROOT/private; with MEDIA_S3_BUCKET in
# S3-compatible object storage (django-storages), prefixes public/ and private/.
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "media")))
MEDIA_URL_TTL = env.int("MEDIA_URL_TTL", default=600)
# With nginx in front: the prefix of its `internal` location over MEDIA_ROOT; the app
# answers X-Accel-Redirect instead of streaming a file itself. Empty: the app streams.
MEDIA_ACCEL_REDIRECT = env.str("MEDIA_ACCEL_REDIRECT", default="")
UPLOAD_MAX_MB = env.int("UPLOAD_MAX_MB", default=10)
# Largest video of a memory (§6.9), kept as uploaded in the private storage.
MEMORY_VIDEO_MAX_MB = env.int("MEMORY_VIDEO_MAX_MB", default=100)
# An online lesson's uploaded video (MP4/WebM) and each of its materials (§6.10), private.
LESSON_VIDEO_MAX_MB = env.int("LESSON_VIDEO_MAX_MB", default=2000)
LESSON_MATERIAL_MAX_MB = env.int("LESSON_MATERIAL_MAX_MB", default=25)
# Bunny Stream (§6.10): the video library's id and its embed token authentication key. Without
# both, a lesson hosted there shows no player URL (playback error "video_not_configured").
BUNNY_STREAM_LIBRARY_ID = env.str("BUNNY_STREAM_LIBRARY_ID", default="")
BUNNY_STREAM_TOKEN_KEY = env.str("BUNNY_STREAM_TOKEN_KEY", default="")
MEDIA_S3_BUCKET = env.str("MEDIA_S3_BUCKET", default="")
media_s3 = (  # lowercase: a value of this module, not a setting (it holds keys)
    {
        "bucket_name": MEDIA_S3_BUCKET,
        "endpoint_url": env.str("MEDIA_S3_ENDPOINT_URL", default=""),
        "public_endpoint_url": env.str("MEDIA_S3_PUBLIC_ENDPOINT_URL", default=""),
        "access_key": env.str("MEDIA_S3_ACCESS_KEY", default=""),
        "secret_key": env.str("MEDIA_S3_SECRET_KEY", default=""),
        "region_name": env.str("MEDIA_S3_REGION", default=""),
    }
    if MEDIA_S3_BUCKET
    else None
)
STORAGES.update(
    media_storages(media_root=MEDIA_ROOT, media_url=MEDIA_URL, url_ttl=MEDIA_URL_TTL, s3=media_s3)
)
# Where the admin's pages may load photos from besides this origin (core/csp.py).
MEDIA_ORIGINS = media_origins(media_s3)

# --- Participant cards (§6.11) ------------------------------------------------------------
# The TrueType/OpenType font (Arabic and Latin letters) cards are drawn with. Empty: Amiri
# from Debian's fonts-hosny-amiri (users/card_pdf.py). Missing: 503 card_font_missing.
CARD_FONT_PATH = env.str("CARD_FONT_PATH", default="")

# --- CORS -------------------------------------------------------------------------------
CORS_ALLOWED_ORIGINS = env.list(
    "CORS_ALLOWED_ORIGINS",
    default=["http://localhost:3000", "http://localhost:5173"] if DEBUG else [],
)

# Let the SPA read the throttle's wait time across origins.
CORS_EXPOSE_HEADERS = ["Retry-After"]

# --- REST framework ---------------------------------------------------------------------
LOGIN_THROTTLE_RATE = env.str("LOGIN_THROTTLE_RATE", default="10/minute")
PHONE_CODE_THROTTLE_RATE = env.str("PHONE_CODE_THROTTLE_RATE", default="1/minute")

REST_FRAMEWORK = {
    # JSON only (SPEC §4), bounded in depth (core/parsers.py); other bodies get 415. No
    # endpoint takes files, and a malformed multipart body never reached us anyway: the
    # HTTP server (Twisted, under Daphne) answered it with a bodiless 400.
    "DEFAULT_PARSER_CLASSES": ["core.parsers.BoundedJSONParser"],
    # The browsable API (HTML pages and forms) only with DEBUG.
    "DEFAULT_RENDERER_CLASSES": (
        ["rest_framework.renderers.JSONRenderer", "rest_framework.renderers.BrowsableAPIRenderer"]
        if DEBUG
        else ["rest_framework.renderers.JSONRenderer"]
    ),
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "users.authentication.LanguageAwareJWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.pagination.StandardPagination",
    "PAGE_SIZE": 20,
    "DEFAULT_FILTER_BACKENDS": [
        "core.filters.FilterBackend",  # django-filter's, skipped when no filter is named
        "core.filters.SearchFilter",  # DRF's, its refusals coded like every query parameter
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "core.schema.AutoSchema",
    "EXCEPTION_HANDLER": "core.exceptions.exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "login_ip": LOGIN_THROTTLE_RATE,
        "login_phone": LOGIN_THROTTLE_RATE,
        "phone_code": PHONE_CODE_THROTTLE_RATE,
        "phone_verify": env.str("PHONE_VERIFY_THROTTLE_RATE", default="10/minute"),
        "register": env.str("REGISTER_THROTTLE_RATE", default="20/hour"),
        # Guesses of the current password and of child codes (per user).
        "password_change": env.str("PASSWORD_CHANGE_THROTTLE_RATE", default="10/hour"),
        "parent_link": env.str("PARENT_LINK_THROTTLE_RATE", default="20/hour"),
        # The forgotten-password reset (codes asked for, codes guessed), per client IP and
        # per phone number; on top of one code a minute per number and 5 tries a code.
        "password_reset_ip": env.str("PASSWORD_RESET_IP_THROTTLE_RATE", default="20/hour"),
        "password_reset_phone": env.str("PASSWORD_RESET_PHONE_THROTTLE_RATE", default="5/hour"),
        "password_reset_confirm_ip": env.str(
            "PASSWORD_RESET_CONFIRM_IP_THROTTLE_RATE", default="30/hour"
        ),
        "password_reset_confirm_phone": env.str(
            "PASSWORD_RESET_CONFIRM_PHONE_THROTTLE_RATE", default="15/hour"
        ),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Client IPs for throttling come from X-Forwarded-For only through this many proxies;
    # 0 means REMOTE_ADDR, so a client cannot dodge the login throttle with a forged header.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    # "JWT" is the prefix the center's existing frontend sends (SPEC §4); both are accepted.
    "AUTH_HEADER_TYPES": ("Bearer", "JWT"),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    "TOKEN_OBTAIN_SERIALIZER": "users.serializers.auth.PhoneTokenObtainPairSerializer",
    "TOKEN_REFRESH_SERIALIZER": "users.serializers.auth.SafeTokenRefreshSerializer",
    "TOKEN_VERIFY_SERIALIZER": "users.serializers.auth.SafeTokenVerifySerializer",
    "TOKEN_BLACKLIST_SERIALIZER": "users.serializers.auth.SafeTokenBlacklistSerializer",
    # Tokens carry a digest of the password hash: changing the password ends every session.
    "CHECK_REVOKE_TOKEN": True,
}

DJOSER = {
    "LOGIN_FIELD": "phone_number1",
    "USER_CREATE_PASSWORD_RETYPE": True,
    "SET_PASSWORD_RETYPE": False,
    "HIDE_USERS": True,
    "SERIALIZERS": {
        "user_create_password_retype": "users.serializers.auth.UserRegistrationSerializer",
        "user": "users.serializers.auth.UserSerializer",
        "current_user": "users.serializers.auth.UserSerializer",
    },
    # No "PERMISSIONS": users.views_auth.UserViewSet declares its own default-deny map.
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Redwan Courses Center API",
    "DESCRIPTION": "Backend of واحة الرضوان: courses, enrollments, attendance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/(api|auth)/",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema_refs.postprocess_id_references",
    ],
    # Three models have a ``kind``; without a name the instructor's became "Kind8c3Enum",
    # a hash-derived name that client code generators would bake in.
    "ENUM_NAME_OVERRIDES": {
        "InstructorKindEnum": "users.models.InstructorKind",
        "DeviceKindEnum": "attendance.models_staff.DeviceKind",
        "EnrollmentRequestStatusEnum": "enrollments_payments.models.RequestStatus",
        "EnrollmentStatusEnum": "enrollments_payments.models.EnrollmentStatus",
        "PaymentStatusEnum": "enrollments_payments.models.PaymentStatus",
        "RefundStatusEnum": "enrollments_payments.models.RefundStatus",
        "AttendanceViaEnum": "attendance.models.AttendanceVia",
        "MemoryAudienceEnum": "memories.models.MemoryAudience",
        # The catalogue's audience; a memory's audience is a set of its own.
        "AudienceEnum": "courses.models.Audience",
    },
    # Swagger UI and ReDoc from drf-spectacular-sidecar's static files, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Domain settings --------------------------------------------------------------------
ATTENDANCE_EDIT_WINDOW_HOURS = env.int("ATTENDANCE_EDIT_WINDOW_HOURS", default=24)
INSTRUCTOR_LATE_GRACE_MINUTES = env.int("INSTRUCTOR_LATE_GRACE_MINUTES", default=10)
WS_TICKET_TTL_SECONDS = env.int("WS_TICKET_TTL_SECONDS", default=30)
SMS_BACKEND = env.str("SMS_BACKEND", default="core.sms.ConsoleSmsBackend")
SMS_FILE_PATH = env.str("SMS_FILE_PATH", default="")  # core.sms.FileSmsBackend's outbox
PHONE_CODE_TTL_MINUTES = 10
PHONE_CODE_MAX_ATTEMPTS = 5

# --- Scheduled jobs (django-crontab) ----------------------------------------------------
# Schedules are Cairo wall-clock times: cron reads them in the cron container's time zone
# (TZ=Africa/Cairo, set by docker-compose.yml and applied by docker-entrypoint.sh). Each
# job logs its own runs (core.models.JobLog); output goes to the container log.
CRONJOBS: list = [
    ("5 0 * * 0", "attendance.cron.generate_instructor_attendance_weekly"),  # Sunday 00:05
    ("59 23 * * *", "attendance.cron.mark_absent_daily"),
    ("20 0 * * *", "attendance.cron.flush_expired_tokens_nightly"),
    ("10 0 * * *", "enrollments_payments.cron.expire_enrollment_requests_nightly"),
    ("15 0 * * *", "enrollments_payments.cron.complete_enrollments_nightly"),
    ("17 0 * * *", "enrollments_payments.cron.end_online_access_nightly"),
    ("30 0 * * *", "memories.cron.remove_deleted_memories_nightly"),
]
CRONTAB_COMMAND_PREFIX = env.str("CRONTAB_COMMAND_PREFIX", default="")
CRONTAB_COMMAND_SUFFIX = env.str("CRONTAB_COMMAND_SUFFIX", default="")

# --- Security ---------------------------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Health probes come from the orchestrator over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz/$", r"^readyz/$", r"^readyz/realtime/$"]
X_FRAME_OPTIONS = "DENY"

# --- Logging ----------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact": {"()": "core.logging.RedactSecretsFilter"},
        "no_client_error_traceback": {"()": "core.logging.NoClientErrorTracebackFilter"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["redact", "no_client_error_traceback"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        # Daphne's access log prints full request paths; the filter strips ?token=/ticket=.
        "daphne": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
