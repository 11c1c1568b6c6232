#!/usr/bin/env bash
set -euo pipefail
# pg_basebackup into "$BACKUP_DIR", with WAL and a manifest, then pg_verifybackup
exit 1
