# Sourced (never run) by scripts/serve.sh, site-backup.sh and site-restore.sh.
# shellcheck shell=bash

# run_as ACCOUNT COMMAND...: COMMAND as ACCOUNT (its own group, no supplementary groups) when
# this script runs as root, as the script's own user otherwise (then ACCOUNT is that user).
run_as() {
  local account=$1; shift
  if [ "$(id -u)" = 0 ]; then setpriv --reuid="$account" --regid="$account" --clear-groups -- "$@"
  else "$@"; fi
}
