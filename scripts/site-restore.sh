#!/usr/bin/env bash
# Restore the production profile's site database from scripts/site-backup.sh's base backups
# and serve.sh's WAL archive, into a NEW directory (the old one is never touched: if the
# restore is not what you wanted, nothing is lost).
#
#   scripts/site-restore.sh --to DIR [--target-time 'YYYY-MM-DD HH:MM:SS+00'] [--base STAMP]
#
# Without --target-time it replays every archived WAL file (the latest state the archive
# has); with it, it stops just before that moment (say, the minute before a cohort was
# deleted). The base backup is the newest one older than the target (or --base). Recovery
# runs to the end here, on a private socket; then the directory is an ordinary data
# directory, and the site comes back with:
#
#   stop serve.sh;  INDEXED_SITE_DB_DIR=DIR scripts/serve.sh    (same INDEXED_VAR_DIR: same password)
#
#   INDEXED_SITE_BACKUP_DIR=/var/lib/indexed/site-backups   where the backups are
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
TO="" TARGET="" BASE=""
while [ $# -gt 0 ]; do
  case $1 in
    --to) TO=$2; shift 2 ;;
    --target-time) TARGET=$2; shift 2 ;;
    --base) BASE=$2; shift 2 ;;
    *) echo "usage: $0 --to DIR [--target-time TIME] [--base STAMP]" >&2; exit 2 ;;
  esac
done
[ -n "$TO" ] || { echo "usage: $0 --to DIR [--target-time TIME] [--base STAMP]" >&2; exit 2; }
BACKUP_DIR=$(realpath "${INDEXED_SITE_BACKUP_DIR:-/var/lib/indexed/site-backups}")
PG_BIN=/usr/lib/postgresql/15/bin
SITE_DB_USER=indexed-site
[ "$(id -u)" = 0 ] || SITE_DB_USER=$(id -un)

# shellcheck source=scripts/lib/accounts.sh
source scripts/lib/accounts.sh
run_as_db() { run_as "$SITE_DB_USER" "$@"; }
die() { echo "site-restore.sh: $*" >&2; exit 1; }

if [ -e "$TO" ] && [ -n "$(ls -A "$TO")" ]; then die "$TO is not empty: restore into a new directory"; fi
if [ -z "$BASE" ]; then
  limit=99999999T999999Z
  [ -n "$TARGET" ] && limit=$(date -u -d "$TARGET" +%Y%m%dT%H%M%SZ)
  for stamp in $(ls -1 "$BACKUP_DIR/base" 2>/dev/null | sort); do
    [[ "$stamp" < "$limit" ]] && BASE=$stamp
  done
  [ -n "$BASE" ] || die "no base backup in $BACKUP_DIR/base older than ${TARGET:-now}"
fi
source="$BACKUP_DIR/base/$BASE"
[ -f "$source/base.tar.gz" ] || die "$source/base.tar.gz does not exist"

mkdir -p "$TO/data" "$TO/run"
chmod 700 "$TO" "$TO/data" "$TO/run"
[ "$(id -u)" = 0 ] && chown -R "$SITE_DB_USER:" "$TO"
TO=$(realpath "$TO")
run_as_db tar -xzf "$source/base.tar.gz" -C "$TO/data"
run_as_db tar -xzf "$source/pg_wal.tar.gz" -C "$TO/data/pg_wal"

# Archive recovery: fetch WAL from the archive, stop at the target (if any), then promote.
{
  echo "restore_command = 'cp $BACKUP_DIR/wal/%f %p'"
  [ -n "$TARGET" ] && echo "recovery_target_time = '$TARGET'"
  echo "recovery_target_action = 'promote'"
} | run_as_db tee -a "$TO/data/postgresql.auto.conf" >/dev/null
run_as_db touch "$TO/data/recovery.signal"

# Replay here, reachable only through a socket in the new directory; archive_mode off, so
# this replay writes nothing into the archive the live site uses; no hot standby, so nobody
# reads a half-replayed database (and the primary's max_connections need not be matched).
echo "==> replaying WAL from $BACKUP_DIR/wal onto base backup $BASE${TARGET:+ up to $TARGET}"
run_as_db "$PG_BIN/pg_ctl" -D "$TO/data" -l "$TO/restore.log" -w -t 600 start \
  -o "-c listen_addresses='' -k $TO/run -c archive_mode=off -c hot_standby=off -c max_connections=200" >/dev/null || die "the server did not start: $(tail -5 "$TO/restore.log")"
# Promotion ends recovery; the log says when (or why it stopped short).
for _ in $(seq 1200); do
  grep -q "database system is ready to accept connections" "$TO/restore.log" && break
  grep -q "FATAL" "$TO/restore.log" && break
  sleep 0.5
done
if ! grep -q "database system is ready to accept connections" "$TO/restore.log"; then
  run_as_db "$PG_BIN/pg_ctl" -D "$TO/data" -m fast -w stop >/dev/null 2>&1 || true
  die "recovery did not finish: $(grep -E 'FATAL|LOG:  (redo|recovery)' "$TO/restore.log" | tail -5)"
fi
run_as_db "$PG_BIN/pg_ctl" -D "$TO/data" -m fast -w stop >/dev/null
# The restore settings served their turn; a later start must not fetch WAL again.
run_as_db sed -i -e '/^restore_command = /d' -e '/^recovery_target_time = /d' -e '/^recovery_target_action = /d' \
  "$TO/data/postgresql.auto.conf"
stopped=$(grep -E 'recovery stopping' "$TO/restore.log" | tail -1 || true)
[ -n "$stopped" ] || stopped=$(grep -E 'last completed transaction' "$TO/restore.log" | tail -1 || true)
echo "==> restored into $TO (${stopped#*LOG:  })"
echo "    start the site on it: INDEXED_SITE_DB_DIR=$TO scripts/serve.sh"
