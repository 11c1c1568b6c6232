#!/usr/bin/env bash
# The production profile on one machine (`make serve`): gunicorn with several workers,
# static files through whitenoise, PostgreSQL for the site database, a password-protected
# Redis broker that keeps its queue on disk, Celery grading workers sized to the cores and
# exactly one Celery beat. Ctrl-C or SIGTERM stops everything cleanly; starting again brings
# back the same database and the same queue.
#
# Settings come from the environment (apps/config/settings/prod.py); unset, these defaults:
#   HOST=127.0.0.1 PORT=8080                    where gunicorn listens (put TLS in front)
#   INDEXED_VAR_DIR=var/serve                   secret key, broker data, logs (0700)
#   DATABASE_URL                                unset: a local PostgreSQL 15 in INDEXED_SITE_DB_DIR
#   INDEXED_SITE_DB_DIR=/var/lib/indexed/site-db  its data directory (kept across restarts)
#   CELERY_BROKER_URL                           unset: a local redis-server with a password
#   INDEXED_WEB_WORKERS=2*cores+1  INDEXED_GRADE_WORKERS=cores (quick labs)
#   INDEXED_HEAVY_WORKERS=max(1, cores/2) (clusters, recovery, failover)
#   INDEXED_PLAIN_HTTP=1                        no TLS in front (trusted network, smoke tests)
#   INDEXED_WEB_USER=indexed-web                started as root: the account gunicorn's workers
#                                               run as (made if missing; its group may read the
#                                               secret key, web_database_url (a login with rows
#                                               only), broker_url, static files and
#                                               open the broker's, database's and playground's
#                                               sockets, and nothing else of var/). Empty: root.
# Remote grading hosts (scripts/worker-host.sh); unset, database and broker stay local-only:
#   INDEXED_WORKER_NETWORK=10.0.5.0/24          the workers' network: the one pg_hba.conf line
#   INDEXED_SITE_DB_LISTEN=10.0.5.1             the site PostgreSQL also listens here (TLS, scram,
#                                               role indexed_worker: rows only, no DDL)
#   INDEXED_SITE_DB_PORT=5432                   ... on this port
#   INDEXED_BROKER_LISTEN=10.0.5.1              the broker also listens here, TLS only
#   INDEXED_BROKER_PORT                         its fixed TLS port (default: kept from last time)
# With them set, $INDEXED_VAR_DIR/worker-host/{database_url,broker_url,broker-ca.crt} (0600)
# are what a worker host needs: copy them to its var directory.
# This host's own processes reach the broker through a Unix socket in $INDEXED_VAR_DIR/broker
# (0700): the broker has no plain-text TCP listener at all.
# The site database's own backups (scripts/site-backup.sh, scripts/site-restore.sh):
#   INDEXED_SITE_BACKUP_DIR=/var/lib/indexed/site-backups   set: WAL archived into its wal/
set -euo pipefail
cd "$(dirname "$0")/.."
umask 077
export INDEXED_VAR_DIR=${INDEXED_VAR_DIR:-var/serve}
VAR=$INDEXED_VAR_DIR
mkdir -p "$VAR" && chmod 700 "$VAR"
export DJANGO_SETTINGS_MODULE=apps.config.settings.prod
PY=.venv/bin/python
HOST=${HOST:-127.0.0.1}
PORT=${PORT:-8080}
CORES=$(nproc)
WEB_WORKERS=${INDEXED_WEB_WORKERS:-$((2 * CORES + 1))}
GRADE_WORKERS=${INDEXED_GRADE_WORKERS:-$CORES}
HEAVY_WORKERS=${INDEXED_HEAVY_WORKERS:-$(( CORES > 2 ? CORES / 2 : 1 ))}
PG_BIN=/usr/lib/postgresql/15/bin
SITE_DB_DIR=${INDEXED_SITE_DB_DIR:-/var/lib/indexed/site-db}
SITE_DB_USER=indexed-site   # the OS account the site's PostgreSQL runs as (it refuses root)
WEB_USER=${INDEXED_WEB_USER-indexed-web}
[ "$(id -u)" = 0 ] || WEB_USER=""  # started by an ordinary user: everything runs as that user
WORKER_NETWORK=${INDEXED_WORKER_NETWORK:-}
SITE_DB_LISTEN=${INDEXED_SITE_DB_LISTEN:-}
SITE_DB_PORT=${INDEXED_SITE_DB_PORT:-5432}
BROKER_LISTEN=${INDEXED_BROKER_LISTEN:-}
BACKUP_DIR=${INDEXED_SITE_BACKUP_DIR:-}
if { [ -n "$SITE_DB_LISTEN" ] || [ -n "$BROKER_LISTEN" ]; } && [ -z "$WORKER_NETWORK" ]; then
  echo "serve.sh: INDEXED_SITE_DB_LISTEN / INDEXED_BROKER_LISTEN need INDEXED_WORKER_NETWORK (the workers' CIDR)" >&2
  exit 2
