#!/usr/bin/env bash
# Start the whole platform on embedded defaults: a project-owned redis-server (broker),
# one Celery worker and the web server. Ctrl-C stops everything this script started.
set -euo pipefail
cd "$(dirname "$0")/.."
VAR=${INDEXED_VAR_DIR:-var}
mkdir -p "$VAR"
# Sandboxes go to /dev/shm by default (labs/sandbox/base.py); INDEXED_SANDBOX_ROOT overrides.
export DJANGO_SETTINGS_MODULE=${DJANGO_SETTINGS_MODULE:-apps.config.settings.dev}
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8000}
pids=()

cleanup() {
  trap - INT TERM EXIT
  echo; echo "==> stopping"
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  $PY -m labs sandbox reap >/dev/null 2>&1 || true
  rm -f "$VAR/redis.port"  # the broker is gone: nothing should find its port any more
}
trap cleanup INT TERM EXIT

if [ -z "${CELERY_BROKER_URL:-}" ]; then
  # A port of our own (recorded in var/redis.port): the standard 6379 may be taken or absent.
  broker_port=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  echo "$broker_port" > "$VAR/redis.port"
  redis-server --port "$broker_port" --bind 127.0.0.1 --dir "$(realpath "$VAR")" --save "" --appendonly no \
    --logfile "$(realpath "$VAR")/redis.log" &
  pids+=($!)
  for _ in $(seq 50); do redis-cli -p "$broker_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
  export CELERY_BROKER_URL="redis://127.0.0.1:$broker_port/0"
  echo "==> broker: redis-server on 127.0.0.1:$broker_port"
fi

$PY manage.py migrate --noinput -v0
$PY manage.py sync_curriculum
$PY manage.py seed_demo --with-submissions

.venv/bin/celery -A apps.config worker --beat --schedule "$VAR/celerybeat-schedule" --concurrency 1 --prefetch-multiplier 1 --loglevel INFO \
  --logfile "$VAR/worker.log" &
pids+=($!)
echo "==> worker: one Celery worker (log: $VAR/worker.log)"

echo "==> web: http://$HOST:$PORT  (Ctrl-C stops everything)"
$PY manage.py runserver "$HOST:$PORT" --noreload &
pids+=($!)
wait -n "${pids[@]}" || true
