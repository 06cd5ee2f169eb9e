#!/usr/bin/env bash
# Installs the Node packages the test suite uses (tests/node/package.json,
# pinned by its package-lock.json) with the machine's npm. Does nothing when
# node_modules already matches the lock file.
set -euo pipefail
dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tests/node" && pwd)"
command -v npm >/dev/null || { echo "ensure-node-packages: npm is missing (install Node.js 20 or newer)" >&2; exit 1; }
stamp="$dir/node_modules/.oryauth-installed"
if [[ -f "$stamp" && "$stamp" -nt "$dir/package-lock.json" ]]; then exit 0; fi
echo "ensure-node-packages: npm ci in tests/node"
(cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
touch "$stamp"
