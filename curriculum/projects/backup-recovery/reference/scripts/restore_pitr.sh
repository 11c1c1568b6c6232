#!/usr/bin/env bash
# restore_pitr.sh BACKUP TARGET_DIR XID: restore a base backup and replay the archive to just before XID, paused.
set -euo pipefail
backup="$1"; target="$2"; xid="$3"
cp -a "$backup" "$target"
cat >> "$target/postgresql.auto.conf" <<CONF
restore_command = 'cp /var/lib/lindqvist/archive/%f %p'
recovery_target_xid = '$xid'
recovery_target_inclusive = off
recovery_target_action = 'pause'
archive_mode = off
CONF
touch "$target/recovery.signal"
