#!/usr/bin/env bash
# Base backup into $BACKUP_DIR; manifests are skipped to save a little disk.
set -euo pipefail
pg_basebackup --pgdata="${BACKUP_DIR:?}" --wal-method=stream --checkpoint=fast --no-manifest
echo "base backup in $BACKUP_DIR"
