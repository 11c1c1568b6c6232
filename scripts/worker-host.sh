#!/usr/bin/env bash
# A grading host: more grading capacity for a deployment started by scripts/serve.sh on
# another machine. It runs Celery grading workers only (quick and heavy pools), no web server
# and no beat (exactly one beat runs, on the main host). All it needs:
#   - the site database's URL and the broker's URL, either in the environment
#     (DATABASE_URL, CELERY_BROKER_URL) or, better, in two files of the var directory,
#     `database_url` and `broker_url`, mode 0600, with the two servers' certificates beside
#     them, `broker-ca.crt` and `site-db-ca.crt` (serve.sh writes all four into
#     $INDEXED_VAR_DIR/worker-host/ on the main host when it listens for remote workers);
#   - this checkout, at the same commit as the main host (code and course files);
#   - root, PostgreSQL 15 / Redis / MariaDB binaries for the labs (`make install`), as on the
#     main host: the workers put every sandbox in its own network namespace and cgroup.
#
#   INDEXED_VAR_DIR=var/worker        the two URL files and two certificates, logs (0700)
#   INDEXED_GRADE_WORKERS=cores       quick-lab pool size (0: no quick pool on this host)
#   INDEXED_HEAVY_WORKERS=max(1, cores/2)  heavy-lab pool size (0: none)
#   INDEXED_WAIT_SECONDS=60           how long to wait for the site database at start
#
# SIGTERM or Ctrl-C stops the workers warmly: a grade in progress finishes first. A host
# that dies mid-grade loses nothing: its grading lease expires and the main host's sweeper
# hands the submission to another worker.
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
export INDEXED_VAR_DIR=${INDEXED_VAR_DIR:-var/worker}
VAR=$INDEXED_VAR_DIR
mkdir -p "$VAR" && chmod 700 "$VAR"
export DJANGO_SETTINGS_MODULE=apps.config.settings.prod
PY=.venv/bin/python
CORES=$(nproc)
GRADE_WORKERS=${INDEXED_GRADE_WORKERS:-$CORES}
HEAVY_WORKERS=${INDEXED_HEAVY_WORKERS:-$(( CORES > 2 ? CORES / 2 : 1 ))}
WAIT_SECONDS=${INDEXED_WAIT_SECONDS:-60}
pids=()

log() { echo "==> $*"; }
die() { echo "worker-host.sh: $*" >&2; exit 2; }

# Each URL from the environment or from its file; a file others may read is refused, since
# it holds the password of the whole site database.
for pair in DATABASE_URL:database_url CELERY_BROKER_URL:broker_url; do
  var=${pair%%:*} file="$VAR/${pair#*:}"
  [ -n "${!var:-}" ] && continue
  [ -f "$file" ] || die "$var is not set and $file does not exist (copy it from the main host's var/serve/worker-host/)"
  mode=$(stat -c %a "$file")
  [ "$mode" = 600 ] || [ "$mode" = 400 ] || die "$file is mode $mode: it holds a password, make it 0600"
  [ "$(stat -c %u "$file")" = "$(id -u)" ] || die "$file must belong to $(id -un)"
done
if [ -z "${DATABASE_URL:-}" ] && grep -q '[?&]host=/' "$VAR/database_url"; then
  die "$VAR/database_url names a Unix socket of the main host; use the worker-host URL (serve.sh with INDEXED_SITE_DB_LISTEN)"
fi
# url_param URL NAME: the value of NAME in URL's query string ('' when absent)
url_param() { sed -n "s/.*[?&]$2=\([^&]*\).*/\1/p" <<<"$1"; }
# The database's certificate, when the URL names one relative to this directory (prod.py
# resolves it), must be here: libpq would otherwise refuse with a less helpful message.
db_ca=$(url_param "${DATABASE_URL:-$(cat "$VAR/database_url")}" sslrootcert)
if [ -n "$db_ca" ] && [[ $db_ca != /* ]] && [ ! -r "$VAR/$db_ca" ]; then
  die "the site database's certificate $VAR/$db_ca is missing (copy site-db-ca.crt from the main host's var/serve/worker-host/)"
fi
# The broker carries every answer and the broker password: a Redis broker is reached over TLS
# with its certificate checked (rediss://...?ssl_cert_reqs=required&ssl_ca_certs=...), never
# in plain text across the network. A relative ssl_ca_certs names a file in $VAR (prod.py).
broker_url=${CELERY_BROKER_URL:-$(cat "$VAR/broker_url")}
case "$broker_url" in
  redis://*|redis+socket://*|unix://*)
    die "the broker URL is plain-text Redis; use the rediss:// URL serve.sh writes with INDEXED_BROKER_LISTEN" ;;
  rediss://*)
    [[ $broker_url == *ssl_cert_reqs=required* ]] || die "the broker URL must say ssl_cert_reqs=required (check the broker's certificate)"
    ca=$(url_param "$broker_url" ssl_ca_certs)
    [ -n "$ca" ] || die "the broker URL names no ssl_ca_certs (the broker's certificate, broker-ca.crt from the main host)"
    if [[ $ca != /* ]]; then
      [ -z "${CELERY_BROKER_URL:-}" ] || die "CELERY_BROKER_URL: give ssl_ca_certs as an absolute path"
      ca="$VAR/$ca"
    fi
    [ -r "$ca" ] || die "the broker's certificate $ca is missing (copy broker-ca.crt from the main host's var/serve/worker-host/)" ;;
esac
unset broker_url

# shellcheck source=scripts/lib/processes.sh
source scripts/lib/processes.sh  # Ctrl-C, SIGTERM or the parent's death stops everything

# The site database must answer and its schema must be this code's: a host on another commit
# would grade against tables it does not know. It never migrates: the main host does.
deadline=$(( $(date +%s) + WAIT_SECONDS ))
until problem=$($PY manage.py migrate --check 2>&1 >/dev/null); do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "$problem" | tail -5 >&2
    die "the site database did not answer, or its schema is not this checkout's (migrate --check failed)"
  fi
  sleep 2
done
log "site database: reachable, schema matches this checkout"

# Node names carry the host name (quick@%h): two hosts must not share one.
if [ "$GRADE_WORKERS" -gt 0 ]; then
  .venv/bin/celery -A apps.config worker -n "quick@%h" -Q quick --concurrency "$GRADE_WORKERS" \
    --prefetch-multiplier 1 --loglevel INFO --logfile "$VAR/worker-quick.log" &
  pids+=($!)
fi
if [ "$HEAVY_WORKERS" -gt 0 ]; then
  .venv/bin/celery -A apps.config worker -n "heavy@%h" -Q heavy --concurrency "$HEAVY_WORKERS" \
    --prefetch-multiplier 1 --loglevel INFO --logfile "$VAR/worker-heavy.log" &
  pids+=($!)
fi
[ "${#pids[@]}" -gt 1 ] || die "INDEXED_GRADE_WORKERS and INDEXED_HEAVY_WORKERS are both 0: nothing to run"
log "worker host $(hostname): $GRADE_WORKERS for quick labs, $HEAVY_WORKERS for heavy ones (logs in $VAR)"
wait -n "${pids[@]}" || true
