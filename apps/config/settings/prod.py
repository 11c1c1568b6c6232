"""The production profile (`make serve`, scripts/serve.sh): gunicorn, whitenoise, PostgreSQL
for the site, a password-protected broker, Celery workers and one beat. Everything comes from
the environment; what the environment does not give, the var directory keeps (secret key).

Assumes HTTPS in front (a reverse proxy or load balancer that terminates TLS and sets
X-Forwarded-Proto): secure cookies, HSTS and the HTTPS redirect are on. INDEXED_PLAIN_HTTP=1
turns those three off for a machine reached over plain HTTP on a trusted network (the smoke
test does this); `manage.py check --deploy` then warns, as it should.
"""

import os
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

from apps.config.secret_files import read_or_create_secret
from apps.config.settings.base import *  # noqa: F403
from apps.config.settings.base import INSTALLED_APPS, MIDDLEWARE, PUBLIC_SECRET_KEY, VAR_DIR, database_from_url

DEBUG = False

_given_key = os.environ.get("DJANGO_SECRET_KEY", "")
if _given_key == PUBLIC_SECRET_KEY:
    raise RuntimeError("DJANGO_SECRET_KEY is the public development key: unset it or give a real one")
SECRET_KEY = _given_key or read_or_create_secret(VAR_DIR / "secret_key", 64)

# The site database: DATABASE_URL, else the local PostgreSQL that scripts/serve.sh started,
# whose URL (with its password) it keeps in a 0600 file rather than in the environment.
# The web's processes get a file of their own (INDEXED_DATABASE_URL_FILE, a login with rows only).
_url_file = Path(os.environ.get("INDEXED_DATABASE_URL_FILE") or VAR_DIR / "database_url")
_database_url = os.environ.get("DATABASE_URL") or (_url_file.read_text().strip() if _url_file.exists() else "")
if _database_url:
    DATABASES = {"default": database_from_url(_database_url)}
    # libpq's query parameters that database_from_url leaves out: the socket's port when the
    # site database is not on 5432, and sslmode for a worker host reaching it over the network.
    _query = parse_qs(urlparse(_database_url).query)
    if "port" in _query and not DATABASES["default"]["PORT"]:
        DATABASES["default"]["PORT"] = _query["port"][0]
    if "sslmode" in _query:
        DATABASES["default"]["OPTIONS"] = {"sslmode": _query["sslmode"][0]}
    if "sslrootcert" in _query:
        # Like the broker's ssl_ca_certs: a relative name is a file in this host's var directory.
        _root_cert = (VAR_DIR / _query["sslrootcert"][0]).resolve()
        DATABASES["default"].setdefault("OPTIONS", {})["sslrootcert"] = str(_root_cert)
# A worker host (scripts/worker-host.sh) keeps the broker's URL, password included, in a 0600
# file rather than in the environment.
# serve.sh writes one too, naming the broker's Unix socket, for the main host's own processes.
_broker_file = VAR_DIR / "broker_url"
if not os.environ.get("CELERY_BROKER_URL") and _broker_file.exists():
    CELERY_BROKER_URL = _broker_file.read_text().strip()


def resolve_broker_ca(url: str, var_dir: Path) -> str:
    """A TLS broker URL (rediss://...?ssl_cert_reqs=required&ssl_ca_certs=broker-ca.crt) names
    the certificate to trust relative to the var directory: the main host cannot know where a
    worker host keeps its files. Made absolute here; other URLs come back unchanged."""
    parts = urlparse(url)
    query = parse_qs(parts.query)
    ca = query.get("ssl_ca_certs", [""])[0]
    if parts.scheme != "rediss" or not ca or ca.startswith("/"):
        return url
    query["ssl_ca_certs"] = [str((var_dir / ca).resolve())]
    return urlunparse(parts._replace(query=urlencode(query, doseq=True, safe="/")))


CELERY_BROKER_URL = resolve_broker_ca(CELERY_BROKER_URL, VAR_DIR)  # noqa: F405 (from base unless set above)

ALLOWED_HOSTS = [h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

PLAIN_HTTP = os.environ.get("INDEXED_PLAIN_HTTP", "0") == "1"
SESSION_COOKIE_SECURE = not PLAIN_HTTP
CSRF_COOKIE_SECURE = not PLAIN_HTTP
SECURE_SSL_REDIRECT = not PLAIN_HTTP
SECURE_HSTS_SECONDS = 0 if PLAIN_HTTP else int(os.environ.get("INDEXED_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not PLAIN_HTTP
# Preloading HSTS binds the whole domain and its subdomains to HTTPS in browsers for months:
# the operator's call (INDEXED_HSTS_PRELOAD=1), so its deploy-check warning is silenced while off.
SECURE_HSTS_PRELOAD = not PLAIN_HTTP and os.environ.get("INDEXED_HSTS_PRELOAD", "0") == "1"
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]  # probes and scrapers come over plain HTTP
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

# whitenoise serves the collected static files from gunicorn with far-future cache headers
# (hashed names), so no separate web server is needed for them.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

INSTALLED_APPS = [*INSTALLED_APPS, "axes", "django_prometheus"]
_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware")
MIDDLEWARE = [
    # django-prometheus counts requests and their latency around everything else
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    *MIDDLEWARE[: _security + 1],
    "whitenoise.middleware.WhiteNoiseMiddleware",  # the Content-Security-Policy (base.py) follows it
    *MIDDLEWARE[_security + 1 :],
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# The Content-Security-Policy is set in base.py, so development and tests run under it too.

# Login throttling (django-axes): after five failed logins for one user name from one address,
# that pair waits an hour; the lockout page says so. Counted in the site database, so every
# gunicorn worker and host sees the same count.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AXES_FAILURE_LIMIT = int(os.environ.get("INDEXED_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

# Quick and heavy labs on their own queues (apps/config/routing.py); serve.sh starts workers
# for each. Workers started by hand must name the queues: celery worker -Q quick (or heavy).
CELERY_TASK_ROUTES = ["apps.config.routing.route_task"]
CELERY_TASK_DEFAULT_QUEUE = "quick"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        # One line per event, key=value, so a log shipper can split fields without a parser.
        "line": {"format": "time=%(asctime)s level=%(levelname)s logger=%(name)s pid=%(process)d msg=%(message)s"}
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "line"}},
    "root": {"handlers": ["console"], "level": os.environ.get("INDEXED_LOG_LEVEL", "INFO")},
}