fi
pids=()
pg_started=0

log() { echo "==> $*"; }

# After the children (scripts/lib/processes.sh): the broker and the site database they used.
stop_services() {
  if [ -n "${broker_socket:-}" ]; then
    REDISCLI_AUTH="$broker_password" redis-cli -s "$broker_socket" shutdown >/dev/null 2>&1 || true
  fi
  if [ "$pg_started" = 1 ]; then
    # The segment in progress goes to the archive too, so a clean stop leaves nothing behind.
    [ -n "$BACKUP_DIR" ] && PGPASSWORD=$(cat "$VAR/site-db.password") "$PG_BIN/psql" -h "$SITE_DB_DIR/run" \
      -p "$SITE_DB_PORT" -U indexed -d indexed -tAc "SELECT pg_switch_wal()" >/dev/null 2>&1 || true
    run_as_db "$PG_BIN/pg_ctl" -D "$SITE_DB_DIR/data" -m fast -w stop >/dev/null || true
  fi
}
# shellcheck source=scripts/lib/processes.sh
source scripts/lib/processes.sh  # Ctrl-C, SIGTERM or the parent's death stops everything

secret() { $PY -c 'import sys; from pathlib import Path; from apps.config.secret_files import read_or_create_secret; print(read_or_create_secret(Path(sys.argv[1]), 32))' "$1"; }

# shellcheck source=scripts/lib/accounts.sh
source scripts/lib/accounts.sh
run_as_db() { run_as "$SITE_DB_USER" "$@"; }

# A URL for worker hosts: the template's %s becomes $PW, URL-quoted. The password comes in
# the environment, never in argv (which every user can read in ps).
url_with_password() { $PY -c 'import os, sys; from urllib.parse import quote; print(sys.argv[1] % quote(os.environ["PW"], safe=""))' "$1"; }

