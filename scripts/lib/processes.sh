# Sourced (never run) by scripts/run.sh, serve.sh and worker-host.sh, from the checkout's root:
# the one way they stop everything they started, on Ctrl-C, SIGTERM, an error or the death of
# their parent.
#
# The sourcing script has set PY (the venv's python) and VAR (its var directory) and an array
# `pids`; it appends every child it starts to `pids`. If it defines `stop_services`, that runs
# after the children have stopped and before the sandbox reap (a broker or database of its own
# that must outlive the workers using it).
# shellcheck shell=bash

stop_all() {
  trap - INT TERM EXIT
  echo "==> stopping"
  # Children stop in the order they started (web before workers in serve.sh: no new
  # submissions). SIGTERM is Celery's warm shutdown, so a grade in progress finishes; one
  # killed mid-grade is acknowledged late, so the broker hands it out again.
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  ./scripts/stop-playground.sh "$VAR"
  if declare -F stop_services >/dev/null; then stop_services; fi
  $PY -m labs sandbox reap >/dev/null 2>&1 || true
  echo "==> stopped"
}
trap stop_all INT TERM EXIT

# Stopped through a parent that does not pass signals on (`timeout make run` signals make
# alone), the script would live on as an orphan with its workers: when the parent is gone,
# stop as on Ctrl-C. A sourced file shares the script's $$ and $PPID.
parent=$PPID
( while kill -0 "$parent" 2>/dev/null; do sleep 1; done; kill -TERM $$ 2>/dev/null ) &
pids+=($!)
