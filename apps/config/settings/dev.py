"""`make run`: a real site on this machine, with real logins. Django's technical 404/500
pages list every URL and setting, so DEBUG stays off (runserver --insecure serves the static
files); the secret key is the site's own, made on first start and kept in var/."""

import os

from apps.config.secret_files import read_or_create_secret
from apps.config.settings.base import *  # noqa: F403
from apps.config.settings.base import PUBLIC_SECRET_KEY, VAR_DIR

DEBUG = False
_given_key = os.environ.get("DJANGO_SECRET_KEY", "")
SECRET_KEY = (
    _given_key if _given_key and _given_key != PUBLIC_SECRET_KEY else read_or_create_secret(VAR_DIR / "secret_key")
)
# The names the site is reached by: this machine, and HOST when run.sh binds elsewhere.
ALLOWED_HOSTS = sorted(
    {"localhost", "127.0.0.1", "[::1]", os.environ.get("HOST", "127.0.0.1")}
    | {h for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "").split(",") if h}
)
