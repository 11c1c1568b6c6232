#!/usr/bin/env bash
# Stop this host's playground service (labs/playground/service.py) for the var directory $1 and
# wait for it. Grading workers start it in a session of its own; it notices they are gone
# within a second, but stopping its sandboxes takes longer, and the start scripts promise that
# nothing they started outlives them.
var=${1:?usage: stop-playground.sh VAR_DIR}
pattern="labs.playground serve --socket ${INDEXED_PLAYGROUND_SOCKET:-.*${var#./}/playground.sock}"
pkill -TERM -f "$pattern" 2>/dev/null || exit 0
for _ in $(seq 150); do pgrep -f "$pattern" >/dev/null || exit 0; sleep 0.1; done
pkill -KILL -f "$pattern" 2>/dev/null || true
