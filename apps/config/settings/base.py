"""Settings shared by every environment. Embedded defaults: SQLite and a project-owned
redis-server under var/, so `make run` needs nothing else; DATABASE_URL and
CELERY_BROKER_URL switch to external services."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlparse

from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE

BASE_DIR = Path(__file__).resolve().parents[3]
VAR_DIR = Path(os.environ.get("INDEXED_VAR_DIR", BASE_DIR / "var"))
# SQLite (password hashes, sessions), secrets, the broker's files and logs live here: the
# site's OS user alone may enter it (scripts/run.sh also tightens an existing one).
VAR_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)
CURRICULUM_DIR = Path(os.environ.get("INDEXED_CURRICULUM_DIR", BASE_DIR / "curriculum"))

# Public, so only for tests and one-off commands: dev (make run) keeps a key of its own in
# var/ and prod requires DJANGO_SECRET_KEY.
PUBLIC_SECRET_KEY = "dev-only-not-secret-change-me"
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", PUBLIC_SECRET_KEY)
DEBUG = False
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "csp",
    "apps.accounts",
    "apps.courses",
    "apps.dashboard",
    "apps.grading",
    "apps.projects",
    "apps.playground",
    "apps.ops",
    "apps.lti",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]

# A Content Security Policy in every environment, so `make run` and the tests meet the policy
# production ships: scripts only from this site (or carrying the page's nonce), so no inline
# <script> and no on*= attribute anywhere (behaviour lives in static/js/); no plugins, no
# framing. Inline styles stay allowed: htmx adds its indicator <style>, CodeMirror its theme,
# the plan tree sizes its bars with a style attribute, and none of them can run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF],
    }
}

ROOT_URLCONF = "apps.config.urls"
WSGI_APPLICATION = "apps.config.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "courses:map"
LOGOUT_REDIRECT_URL = "courses:map"

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


def database_from_url(url: str | None) -> dict:
    """SQLite under var/ unless DATABASE_URL names a postgres:// database."""
    if not url:
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("INDEXED_SQLITE_PATH") or VAR_DIR / "indexed.sqlite3",
            # The web server and the worker write at the same time: WAL lets readers go on
            # while one writes, IMMEDIATE avoids upgrade deadlocks, timeout waits for the lock.
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
            },
        }
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"DATABASE_URL must be postgres://..., got scheme {parts.scheme!r}")
    # libpq's own spelling for a Unix socket: postgresql://user:pw@/db?host=/socket/dir
    socket_dir = parse_qs(parts.query).get("host", [""])[0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": unquote(parts.path.lstrip("/")),
        "USER": unquote(parts.username or ""),
        "PASSWORD": unquote(parts.password or ""),
        "HOST": socket_dir or parts.hostname or "",
        "PORT": str(parts.port or ""),
        # Connections are reused for a while by each gunicorn worker and checked before use,
        # so a restarted database costs one failed check rather than an error page.
        "CONN_MAX_AGE": int(os.environ.get("INDEXED_DB_CONN_MAX_AGE", "60")),
        "CONN_HEALTH_CHECKS": True,
    }


DATABASES = {"default": database_from_url(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "staticfiles"

EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = "Indexed <noreply@indexed.local>"


def default_broker_url() -> str:
    """The redis-server `make run` starts writes its port to var/redis.port and requires the
    password in var/redis.password (mode 0600), read here rather than passed in the
    environment, where the worker's sandboxed children could find it."""
    # os.access: the production profile's web workers run as their own account, which may not
    # read serve.sh's broker password (they get the whole URL from prod.py's broker_url).
    port_file = VAR_DIR / "redis.port"
    port = port_file.read_text().strip() if os.access(port_file, os.R_OK) else "6390"
    password_file = VAR_DIR / "redis.password"
    password = password_file.read_text().strip() if os.access(password_file, os.R_OK) else ""
    auth = f":{quote(password, safe='')}@" if password else ""
    return f"redis://{auth}127.0.0.1:{port}/0"


# One learner may not fill the graders' queue for everyone else: at most this many of their
# answers waiting or being graded, and at most this many new ones per minute (runs included).
INDEXED_MAX_PENDING_SUBMISSIONS = int(os.environ.get("INDEXED_MAX_PENDING_SUBMISSIONS", "3"))
INDEXED_SUBMISSIONS_PER_MINUTE = int(os.environ.get("INDEXED_SUBMISSIONS_PER_MINUTE", "10"))
# Playground: the service's socket (the worker starts it), runs per learner per minute, idle expiry.
INDEXED_PLAYGROUND_SOCKET = os.environ.get("INDEXED_PLAYGROUND_SOCKET", str(VAR_DIR / "playground.sock"))
INDEXED_PLAYGROUND_RUNS_PER_MINUTE = int(os.environ.get("INDEXED_PLAYGROUND_RUNS_PER_MINUTE", "30"))
INDEXED_PLAYGROUND_TTL_SECONDS = int(os.environ.get("INDEXED_PLAYGROUND_TTL_S", "900"))

# A project hand-in may be a folder of up to 100 files (apps.projects.handins): above Django's
# default of 100 parts the parser would refuse it with a bare 400 before the view can say why.
DATA_UPLOAD_MAX_NUMBER_FILES = 1000

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or default_broker_url()
CELERY_RESULT_BACKEND = None  # verdicts live in the Submission row, not in a result backend
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# A message whose worker died unacknowledged comes back after this long; tasks are
# idempotent, and the sweeper below catches what this misses.
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": int(os.environ.get("INDEXED_VISIBILITY_TIMEOUT", "600"))}
CELERY_TASK_SERIALIZER = "json"
CELERY_BEAT_SCHEDULE = {
    # A lost broker message or a worker killed mid-grade must not leave a learner waiting.
    "sweep-stuck-submissions": {"task": "apps.grading.tasks.sweep_stuck_submissions", "schedule": 30.0},
    "sweep-stuck-regrades": {"task": "apps.dashboard.tasks.sweep_stuck_regrades", "schedule": 60.0},
    "sweep-stuck-handins": {"task": "apps.projects.tasks.sweep_stuck_handins", "schedule": 60.0},
    "reap-expired-playgrounds": {"task": "apps.playground.tasks.reap_expired_playgrounds", "schedule": 30.0},
    # A score the LMS never got because its message was lost is sent again (apps.lti.passback).
    "resend-lost-passbacks": {"task": "apps.lti.tasks.resend_lost_passbacks", "schedule": 300.0},
}
CELERY_ACCEPT_CONTENT = ["json"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "INFO"},
}
