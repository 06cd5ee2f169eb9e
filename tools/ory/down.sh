#!/usr/bin/env bash
# Stops exactly what tools/ory/up.sh and tools/production/ started, whichever
# profile that was (by their PID files in the run folder): the gunicorn site,
# Kratos, Hydra and the SMTP sink first, then Redis, PostgreSQL last (so
# nothing is cut off from its database while still serving).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
quiet=${1:-}
source "$repo/tools/ory/lib.sh"

stop_pid_file "$run_dir/site.pid" "$quiet"  # gunicorn's arbiter; it stops its workers
for pid_file in "$run_dir"/*.pid; do
  [[ $(basename "$pid_file") == redis.pid ]] && continue
  stop_pid_file "$pid_file" "$quiet"
done
if [[ -f "$run_dir/redis.pid" ]]; then "$repo/tools/production/redis.sh" down; fi
if [[ -f "$run_dir/postgres.home" ]]; then "$repo/tools/production/postgres.sh" down; fi
rm -f "$run_dir/profile"
