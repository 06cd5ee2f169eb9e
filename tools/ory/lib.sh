# Shared by tools/ory/up.sh, up-localhost.sh and down.sh (sourced, not run).
# The caller sets run_dir and, for fail's messages, script_name.

fail() {  # fail "explanation" [log file]: print it with the log's tail, exit 1
  echo >&2
  echo "${script_name:-ory}: $1" >&2
  if [[ -n "${2:-}" && -f "$2" ]]; then
    echo "--- last lines of $2 ---" >&2
    tail -n 25 "$2" >&2
    echo "---" >&2
  fi
  exit 1
}

is_running() { [[ -f "$run_dir/$1.pid" ]] && kill -0 "$(cat "$run_dir/$1.pid")" 2>/dev/null; }

stop_pid_file() {  # stop_pid_file FILE [quiet]: TERM, wait up to 5 s, then KILL
  local pid_file=$1 quiet=${2:-} name pid
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
