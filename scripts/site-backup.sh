#!/usr/bin/env bash
# A physical base backup of the production profile's own PostgreSQL (scripts/serve.sh), to
# go with the WAL archive serve.sh keeps when INDEXED_SITE_BACKUP_DIR is set. Together they
# restore the site database to its latest archived state or to any moment since the oldest
# kept base backup (scripts/site-restore.sh).
#
# Why base backup + WAL rather than pg_dump: a dump is a snapshot, so everything since the
# last one is lost (a night of submissions before a deadline); with WAL archiving at most
# archive_timeout (60 s) is, and a restore can stop just before a mistake (a dropped cohort).
# A dump is still what moves one cohort between sites: manage.py export_cohort.
#
#   scripts/site-backup.sh [--keep N]     N: keep this many newest base backups (and the WAL
#                                         they need), delete older ones; default 7
#
#   INDEXED_SITE_BACKUP_DIR=/var/lib/indexed/site-backups   base/<UTC time>/ and wal/
#   INDEXED_SITE_DB_DIR, INDEXED_VAR_DIR                    as for serve.sh
# The profile must be running (it is what archives the WAL). Put the backup directory on
# another disk, and copy it off the machine (rsync, object storage): a backup on the same
# disk as the database dies with it.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
KEEP=7
while [ $# -gt 0 ]; do
  case $1 in
    --keep) KEEP=$2; shift 2 ;;
    *) echo "usage: $0 [--keep N]" >&2; exit 2 ;;
  esac
done
VAR=${INDEXED_VAR_DIR:-var/serve}
SITE_DB_DIR=${INDEXED_SITE_DB_DIR:-/var/lib/indexed/site-db}
BACKUP_DIR=${INDEXED_SITE_BACKUP_DIR:-/var/lib/indexed/site-backups}
PG_BIN=/usr/lib/postgresql/15/bin
SITE_DB_USER=indexed-site
[ "$(id -u)" = 0 ] || SITE_DB_USER=$(id -un)

# shellcheck source=scripts/lib/accounts.sh
source scripts/lib/accounts.sh
run_as_db() { run_as "$SITE_DB_USER" "$@"; }

[ -f "$VAR/site-db.password" ] || { echo "site-backup.sh: no $VAR/site-db.password: is this the profile's var directory?" >&2; exit 2; }
[ -d "$BACKUP_DIR/wal" ] || {
  echo "site-backup.sh: $BACKUP_DIR/wal does not exist: start serve.sh with INDEXED_SITE_BACKUP_DIR=$BACKUP_DIR" \
    "(it turns WAL archiving on), then back up" >&2
  exit 2
}
port=$(sed -n 's/.*[?&]port=\([0-9]*\).*/\1/p' "$VAR/database_url" 2>/dev/null)
port=${port:-5432}
# Exported, never on a command line (argv is visible to every user); setpriv passes it on.
export PGPASSWORD; PGPASSWORD=$(cat "$VAR/site-db.password")
archive_mode=$("$PG_BIN/psql" -h "$SITE_DB_DIR/run" -p "$port" -U indexed -d indexed -tAc "SHOW archive_mode")
[ "$archive_mode" = on ] || { echo "site-backup.sh: the site database does not archive WAL (archive_mode=$archive_mode)" >&2; exit 2; }

stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/base/$stamp"
mkdir -p "$BACKUP_DIR/base"
[ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$BACKUP_DIR/base"
# Compressed tar files and a manifest. -X stream copies
# the WAL written during the backup too, so the backup is consistent on its own.
run_as_db "$PG_BIN/pg_basebackup" -h "$SITE_DB_DIR/run" -p "$port" -U indexed \
  -D "$target" -Ft -z -X stream --checkpoint=fast --label "indexed $stamp"
# (pg_verifybackup of PostgreSQL 15 reads only plain-format backups: check the archives whole.)
gzip -t "$target/base.tar.gz" "$target/pg_wal.tar.gz"
# The WAL file where this backup starts: every WAL file before the oldest kept backup's can go.
start_wal=$(tar -xzOf "$target/base.tar.gz" backup_label | sed -n 's/^START WAL LOCATION: .* (file \(.*\))$/\1/p')
echo "$start_wal" > "$target/start_wal"
[ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$target/start_wal"
# Make sure the WAL up to now reaches the archive, so this backup restores by itself.
"$PG_BIN/psql" -h "$SITE_DB_DIR/run" -p "$port" -U indexed -d indexed -tAc "SELECT pg_switch_wal()" >/dev/null

mapfile -t backups < <(ls -1 "$BACKUP_DIR/base" | sort)
if [ "${#backups[@]}" -gt "$KEEP" ]; then
  for old in "${backups[@]:0:${#backups[@]}-KEEP}"; do rm -rf "${BACKUP_DIR:?}/base/$old"; done
  oldest=$(cat "$BACKUP_DIR/base/${backups[${#backups[@]}-KEEP]}/start_wal")
  [ -n "$oldest" ] && "$PG_BIN/pg_archivecleanup" "$BACKUP_DIR/wal" "$oldest"
fi
size=$(du -sh "$target" | cut -f1)
echo "==> base backup $target ($size, starts at WAL $start_wal); WAL archive in $BACKUP_DIR/wal"
