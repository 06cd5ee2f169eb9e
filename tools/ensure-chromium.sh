#!/usr/bin/env bash
# Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright.
# Installs it when missing; Playwright's own browser downloads are not used.
set -euo pipefail
if [[ -x /usr/bin/chromium ]]; then exit 0; fi
if [[ $(id -u) -ne 0 ]]; then
  echo "Browser tests need Debian's chromium: run 'sudo apt-get install -y chromium' and try again." >&2
  exit 1
fi
echo "ensure-chromium: installing Debian's chromium ..."
apt-get update -q >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
/usr/bin/chromium --version
