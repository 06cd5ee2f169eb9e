#!/usr/bin/env bash
# Starts the local Ory stack: Kratos, Hydra and the SMTP sink, in the
# background, logs and PID files in one run folder. Returns when every port
# answers, or fails with an explanation and the tail of the failing log.
# Running it again while the stack is up does nothing.
#
# PROFILE=default (SQLite files, one person at a time) or PROFILE=production
# (PostgreSQL for Kratos and Hydra, plus Redis for Django's cache; both
# started here by tools/production/). Switching profile restarts the stack.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
profile="${PROFILE:-default}"
case "$profile" in
  default) ;;
  production) source "$repo/tools/production/env.sh" ;;
  *) echo "ory-up: unknown PROFILE '$profile' (default or production)" >&2; exit 2 ;;
esac
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
bin_dir="${ORY_BIN_DIR:-$HOME/.cache/oryauth/bin}"
python="${PYTHON:-$repo/.venv/bin/python}"
deadline_seconds="${ORY_UP_TIMEOUT:-60}"
config_dir="$repo/deploy/ory"
script_name=ory-up
source "$repo/tools/ory/lib.sh"

# name -> "port ..." it must answer on (health URL for Ory, TCP for the sink).
declare -A health=(
  [kratos]="http://127.0.0.1:4433/health/ready http://127.0.0.1:4434/admin/health/ready"
  [hydra]="http://127.0.0.1:4444/health/ready http://127.0.0.1:4445/health/ready http://127.0.0.1:4444/.well-known/openid-configuration"
)
declare -A ports=([kratos]="4433 4434" [hydra]="4444 4445" [mailsink]="1025")
services=(mailsink kratos hydra)

mkdir -p "$run_dir/mail"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

is_healthy() {
  local url
  if [[ $1 == mailsink ]]; then port_in_use 1025; return; fi
  for url in ${health[$1]}; do curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null || return 1; done
}

production_parts_up() {
  [[ $profile != production ]] || { "$repo/tools/production/postgres.sh" status && "$repo/tools/production/redis.sh" status; }
}

if [[ "$(cat "$run_dir/profile" 2>/dev/null)" == "$profile" ]] \
  && is_running kratos && is_running hydra && is_running mailsink \
  && is_healthy kratos && is_healthy hydra && is_healthy mailsink && production_parts_up; then
  echo "ory-up: already up, profile $profile (run folder $run_dir)"
  exit 0
fi

# Something of ours half up (e.g. one server died): start from a clean slate.
"$repo/tools/ory/down.sh" --quiet

for service in "${services[@]}"; do
  for port in ${ports[$service]}; do
    if port_in_use "$port"; then
      fail "port $port (needed by $service) is already taken by a process this script did not start.
Stop it (e.g. 'ss -ltnp | grep :$port' shows which), or an Ory stack started from
another checkout ('make ory-down' there), then run 'make ory-up' again."
    fi
  done
done

"$repo/tools/ory/build.sh" || fail "building the Ory servers failed (see the Go output above). Check that Go and gcc are installed and that the Go module proxy is reachable."
[[ -x "$python" ]] || fail "no Python at $python: run 'make venv' first (or set PYTHON)."

if [[ $profile == production ]]; then
  # PostgreSQL for Kratos, Hydra and Django; Redis for Django's cache.
  "$repo/tools/production/postgres.sh" up || fail "PostgreSQL could not be started (see above)."
  "$repo/tools/production/redis.sh" up || fail "Redis could not be started (see above)."
  # Pool sizes: tools/production/env.sh says why.
  kratos_dsn="$KRATOS_DSN"
  hydra_dsn="$HYDRA_DSN"
else
  # WAL lets readers and a writer work side by side; without it parallel test
  # traffic makes Hydra answer 500 "database is locked". Ory on SQLite stays
  # one-person development: nothing makes it survive a rush (PRODUCTION_NOTES).
  sqlite_options="_fk=true&mode=rwc&_journal_mode=WAL&_busy_timeout=10000"
  kratos_dsn="sqlite://$run_dir/kratos.sqlite?$sqlite_options"
  hydra_dsn="sqlite://$run_dir/hydra.sqlite?$sqlite_options"
fi

echo "ory-up: migrating Kratos's and Hydra's databases (profile $profile)"
(cd "$config_dir" && DSN="$kratos_dsn" "$bin_dir/kratos" migrate sql -e --yes -c kratos.yml >"$run_dir/kratos-migrate.log" 2>&1) \
  || fail "Kratos migrations failed." "$run_dir/kratos-migrate.log"
(cd "$config_dir" && DSN="$hydra_dsn" "$bin_dir/hydra" migrate sql up -e --yes >"$run_dir/hydra-migrate.log" 2>&1) \
  || fail "Hydra migrations failed." "$run_dir/hydra-migrate.log"

start() {  # start NAME command...
  local name=$1; shift
  (cd "$config_dir" && exec "$@") >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

echo "ory-up: starting the SMTP sink, Kratos and Hydra (logs in $run_dir)"
start mailsink "$python" "$repo/tools/mailsink/mailsink.py" --port 1025 --dir "$run_dir/mail"
DSN="$kratos_dsn" start kratos "$bin_dir/kratos" serve --dev --watch-courier -c kratos.yml
DSN="$hydra_dsn" start hydra "$bin_dir/hydra" serve all --dev -c hydra.yml

started=$(date +%s)
pending=("${services[@]}")
while ((${#pending[@]})); do
  still=()
  for service in "${pending[@]}"; do
    if ! is_running "$service"; then
      fail "$service exited during start-up. Its log usually names the cause (a bad config value, a locked database, a port taken)." "$run_dir/$service.log"
    fi
    is_healthy "$service" || still+=("$service")
  done
  pending=("${still[@]+"${still[@]}"}")
  ((${#pending[@]})) || break
  if (($(date +%s) - started > deadline_seconds)); then
    fail "${pending[0]} did not become ready within ${deadline_seconds}s." "$run_dir/${pending[0]}.log"
  fi
  sleep 0.2
done
echo "$profile" >"$run_dir/profile"
echo "ory-up: ready in $(($(date +%s) - started))s, profile $profile — Kratos 4433/4434, Hydra 4444/4445, SMTP sink 1025"
