#!/usr/bin/env bash
# The demo site under gunicorn: several processes (SITE_WORKERS, default 4)
# with threads each (SITE_THREADS, default 8), on 127.0.0.1:8000 (the URL the
# Kratos and Hydra configs send browsers to).
#   tools/production/site.sh up          in the background (tests, benchmarks); returns when it answers
#   tools/production/site.sh down        stops it
#   tools/production/site.sh foreground  in the foreground (make run PROFILE=production)
# Its access log ($run_dir/site-access.log) names the worker pid of every
# request, so tests can see that several processes answered.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/env.sh"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
gunicorn="${GUNICORN:-$repo/.venv/bin/gunicorn}"
bind="${SITE_BIND:-127.0.0.1:8000}"
pid_file="$run_dir/site.pid"
log="$run_dir/site.log"

[[ -x $gunicorn ]] || { echo "site: no gunicorn at $gunicorn: run 'make venv'." >&2; exit 1; }
mkdir -p "$run_dir"

# Served as in production: DEBUG off (no debug pages with tracebacks and
# settings, no per-query bookkeeping; a database or cache outage renders the
# 503 page through siteproject.urls.handler500). DEBUG off needs a real
# SECRET_KEY: one random key per run folder unless the environment has one,
# so sessions survive restarts of the site.
export DEBUG="${SITE_DEBUG:-False}"
if [[ -z "${SECRET_KEY:-}" ]]; then
  [[ -s "$run_dir/secret_key" ]] || (umask 077; python3 -c 'import secrets; print(secrets.token_urlsafe(50))' >"$run_dir/secret_key")
  SECRET_KEY=$(cat "$run_dir/secret_key"); export SECRET_KEY
fi

command=(
  "$gunicorn" siteproject.wsgi --chdir "$repo" --bind "$bind"
  --workers "$SITE_WORKERS" --worker-class gthread --threads "$SITE_THREADS"
  # A sign-in waits on Kratos and Hydra; a rush queues behind a few slow ones.
  --timeout 60 --graceful-timeout 10
  # Idle keep-alive connections are closed after this. gunicorn's default (2 s)
  # is shorter than the pauses inside a sign-in under a rush: the server then
  # closed connections the client was reusing ("Remote end closed connection
  # without response", 10-15 of 128 sign-ins lost). gthread parks idle
  # connections in a poller, not a thread, so a long keep-alive is cheap.
  # Behind a proxy keep it longer than the proxy's upstream keep-alive.
  --keep-alive 75
  # gunicorn 27's control socket is one file per user (~/.gunicorn/gunicorn.ctl),
  # shared by every gunicorn on the machine; nothing here uses it.
  --no-control-socket
  --access-logfile "$run_dir/site-access.log"
  --access-logformat 'pid=%(p)s %(m)s %(U)s %(s)s %(M)sms'
)

answers() { curl -fsS -o /dev/null --max-time 2 "http://$bind/health/live" 2>/dev/null; }
running() { [[ -f $pid_file ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null; }

case "${1:-}" in
  foreground)
    echo "site: gunicorn, $SITE_WORKERS workers x $SITE_THREADS threads on http://$bind (Ctrl-C stops it)"
    exec "${command[@]}" --error-logfile -
    ;;
  up)
    if running && answers; then echo "site: already serving on http://$bind"; exit 0; fi
    if answers; then
      echo "site: something this script did not start answers on http://$bind ('make run' elsewhere?). Stop it first." >&2
      exit 1
    fi
    echo "site: starting gunicorn, $SITE_WORKERS workers x $SITE_THREADS threads on http://$bind (log $log)"
    "${command[@]}" --error-logfile "$log" >>"$log" 2>&1 &
    echo $! >"$pid_file"
    for _ in $(seq 300); do
      answers && { echo "site: ready on http://$bind"; exit 0; }
      running || break
      sleep 0.1
    done
    echo "site: gunicorn did not answer on http://$bind/health/live within 30 s" >&2
    tail -n 30 "$log" >&2
    exit 1
    ;;
  down)
    running || { rm -f "$pid_file"; exit 0; }
    pid=$(cat "$pid_file")
    kill "$pid"  # TERM: the arbiter stops its workers gracefully
    for _ in $(seq 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pid_file"
    echo "site: stopped"
    ;;
  *) echo "usage: $0 up|down|foreground" >&2; exit 2 ;;
esac
