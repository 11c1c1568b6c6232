#!/usr/bin/env bash
# Install what Indexed needs on a Debian machine, skipping what is already there.
# Safe to run again. Works as root, or as a normal user with sudo for the apt step.
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_BROWSER=${WANT_BROWSER:-0}   # the test suite needs chromium; `make run` does not
PG_BIN=/usr/lib/postgresql/15/bin

# The venv is built on Debian's own interpreter when there is one: the production profile's
# web workers run as their own account (scripts/serve.sh), which must read the interpreter's
# standard library, and one installed under root's home (pyenv, 0700) is readable by root only.
PYTHON=python3
[ -x /usr/bin/python3 ] && PYTHON=/usr/bin/python3

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15 postgresql-contrib)
$PYTHON -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
# The engines and tools labs run (each sandbox starts its own processes on its own ports):
# MariaDB and Galera, pgBackRest, Patroni with etcd, PgBouncer, HAProxy; acl for setfacl users.
[ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server mariadb-client)
[ -f /usr/lib/galera/libgalera_smm.so ] || missing+=(galera-4)
command -v pgbackrest >/dev/null || missing+=(pgbackrest)
command -v patroni >/dev/null || missing+=(patroni)
command -v etcd >/dev/null && command -v etcdctl >/dev/null || missing+=(etcd-server etcd-client)
[ -x /usr/sbin/pgbouncer ] || missing+=(pgbouncer)
[ -x /usr/sbin/haproxy ] || missing+=(haproxy)
[ -x /usr/sbin/ip ] || [ -x /sbin/ip ] || missing+=(iproute2)
if [ "$WANT_BROWSER" = 1 ]; then
  command -v chromium >/dev/null || missing+=(chromium)
  command -v chromedriver >/dev/null || missing+=(chromium-driver)
fi

if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing system packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "need root or sudo to install: ${missing[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  # Packages must not start their system services (MariaDB on 3306, etcd, HAProxy...):
  # sandboxes start their own. policy-rc.d exit 101 is Debian's "do not start" switch.
  added_policy=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    added_policy=1
  fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ "$added_policy" = 1 ] && $SUDO rm -f /usr/sbin/policy-rc.d
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
