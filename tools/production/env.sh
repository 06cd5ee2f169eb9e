#!/usr/bin/env bash
# The production profile's addresses and credentials, in one place.
#   tools/production/env.sh COMMAND...   runs COMMAND with them exported
#   source tools/production/env.sh       exports them into a script
# Everything has a default for this machine and can be overridden from the
# environment (a real deployment sets its own secrets: docs/deploy.md).
#
# DATABASE_URL / CACHE_URL are what siteproject/settings.py reads;
# KRATOS_DSN / HYDRA_DSN are what tools/ory/up.sh hands Kratos and Hydra.

export ORYAUTH_PROFILE=production
export PG_PORT="${PG_PORT:-5439}"
export REDIS_PORT="${REDIS_PORT:-6389}"
export DB_USER="${DB_USER:-oryauth}"
# Local development password; only 127.0.0.1 can reach this PostgreSQL.
export DB_PASSWORD="${DB_PASSWORD:-oryauth-local-dev-password}"

# Percent-encode the password for URLs (it may contain '@', ':', '/').
_db_password_url=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$DB_PASSWORD")
_db_base="postgres://$DB_USER:$_db_password_url@127.0.0.1:$PG_PORT"

# Pool sizes from shared/PRODUCTION_NOTES.md. Hydra's pool must exceed the
# peak number of concurrent token exchanges: each one holds a connection
# "idle in transaction" while it waits for a second one (signing keys), so
# max_conns=20 deadlocked at 64 sign-ins at once; 100 served 128 (peak ~26).
export KRATOS_DSN="${KRATOS_DSN:-$_db_base/kratos?sslmode=disable&max_conns=20&max_idle_conns=4}"
export HYDRA_DSN="${HYDRA_DSN:-$_db_base/hydra?sslmode=disable&max_conns=100&max_idle_conns=20}"
# Django keeps each thread's connection for 60 s (conn_max_age) and checks it
# before reuse (conn_health_checks): the median sign-in at 32 at once went
# from 3.2 s to 2.1 s with persistent connections.
export DATABASE_URL="${DATABASE_URL:-$_db_base/django?conn_max_age=60&conn_health_checks=true}"
# Redis database 1: Django's built-in RedisCache (django-environ maps redis://
# to it), shared by every web process: answers, sign-outs and locks.
export CACHE_URL="${CACHE_URL:-redis://127.0.0.1:$REDIS_PORT/1}"
# gunicorn: 4 processes x 8 threads (what the prototype measured).
export SITE_WORKERS="${SITE_WORKERS:-4}"
export SITE_THREADS="${SITE_THREADS:-8}"
unset _db_password_url _db_base

# Run as a command: exec what follows with the variables above.
if [[ "${BASH_SOURCE[0]}" == "$0" && $# -gt 0 ]]; then
  exec "$@"
fi
