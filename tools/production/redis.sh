#!/usr/bin/env bash
# The production profile's own Redis (Django's cache): its own port on
# 127.0.0.1, no persistence (a cache), PID and log in the run folder.
#   tools/production/redis.sh up|down|status
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/env.sh"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
pid_file="$run_dir/redis.pid"
log="$run_dir/redis.log"

answers() { command -v redis-cli >/dev/null && [[ $(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null) == PONG ]]; }
running() { [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

up() {
  "$here/install.sh" redis-server
  mkdir -p "$run_dir"
  if running && answers; then echo "redis: already running on 127.0.0.1:$REDIS_PORT"; return; fi
  if answers; then
    echo "redis: port $REDIS_PORT answers but not from a Redis this script started (set REDIS_PORT, or stop it)." >&2
    exit 1
  fi
  echo "redis: starting on 127.0.0.1:$REDIS_PORT (log $log)"
  # No snapshots or append-only file: it is a cache, losing it costs one call to Ory per credential.
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$run_dir" --maxmemory 256mb --maxmemory-policy allkeys-lru >"$log" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 100); do
    answers && { echo "redis: ready on 127.0.0.1:$REDIS_PORT"; return; }
    running || break
    sleep 0.1
  done
  echo "redis: did not answer on 127.0.0.1:$REDIS_PORT" >&2; tail -n 20 "$log" >&2; exit 1
}

down() {
  running || { rm -f "$pid_file"; return 0; }
  local pid; pid=$(cat "$pid_file")
  kill "$pid"
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pid_file"
  echo "redis: stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) answers ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
