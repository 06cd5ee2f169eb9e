#!/usr/bin/env bash
# Installs Debian packages the production profile needs, only when missing.
# Usage: tools/production/install.sh postgresql-15 redis-server
# CI runs on a fresh Debian 12 as root; nothing is installed by hand.
set -euo pipefail

missing=()
for package in "$@"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
((${#missing[@]})) || exit 0

if [[ $(id -u) != 0 ]]; then
  echo "install: ${missing[*]} missing and this is not root: run 'sudo apt-get install -y ${missing[*]}'." >&2
  exit 1
fi
echo "install: apt-get install ${missing[*]} (once; the packages' own services are not used)"
# Another apt run (an engineer's, unattended upgrades) may hold the lock: wait for it.
apt_wait=(-o DPkg::Lock::Timeout=300)
# The package lists of a fresh machine may be missing or stale.
apt-get "${apt_wait[@]}" update -qq
DEBIAN_FRONTEND=noninteractive apt-get "${apt_wait[@]}" install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
  || { echo "install: apt-get install ${missing[*]} failed (output above)." >&2; exit 1; }
echo "install: installed ${missing[*]}"
