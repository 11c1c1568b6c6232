"""`make run`'s settings (apps.config.settings.dev): a secret key of its own kept in the var
directory for the site's user alone, a broker password read from there, and no Django
technical error page (with the URL map) for anyone. Checked in a fresh interpreter, as
make run starts them, with a var directory of the test's own."""

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

from apps.config.secret_files import read_or_create_secret

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, django
from django.conf import settings
django.setup()
from django.test import Client
missing = Client().get("/no-such-page/", HTTP_HOST="localhost")
print(json.dumps({
    "debug": settings.DEBUG,
    "key": settings.SECRET_KEY,
    "hosts": settings.ALLOWED_HOSTS,
    "broker": settings.CELERY_BROKER_URL,
    "status": missing.status_code,
    "body": missing.content.decode(),
}))
"""


def run_dev_settings(var: Path, **env) -> dict:
    environ = {
        k: v for k, v in os.environ.items() if k not in ("DJANGO_SECRET_KEY", "CELERY_BROKER_URL", "HOST")
    }
    environ.update(
        DJANGO_SETTINGS_MODULE="apps.config.settings.dev",
        INDEXED_VAR_DIR=str(var),
        INDEXED_SQLITE_PATH=str(var / "site.sqlite3"),
        **env,
    )
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_make_run_makes_its_own_secret_key_once_and_keeps_it_private(tmp_path):
    var = tmp_path / "var"
    first = run_dev_settings(var)
    assert first["key"] != "dev-only-not-secret-change-me" and len(first["key"]) >= 50
    assert (var / "secret_key").read_text().strip() == first["key"]
    assert mode(var / "secret_key") == 0o600 and mode(var) == 0o700
    assert run_dev_settings(var)["key"] == first["key"]  # sessions survive a restart
    # The public default, even when passed in, is never what make run signs with.
    assert run_dev_settings(var, DJANGO_SECRET_KEY="dev-only-not-secret-change-me")["key"] == first["key"]


def test_make_run_never_shows_the_technical_404_page(tmp_path):
    seen = run_dev_settings(tmp_path / "var", HOST="10.1.2.3")
    assert seen["debug"] is False
    assert seen["status"] == 404
    assert "URLconf" not in seen["body"] and "urlpatterns" not in seen["body"] and "DEBUG" not in seen["body"]
    assert {"localhost", "127.0.0.1", "10.1.2.3"} <= set(seen["hosts"]) and "*" not in seen["hosts"]


def test_the_broker_url_carries_the_password_make_run_keeps_in_var(tmp_path):
    var = tmp_path / "var"
    var.mkdir(mode=0o700)
    (var / "redis.port").write_text("40123\n")
    password = read_or_create_secret(var / "redis.password", 32)
    assert mode(var / "redis.password") == 0o600
    assert run_dev_settings(var)["broker"] == f"redis://:{password}@127.0.0.1:40123/0"


def test_an_existing_secret_file_is_closed_to_others_and_reused(tmp_path):
    path = tmp_path / "secret_key"
    path.write_text("an-older-key\n")
    path.chmod(0o644)
    assert read_or_create_secret(path) == "an-older-key"
    assert mode(path) == 0o600
    # Group read, which serve.sh gives the web's own group, survives a worker starting up.
    path.chmod(0o640)
    assert read_or_create_secret(path) == "an-older-key" and mode(path) == 0o640


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    path = tmp_path / "secret_key"
    seen: list[str] = []
    threads = [threading.Thread(target=lambda: seen.append(read_or_create_secret(path))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 1 and seen[0] == path.read_text().strip()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["secret_key"]  # no scratch file left behind
