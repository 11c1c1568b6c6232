#!/usr/bin/env bash
# A verified base backup into $BACKUP_DIR; any failure stops the script with a non-zero exit.
set -euo pipefail
target="${BACKUP_DIR:?BACKUP_DIR must name the new backup directory}"
pg_basebackup --pgdata="$target" --wal-method=stream --checkpoint=fast --manifest-checksums=CRC32C
pg_verifybackup "$target"
echo "base backup in $target verified"