free_port() { $PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_site_database() {
  if [ "$(id -u)" = 0 ]; then
    id "$SITE_DB_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$SITE_DB_USER"
    mkdir -p "$SITE_DB_DIR" && chmod 755 "$(dirname "$SITE_DB_DIR")"
    chown "$SITE_DB_USER:" "$SITE_DB_DIR"
  else
    SITE_DB_USER=$(id -un); mkdir -p "$SITE_DB_DIR"
  fi
  chmod 700 "$SITE_DB_DIR"
  if ! run_as_db test -w "$SITE_DB_DIR"; then
    echo "serve.sh: the account $SITE_DB_USER cannot write $SITE_DB_DIR: every directory above it must be" \
      "searchable by others (chmod o+x), or set INDEXED_SITE_DB_DIR elsewhere" >&2
    exit 1
  fi
  local password; password=$(secret "$VAR/site-db.password")
  if [ ! -f "$SITE_DB_DIR/data/PG_VERSION" ]; then
    log "site database: initdb in $SITE_DB_DIR/data"
    local pwfile="$SITE_DB_DIR/.pw"
    printf '%s\n' "$password" > "$pwfile"
    [ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$pwfile"
    run_as_db "$PG_BIN/initdb" -D "$SITE_DB_DIR/data" -U indexed --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale=C.UTF-8 >"$VAR/initdb.log"
    rm -f "$pwfile"
  fi
  mkdir -p "$SITE_DB_DIR/run"
  [ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$SITE_DB_DIR/run"
  # By default a Unix socket only, in a directory only the site's accounts can enter:
  # sandboxes (their own network namespace and OS accounts) can neither reach a port nor open
  # the socket. For remote workers, also one TCP address (see allow_worker_network).
  local listen="''" extra=""
  allow_worker_network
  if [ -n "$BACKUP_DIR" ]; then
    # Every finished WAL segment (at least once a minute: archive_timeout) is copied to the
    # archive, so a restore loses at most that minute. cp refuses to overwrite a segment.
    mkdir -p "$BACKUP_DIR/wal" && chmod 700 "$BACKUP_DIR" "$BACKUP_DIR/wal"
    [ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$BACKUP_DIR" "$BACKUP_DIR/wal"
    BACKUP_DIR=$(realpath "$BACKUP_DIR")
    extra="-c archive_mode=on -c archive_timeout=60 -c archive_command='test ! -f $BACKUP_DIR/wal/%f && cp %p $BACKUP_DIR/wal/%f'"
  fi
  if [ -n "$SITE_DB_LISTEN" ]; then
    listen="'$SITE_DB_LISTEN'"
    extra="$extra -c ssl=on -c ssl_cert_file=$SITE_DB_DIR/data/server.crt -c ssl_key_file=$SITE_DB_DIR/data/server.key"
  fi
  run_as_db "$PG_BIN/pg_ctl" -D "$SITE_DB_DIR/data" -l "$SITE_DB_DIR/server.log" -w -t 60 start \
    -o "-c listen_addresses=$listen -p $SITE_DB_PORT -k $SITE_DB_DIR/run -c max_connections=200 -c shared_buffers=256MB $extra" >/dev/null
  pg_started=1
  local exists
  exists=$(PGPASSWORD="$password" "$PG_BIN/psql" -h "$SITE_DB_DIR/run" -p "$SITE_DB_PORT" -U indexed -d postgres -tAc \
    "SELECT count(*) FROM pg_database WHERE datname = 'indexed'")
  [ "$exists" = 1 ] || PGPASSWORD="$password" "$PG_BIN/createdb" -h "$SITE_DB_DIR/run" -p "$SITE_DB_PORT" -U indexed indexed
  local port_arg=""; [ "$SITE_DB_PORT" = 5432 ] || port_arg="&port=$SITE_DB_PORT"
  printf 'postgresql://indexed:%s@/indexed?host=%s%s\n' "$password" "$SITE_DB_DIR/run" "$port_arg" > "$VAR/database_url"
  # The web logs in as indexed_web (rows only): migrations and this script keep the owner.
  local web_password; web_password=$(secret "$VAR/site-db-web.password")
  make_rows_role indexed_web "$password" "$web_password"
  PW="$web_password" url_with_password "postgresql://indexed_web:%s@/indexed?host=$SITE_DB_DIR/run$port_arg" \
    > "$VAR/web_database_url"
  log "site database: PostgreSQL 15, socket in $SITE_DB_DIR/run"
  if [ -n "$SITE_DB_LISTEN" ]; then
    local worker_password; worker_password=$(secret "$VAR/site-db-worker.password")
    make_rows_role indexed_worker "$password" "$worker_password"
    mkdir -p "$VAR/worker-host"
    cp "$SITE_DB_DIR/data/server.crt" "$VAR/worker-host/site-db-ca.crt"
    # verify-full: a worker host checks the certificate and that it names this address, so a
    # machine in the middle cannot pose as the site database. The name is relative to the
    # worker host's var directory (prod.py resolves it).
    PW="$worker_password" url_with_password \
      "postgresql://indexed_worker:%s@$SITE_DB_LISTEN:$SITE_DB_PORT/indexed?sslmode=verify-full&sslrootcert=site-db-ca.crt" \
      > "$VAR/worker-host/database_url"
    log "site database: also on $SITE_DB_LISTEN:$SITE_DB_PORT (TLS, scram) for $WORKER_NETWORK only"
  fi
}

# make_rows_role ROLE OWNER_PASSWORD PASSWORD: a login for the site database with rows only
# (select, insert, update, delete), no DDL, no superuser: whoever takes over the web (a request
# handled wrongly) or a worker host (a sandbox escape) can neither run programs on this machine
# (COPY ... PROGRAM) nor drop the site's tables. Tables made by later migrations are granted
# too (default privileges of the owner, indexed). Passwords travel in the environment, never
# in argv (which every user can read in ps).
make_rows_role() {
  PGPASSWORD="$2" INDEXED_ROLE_PW="$3" "$PG_BIN/psql" -h "$SITE_DB_DIR/run" -p "$SITE_DB_PORT" -U indexed -d indexed \
    -q -v ON_ERROR_STOP=1 -v role="$1" >/dev/null <<'SQL'
\getenv pw INDEXED_ROLE_PW
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION PASSWORD :'pw';
GRANT CONNECT ON DATABASE indexed TO :"role";
GRANT USAGE ON SCHEMA public TO :"role";
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO :"role";
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE indexed IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO :"role";
ALTER DEFAULT PRIVILEGES FOR ROLE indexed IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO :"role";
SQL
}

# The block of pg_hba.conf this script owns, rewritten on every start: one line for the
# workers' network when remote workers are allowed, none otherwise (so unsetting the knob
# closes the door again). initdb's own lines cover only the socket and loopback.
allow_worker_network() {
  local hba="$SITE_DB_DIR/data/pg_hba.conf" begin="# indexed: worker hosts (serve.sh)" end="# indexed: end"
  local kept; kept=$(sed "/^$begin\$/,/^$end\$/d" "$hba")
  {
    printf '%s\n' "$kept"
    if [ -n "$SITE_DB_LISTEN" ]; then
      printf '%s\nhostssl indexed indexed_worker %s scram-sha-256\n%s\n' "$begin" "$WORKER_NETWORK" "$end"
    fi
  } > "$hba.new"
  [ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$hba.new"
  mv "$hba.new" "$hba"
  if [ -n "$SITE_DB_LISTEN" ] && ! certificate_names "$SITE_DB_DIR/data/server" "$SITE_DB_LISTEN"; then
    # Answers and verdicts cross the network encrypted, to a server whose certificate names
    # the address worker hosts dial (made again when that address changes).
    make_certificate "$SITE_DB_DIR/data/server" indexed-site-db "$SITE_DB_LISTEN"
    [ "$(id -u)" = 0 ] && chown "$SITE_DB_USER:" "$SITE_DB_DIR/data/server.key" "$SITE_DB_DIR/data/server.crt"
  fi
  return 0
}

# make_certificate PREFIX CN ADDRESS: a self-signed certificate (PREFIX.crt) and its key
# (PREFIX.key, 0600), ten years. With ADDRESS it is named in subjectAltName, so a client that
# checks the host name (the broker's, with ssl_cert_reqs=required) accepts it for that address.
make_certificate() {
  local prefix=$1 cn=$2 address=$3 san=()
  if [ -n "$address" ]; then
    if [[ $address =~ ^[0-9.]+$|: ]]; then san=(-addext "subjectAltName=IP:$address")
    else san=(-addext "subjectAltName=DNS:$address"); fi
  fi
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=$cn" "${san[@]}" \
    -keyout "$prefix.key" -out "$prefix.crt" 2>/dev/null
  chmod 600 "$prefix.key"
}

# certificate_names PREFIX ADDRESS: does PREFIX.crt name ADDRESS (made for an older address?)
certificate_names() {
  [ -f "$1.key" ] && openssl x509 -in "$1.crt" -noout -ext subjectAltName 2>/dev/null | grep -qE "(IP Address|DNS):$2(,|\$)"
}

start_broker() {
  mkdir -p "$VAR/broker"
  broker_password=$(secret "$VAR/redis.password")
  broker_socket="$(realpath "$VAR/broker")/redis.sock"
  # This host's processes (workers, beat, web) come through a Unix socket in the 0700 var
  # directory: sandboxes (other OS accounts, their own network namespaces) cannot open it.
  {
    printf 'requirepass %s\n' "$broker_password"
    printf 'unixsocket %s\nunixsocketperm 700\n' "$broker_socket"
    if [ -n "$BROKER_LISTEN" ]; then
      # Remote worker hosts: TLS only, on the address named for them (and loopback, which the
      # bind list shares); plain-text TCP stays off (port 0). Clients prove themselves with
      # the password, not with a certificate of their own (tls-auth-clients no); they check
      # ours against broker-ca.crt. tls-port and port share one bind list, hence port 0.
      printf 'port 0\nbind 127.0.0.1 %s\ntls-port %s\n' "$BROKER_LISTEN" "$broker_port"
      printf 'tls-cert-file %s\ntls-key-file %s\ntls-ca-cert-file %s\ntls-auth-clients no\n' \
        "$broker_tls.crt" "$broker_tls.key" "$broker_tls.crt"
    else
      printf 'port 0\n'  # no TCP at all
    fi
  } > "$VAR/redis.conf"
  # appendonly + everysec: queued submissions survive a restart (at most a second is lost,
  # and the sweeper re-queues any submission whose message went missing).
  redis-server "$VAR/redis.conf" --dir "$(realpath "$VAR/broker")" \
    --appendonly yes --appendfsync everysec --save "" --logfile "$(realpath "$VAR")/redis.log" &
  pids+=($!)
  for _ in $(seq 50); do
    REDISCLI_AUTH="$broker_password" redis-cli -s "$broker_socket" ping 2>/dev/null | grep -q PONG && break
    sleep 0.1
  done
  # Read by apps/config/settings/prod.py (this file rather than the environment, where
  # sandboxed children could find the password).
  PW="$broker_password" url_with_password "redis+socket://:%s@$broker_socket?virtual_host=0" > "$VAR/broker_url"
  log "broker: redis-server on the Unix socket $broker_socket (queue kept in $VAR/broker)"
  if [ -n "$BROKER_LISTEN" ]; then
    mkdir -p "$VAR/worker-host"
    cp "$broker_tls.crt" "$VAR/worker-host/broker-ca.crt"
    # A relative ssl_ca_certs is resolved against the worker host's var directory (prod.py).
    PW="$broker_password" url_with_password \
      "rediss://:%s@$BROKER_LISTEN:$broker_port/0?ssl_cert_reqs=required&ssl_ca_certs=broker-ca.crt" \
      > "$VAR/worker-host/broker_url"
    log "broker: also on $BROKER_LISTEN:$broker_port, TLS only, for remote workers (firewall it to $WORKER_NETWORK)"
  fi
}

# The broker's TLS port for remote workers and its certificate, made once (again when the
# listen address changes, since clients check the address against the certificate).
prepare_broker_tls() {
  broker_tls="$(realpath "$VAR")/broker-tls/server"
  mkdir -p "$VAR/broker-tls"
  # The same port as last time when it is free, so worker hosts' URL files stay right.
  broker_port=${INDEXED_BROKER_PORT:-$(cat "$VAR/redis.port" 2>/dev/null || true)}
  if [ -n "${INDEXED_BROKER_PORT:-}" ]; then :
  elif [ -z "$broker_port" ] || ! $PY -c 'import socket,sys; socket.socket().bind(("127.0.0.1", int(sys.argv[1])))' "$broker_port" 2>/dev/null; then
    broker_port=$(free_port)
  fi
  echo "$broker_port" > "$VAR/redis.port"
  certificate_names "$broker_tls" "$BROKER_LISTEN" || make_certificate "$broker_tls" indexed-broker "$BROKER_LISTEN"
}

# The web's account: requests are the platform's most exposed surface, so the code that
# answers them gets no more than it needs. Its workers read the checkout, so every directory
# above it must be searchable by others; when not, gunicorn stays root and says so.
prepare_web_account() {
  [ -n "$WEB_USER" ] || return 0
  if ! id "$WEB_USER" >/dev/null 2>&1; then
    local group=(--user-group); getent group "$WEB_USER" >/dev/null && group=(-g "$WEB_USER")  # a group left behind
    useradd --system "${group[@]}" --no-create-home --shell /usr/sbin/nologin "$WEB_USER"
  fi
  # The files a worker loads after it switched accounts: the interpreter's standard library,
  # the installed packages and the checkout (paths as root's interpreter finds them).
  local file
  for file in $($PY -c 'import os, django, gunicorn, apps; print(os.__file__, django.__file__, gunicorn.__file__, apps.__file__)'); do
    if ! as_web test -r "$file"; then
      echo "serve.sh: WARNING: the account $WEB_USER cannot read $file: every directory above it must be" \
        "searchable by others (chmod o+x; a venv on an interpreter in root's home needs rebuilding:" \
        "rm -rf .venv && make install). gunicorn's workers run as ROOT until then." >&2
      WEB_USER=""
      return 0
    fi
  done
}

as_web() { run_as "$WEB_USER" "$@"; }

# What the web's workers need of this host, given to the web's group only: the var directory
# (to pass through), the secret key, its own database URL and the broker URL, the static files, and the broker's,
# site database's and playground's sockets. Everything else in var/ stays root's.
open_to_web() {
  [ -n "$WEB_USER" ] || return 0
  local group dir checkout; group=$(id -gn "$WEB_USER"); checkout=$(pwd)
  dir=$(realpath "$VAR")
  while [ "$dir" != / ] && ! as_web test -x "$dir"; do
    case "$dir" in
      "$checkout"/*) chgrp "$group" "$dir" && chmod g+x "$dir" ;;  # var/ under the checkout (0700)
      *) break ;;
    esac
    dir=$(dirname "$dir")
  done
  chgrp "$group" "$VAR" && chmod 710 "$VAR"
  for name in secret_key web_database_url broker_url; do
    if [ -f "$VAR/$name" ]; then chgrp "$group" "$VAR/$name" && chmod 640 "$VAR/$name"; fi
  done
  chgrp -R "$group" "$VAR/staticfiles" && chmod -R g+rX "$VAR/staticfiles"
  if [ -n "${broker_socket:-}" ]; then
    chgrp "$group" "$VAR/broker" "$broker_socket" && chmod 710 "$VAR/broker" && chmod 770 "$broker_socket"
  fi
  if [ "$pg_started" = 1 ]; then
    chgrp "$group" "$SITE_DB_DIR" "$SITE_DB_DIR/run" && chmod 710 "$SITE_DB_DIR" "$SITE_DB_DIR/run"
  fi
  export INDEXED_PLAYGROUND_SOCKET_GROUP=$group  # the workers start the playground service
  if ! as_web test -r "$VAR/secret_key"; then
    echo "serve.sh: the account $WEB_USER cannot reach $VAR/secret_key: every directory above $VAR" \
      "must be searchable by others (chmod o+x), or set INDEXED_VAR_DIR elsewhere" >&2
    exit 1
  fi
}

prepare_web_account
if [ -z "${DATABASE_URL:-}" ]; then start_site_database; else rm -f "$VAR/database_url" "$VAR/web_database_url"; fi
if [ -z "${CELERY_BROKER_URL:-}" ]; then
  [ -z "$BROKER_LISTEN" ] || prepare_broker_tls
  start_broker
else rm -f "$VAR/broker_url"; fi

$PY manage.py migrate --noinput -v0
$PY manage.py collectstatic --noinput -v0
$PY manage.py sync_curriculum
$PY manage.py check --deploy --fail-level ERROR >/dev/null
open_to_web

# Two pools: quick labs (one server, a query) and heavy ones (clusters, recovery, failover),
# so a queue of heavy grades never holds up a SELECT (apps/config/routing.py).
.venv/bin/celery -A apps.config worker -n "quick@%h" -Q quick --concurrency "$GRADE_WORKERS" --prefetch-multiplier 1 \
  --loglevel INFO --logfile "$VAR/worker-quick.log" &
pids+=($!)
.venv/bin/celery -A apps.config worker -n "heavy@%h" -Q heavy --concurrency "$HEAVY_WORKERS" --prefetch-multiplier 1 \
  --loglevel INFO --logfile "$VAR/worker-heavy.log" &
pids+=($!)
# Beat schedules the sweepers; exactly one per deployment (start it on one host only).
.venv/bin/celery -A apps.config beat --schedule "$VAR/celerybeat-schedule" --loglevel INFO --logfile "$VAR/beat.log" &
pids+=($!)
log "workers: $GRADE_WORKERS for quick labs, $HEAVY_WORKERS for heavy ones, one beat (logs in $VAR)"

# Each gunicorn worker writes its request counters here; /metrics adds them up.
export PROMETHEUS_MULTIPROC_DIR="$VAR/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
web_account=()
if [ -n "$WEB_USER" ]; then
  chown "$WEB_USER:" "$PROMETHEUS_MULTIPROC_DIR"
  # The master stays root (it only binds the port and minds the workers); each worker that
  # answers requests switches to the web's account before it loads the site.
  web_account=(--user "$WEB_USER" --group "$(id -gn "$WEB_USER")")
fi
# The web's own database login (rows only) when the site database is ours; DATABASE_URL otherwise.
web_db=(); [ -f "$VAR/web_database_url" ] && web_db=(INDEXED_DATABASE_URL_FILE="$(realpath "$VAR/web_database_url")")
env "${web_db[@]}" .venv/bin/gunicorn apps.config.wsgi:application --workers "$WEB_WORKERS" --bind "$HOST:$PORT" "${web_account[@]}" \
  --graceful-timeout 20 --timeout 60 --access-logfile "$VAR/access.log" --error-logfile "$VAR/gunicorn.log" &
pids+=($!)
log "web: gunicorn, $WEB_WORKERS workers as ${WEB_USER:-$(id -un)} on http://$HOST:$PORT (health: /healthz, metrics: /metrics)"
wait -n "${pids[@]}" || true
