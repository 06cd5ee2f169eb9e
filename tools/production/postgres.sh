#!/usr/bin/env bash
# The production profile's own PostgreSQL 15: its data directory in the run
# folder, its own port on 127.0.0.1, the databases kratos, hydra and django
# owned by the application role. Not the Debian package's cluster or service.
#   tools/production/postgres.sh up     install if missing, init once, start, create role and databases
#   tools/production/postgres.sh down   fast shutdown (open sessions are ended)
#   tools/production/postgres.sh status exit 0 when it answers
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
source "$here/env.sh"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
pg_bin=/usr/lib/postgresql/15/bin
# The server log is written by the postgres user: it lives in the PostgreSQL
# home (see pg_home), linked from the run folder as postgres.log.
log="$run_dir/postgres.log"

fail() {
  echo "postgres: $1" >&2
  [[ -f "$log" ]] && { echo "--- last lines of $log ---" >&2; tail -n 20 "$log" >&2; echo "---" >&2; }
  exit 1
}

# PostgreSQL refuses to run as root, so it runs as the `postgres` user, which
# must be able to reach its data directory. Under the run folder when every
# parent directory lets it through; otherwise (a checkout under /root) in a
# folder of its own under /var/tmp, named after the run folder.
pg_home() {
  if [[ -f "$run_dir/postgres.home" ]]; then cat "$run_dir/postgres.home"; return; fi
  local home="$run_dir/postgres"
  mkdir -p "$run_dir"
  if ! runuser -u postgres -- test -x "$run_dir" 2>/dev/null; then
    home="/var/tmp/oryauth-postgres-$(echo -n "$run_dir" | sha1sum | cut -c1-12)"
    echo "postgres: the postgres user cannot reach $run_dir; using $home" >&2
  fi
  echo "$home" >"$run_dir/postgres.home"
  echo "$home"
}

as_postgres() { runuser -u postgres -- "$@"; }

answers() { [[ -x $pg_bin/pg_isready ]] && "$pg_bin/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -t 2; }

psql_admin() {  # psql_admin SQL: as the superuser over the private socket
  as_postgres "$pg_bin/psql" -h "$(pg_home)/socket" -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtAc "$1"
}

up() {
  "$here/install.sh" postgresql-15
  [[ -x $pg_bin/initdb ]] || fail "$pg_bin/initdb is missing although postgresql-15 is installed."
  local home data
  home=$(pg_home); data="$home/data"
  mkdir -p "$home/socket"; touch "$home/server.log"
  chown postgres:postgres "$home" "$home/socket" "$home/server.log"
  ln -sfn "$home/server.log" "$log"
  if [[ ! -f "$data/PG_VERSION" ]]; then
    echo "postgres: creating a cluster in $data"
    # trust on the private socket (only root and postgres can use it),
    # passwords over TCP: Kratos, Hydra and Django use the application role.
    as_postgres "$pg_bin/initdb" -D "$data" -U postgres -E UTF8 --no-locale \
      --auth-local=trust --auth-host=scram-sha-256 >>"$log" 2>&1 || fail "initdb failed."
  fi
  if answers; then
    echo "postgres: already running on 127.0.0.1:$PG_PORT"
  else
    echo "postgres: starting on 127.0.0.1:$PG_PORT (log $log)"
    # max_connections above every pool together: Kratos 20 + Hydra 100 +
    # Django 4 workers x 8 threads + tests and tools (PRODUCTION_NOTES).
    as_postgres "$pg_bin/pg_ctl" -D "$data" -l "$home/server.log" -w -t 60 start -o \
      "-c listen_addresses=127.0.0.1 -p $PG_PORT -c unix_socket_directories=$home/socket -c max_connections=200" \
      >/dev/null || fail "PostgreSQL did not start."
  fi
  # PostgreSQL 15: only a database's owner may create tables in its public
  # schema, so the application role owns each database. CREATEDB lets the
  # test runner make its test_django database.
  local password_sql=${DB_PASSWORD//\'/\'\'}
  if [[ -z $(psql_admin "SELECT 1 FROM pg_roles WHERE rolname = '$DB_USER'") ]]; then
    psql_admin "CREATE ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$password_sql'"
  else
    psql_admin "ALTER ROLE \"$DB_USER\" LOGIN CREATEDB PASSWORD '$password_sql'"
  fi
  for db in kratos hydra django; do
    if [[ -z $(psql_admin "SELECT 1 FROM pg_database WHERE datname = '$db'") ]]; then
      psql_admin "CREATE DATABASE $db OWNER \"$DB_USER\""
      echo "postgres: created database $db"
    fi
  done
  echo "postgres: ready on 127.0.0.1:$PG_PORT (databases kratos, hydra, django; role $DB_USER)"
}

down() {
  [[ -f "$run_dir/postgres.home" ]] || return 0
  local data; data="$(pg_home)/data"
  if [[ -f "$data/postmaster.pid" ]] && as_postgres "$pg_bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
    # fast: end open sessions (persistent connections) instead of waiting for them.
    as_postgres "$pg_bin/pg_ctl" -D "$data" -m fast -w -t 60 stop >/dev/null || fail "PostgreSQL did not stop."
    echo "postgres: stopped"
  fi
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) answers ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
