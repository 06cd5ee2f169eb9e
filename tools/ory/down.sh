#!/usr/bin/env bash
# Stops exactly the processes tools/ory/up.sh started (by their PID files).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
quiet=${1:-}

for pid_file in "$run_dir"/*.pid; do
  [[ -f "$pid_file" ]] || continue
  name=$(basename "$pid_file" .pid)
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    [[ $quiet ]] || echo "ory-down: stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
done
