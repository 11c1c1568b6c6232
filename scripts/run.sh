#!/usr/bin/env bash
# Start the whole platform on embedded defaults: a project-owned redis-server (broker),
# one Celery worker and the web server. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
# Everything this script and its children write (SQLite with password hashes and sessions,
# the secret key, the broker's password, logs) is for the site's OS user alone.
umask 077
VAR=${INDEXED_VAR_DIR:-var}
mkdir -p "$VAR"
# A var/ from an older version may be open to others: close it and what it holds.
chmod 700 "$VAR"
chmod -R go-rwx "$VAR"
# Sandboxes go to /dev/shm by default (labs/sandbox/base.py); INDEXED_SANDBOX_ROOT overrides.
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-apps.config.settings.dev}
PY=.venv/bin/python
export HOST=${HOST:-127.0.0.1}  # dev settings allow this host name
PORT=${PORT:-8000}
pids=()

stop_services() {
  rm -f "$VAR/redis.port" "$VAR/redis.conf"  # the broker is gone: nothing should find its port any more
}
# shellcheck source=scripts/lib/processes.sh
source scripts/lib/processes.sh  # Ctrl-C, SIGTERM or the parent's death stops everything

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  # A port of our own (recorded in var/redis.port): the standard 6379 may be taken or absent.
  broker_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$broker_port" > "$VAR/redis.port"
  # A password of its own (made once, kept in var/redis.password, 0600). It reaches
  # redis-server through a 0600 config file and redis-cli through REDISCLI_AUTH, never a
  # command line (readable by every user in ps); Django reads it from the file
  # (default_broker_url in settings), so CELERY_BROKER_URL is not exported to the worker.
  broker_password=$($PY -c 'import sys; from pathlib import Path; from apps.config.secret_files import read_or_create_secret; print(read_or_create_secret(Path(sys.argv[1]), 32))' "$VAR/redis.password")
  printf 'requirepass %s\n' "$broker_password" > "$VAR/redis.conf"
  redis-server "$VAR/redis.conf" --port "$broker_port" --bind 127.0.0.1 --dir "$(realpath "$VAR")" --save "" --appendonly no \
    --logfile "$(realpath "$VAR")/redis.log" &
  pids+=($!)
  for _ in $(seq 50); do
    REDISCLI_AUTH="$broker_password" redis-cli -p "$broker_port" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  echo "==> broker: redis-server on 127.0.0.1:$broker_port (password in $VAR/redis.password)"
fi

$PY manage.py migrate --noinput -v0
$PY manage.py sync_curriculum
$PY manage.py seed_demo --with-submissions

.venv/bin/celery -A apps.config worker --beat --schedule "$VAR/celerybeat-schedule" --concurrency 1 --prefetch-multiplier 1 --loglevel INFO \
  --logfile "$VAR/worker.log" &
pids+=($!)
echo "==> worker: one Celery worker (log: $VAR/worker.log)"

echo "==> web: http://$HOST:$PORT  (Ctrl-C stops everything)"
# DEBUG is off (no technical error pages with the URL map), so runserver serves the static
# files only when told to; fine for this single-machine server, never for production.
$PY manage.py runserver "$HOST:$PORT" --noreload --insecure &
pids+=($!)
wait -n "${pids[@]}" || true
