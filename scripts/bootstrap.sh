#!/usr/bin/env bash
# Install what Indexed needs on a Debian machine, skipping what is already there.
# Safe to run again. Works as root, or as a normal user with sudo for the apt step.
set -euo pipefail
cd "$(dirname "$0")/.."

WANT_BROWSER=${WANT_BROWSER:-0}   # the test suite needs chromium; `make run` does not
PG_BIN=/usr/lib/postgresql/15/bin

missing=()
command -v redis-server >/dev/null || missing+=(redis-server)
[ -x "$PG_BIN/postgres" ] || missing+=(postgresql-15 postgresql-contrib)
python3 -c 'import venv, ensurepip' 2>/dev/null || missing+=(python3-venv)
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
  # A Debian postgresql install starts a cluster on 5432; sandboxes never use it.
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
stamp=.venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip >/dev/null
  .venv/bin/pip install -q -e ".[dev]"
  rm -f .venv/.installed-*
  touch "$stamp"
fi
