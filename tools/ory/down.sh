#!/usr/bin/env bash
# Stops exactly what tools/ory/up.sh and tools/production/ started, whichever
# profile that was (by their PID files in the run folder): the gunicorn site,
# Kratos, Hydra and the SMTP sink first, then Redis, PostgreSQL last (so
# nothing is cut off from its database while still serving).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
quiet=${1:-}

stop_pid_file() {  # stop_pid_file FILE: TERM, wait up to 5 s, then KILL
  local pid_file=$1 name pid
  [[ -f "$pid_file" ]] || return 0
  name=$(basename "$pid_file" .pid)
  pid=$(cat "$pid_file")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    [[ $quiet ]] || echo "ory-down: stopped $name (pid $pid)"
  fi
  rm -f "$pid_file"
}

stop_pid_file "$run_dir/site.pid"  # gunicorn's arbiter; it stops its workers
for pid_file in "$run_dir"/*.pid; do
  [[ $(basename "$pid_file") == redis.pid ]] && continue
  stop_pid_file "$pid_file"
done
if [[ -f "$run_dir/redis.pid" ]]; then "$repo/tools/production/redis.sh" down; fi
if [[ -f "$run_dir/postgres.home" ]]; then "$repo/tools/production/postgres.sh" down; fi
rm -f "$run_dir/profile"
