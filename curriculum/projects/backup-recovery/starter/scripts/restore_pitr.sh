#!/usr/bin/env bash
set -euo pipefail
# restore a base backup into a new data directory with a recovery target, paused
exit 1
