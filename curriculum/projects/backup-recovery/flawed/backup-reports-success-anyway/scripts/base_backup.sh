#!/usr/bin/env bash
# Nightly base backup into $BACKUP_DIR.
pg_basebackup --pgdata="$BACKUP_DIR" --wal-method=stream --checkpoint=fast
pg_verifybackup "$BACKUP_DIR"
echo "backup finished"
