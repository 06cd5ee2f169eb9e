#!/usr/bin/env bash
# Starts the "localhost" variant beside the main stack (tools/ory/up.sh, which
# it starts first when needed): WebAuthn refuses IP addresses as relying-party
# ids, so passkeys and security keys need a site on a host name.
#   - Kratos on http://localhost:4533 (admin 127.0.0.1:4534) with passkey,
#     webauthn and the oidc method enabled (deploy/ory/kratos.localhost.yml);
#   - "Example ID", a second Hydra on 127.0.0.1:4544/4545 standing in for an
#     outside OpenID provider (deploy/ory/hydra.upstream.yml), with the OAuth2
#     client Kratos signs people in with;
#   - the demo site on http://localhost:8100 (its own SQLite database).
# Returns when every part answers, or fails with the tail of the failing log.
# Running it again while it is up does nothing; tools/ory/down.sh stops it.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
run_dir="${ORY_RUN_DIR:-$repo/.ory-run}"
bin_dir="${ORY_BIN_DIR:-$HOME/.cache/oryauth/bin}"
python="${PYTHON:-$repo/.venv/bin/python}"
deadline_seconds="${ORY_UP_TIMEOUT:-60}"
config_dir="$repo/deploy/ory"
script_name=up-localhost
source "$repo/tools/ory/lib.sh"

# The client "Example ID" knows Kratos by (kratos.localhost.yml names it too).
upstream_client='{
  "client_id": "kratos-localhost",
  "client_secret": "upstream-client-secret-dev-only",
  "client_name": "oryauth demo (localhost)",
  "grant_types": ["authorization_code", "refresh_token"],
  "response_types": ["code"],
  "scope": "openid email profile offline_access",
  "redirect_uris": ["http://localhost:4533/self-service/methods/oidc/callback/upstream"],
  "token_endpoint_auth_method": "client_secret_basic"
}'

declare -A health=(
  [upstream-hydra]="http://127.0.0.1:4544/health/ready http://127.0.0.1:4545/health/ready http://127.0.0.1:4544/.well-known/openid-configuration"
  [localhost-kratos]="http://127.0.0.1:4533/health/ready http://127.0.0.1:4534/admin/health/ready"
  [localhost-site]="http://127.0.0.1:8100/health/live"
)
parts=(upstream-hydra localhost-kratos localhost-site)

is_healthy() {
  local url
  for url in ${health[$1]}; do curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null || return 1; done
}

wait_until_healthy() {  # wait_until_healthy PART
  local started
  started=$(date +%s)
  until is_healthy "$1"; do
    is_running "$1" || fail "$1 exited during start-up (its log names the cause)." "$run_dir/$1.log"
    (($(date +%s) - started > deadline_seconds)) && fail "$1 did not become ready within ${deadline_seconds}s." "$run_dir/$1.log"
    sleep 0.2
  done
}

start() {  # start NAME command...
  local name=$1; shift
  (cd "$config_dir" && exec "$@") >"$run_dir/$name.log" 2>&1 &
  echo $! >"$run_dir/$name.pid"
}

start_site() {  # the demo site on localhost:8100, with its own database
  echo "up-localhost: starting the demo site on http://localhost:8100"
  local site_env=(
    "DATABASE_URL=sqlite:///$run_dir/localhost-site.sqlite3"
    # Django asks Kratos on loopback; browsers use the host name WebAuthn needs.
    "KRATOS_PUBLIC_URL=http://127.0.0.1:4533"
    "KRATOS_BROWSER_URL=http://localhost:4533"
    "KRATOS_ADMIN_URL=http://127.0.0.1:4534"
    "ORYAUTH_API_AUDIENCE=http://localhost:8100/api/"
    # Chromium checks form-action on each redirect after a form's post:
    # Example ID (and the sign-in pages the tests serve for it) is on plain
    # http, and the main Hydra's consent URL names the main site (127.0.0.1:8000),
    # which the passkey-through-Hydra test sends on to this one.
    "ORYAUTH_CSP_FORM_ACTION=http://127.0.0.1:4544,http://127.0.0.1:4546,http://127.0.0.1:8000"
  )
  env "${site_env[@]}" "$python" "$repo/manage.py" migrate --noinput >"$run_dir/localhost-site-migrate.log" 2>&1 \
    || fail "the site's migrations failed." "$run_dir/localhost-site-migrate.log"
  (cd "$repo" && exec env "${site_env[@]}" "$python" manage.py runserver 127.0.0.1:8100 --noreload) >"$run_dir/localhost-site.log" 2>&1 &
  echo $! >"$run_dir/localhost-site.pid"
  wait_until_healthy localhost-site
}

# newer_than PID_FILE DIR...: whether a file in DIRs changed since that part started.
newer_than() { local stamp=$1; shift; [[ -n "$(find "$@" -newer "$stamp" -print -quit 2>/dev/null)" ]]; }

"$repo/tools/ory/up.sh"

all_up=1
for part in "${parts[@]}"; do is_running "$part" && is_healthy "$part" || all_up=; done
# The site runs without Django's autoreloader (its child process would
# outlive the PID file) and Kratos reads its config once: restart what
# changed since it started.
if [[ $all_up ]] && newer_than "$run_dir/localhost-kratos.pid" "$config_dir"; then
  echo "up-localhost: deploy/ory changed since the variant started: restarting it"
  all_up=
elif [[ $all_up ]] && newer_than "$run_dir/localhost-site.pid" "$repo/oryauth" "$repo/siteproject" "$repo/templates"; then
  echo "up-localhost: the site's code changed since it started: restarting the site"
  stop_pid_file "$run_dir/localhost-site.pid" quiet
  start_site
  exit 0
elif [[ $all_up ]]; then
  echo "up-localhost: already up (site http://localhost:8100)"
  exit 0
fi
for part in "${parts[@]}"; do stop_pid_file "$run_dir/$part.pid" quiet; done

started=$(date +%s)
echo "up-localhost: starting Example ID (a second Hydra on 4544/4545)"
start upstream-hydra "$bin_dir/hydra" serve all --dev -c hydra.upstream.yml
wait_until_healthy upstream-hydra
curl -fsS -o "$run_dir/upstream-client.json" --max-time 5 -H 'Content-Type: application/json' \
  -d "$upstream_client" http://127.0.0.1:4545/admin/clients \
  || fail "registering Kratos's client in Example ID failed." "$run_dir/upstream-hydra.log"

echo "up-localhost: starting Kratos on http://localhost:4533 (passkeys, security keys, Example ID)"
kratos_dsn="sqlite://$run_dir/localhost-kratos.sqlite?_fk=true&mode=rwc&_journal_mode=WAL&_busy_timeout=10000"
(cd "$config_dir" && DSN="$kratos_dsn" "$bin_dir/kratos" migrate sql -e --yes -c kratos.yml -c kratos.localhost.yml \
  >"$run_dir/localhost-kratos-migrate.log" 2>&1) || fail "Kratos migrations failed." "$run_dir/localhost-kratos-migrate.log"
DSN="$kratos_dsn" start localhost-kratos "$bin_dir/kratos" serve --dev --watch-courier -c kratos.yml -c kratos.localhost.yml
wait_until_healthy localhost-kratos

start_site

echo "up-localhost: ready in $(($(date +%s) - started))s — site http://localhost:8100, Kratos http://localhost:4533, Example ID http://127.0.0.1:4544"
