#!/usr/bin/env bash
# Stops the modelmesh gateway started by start.sh (the image's /opt/kserve/mmesh/stop.sh).
#
#   stop.sh          asks it to stop gracefully and returns at once
#   stop.sh wait     also waits until it has exited: the preStop hook of ModelMesh Serving pods
#
# "Gracefully" means what SIGTERM does to the gateway: /ready turns 503, its model copies move to
# other instances while it keeps serving, in-flight calls finish, then it exits, all within
# SHUTDOWN_TIMEOUT_MS. While that runs, `GET /prestop` on MM_PRESTOP_WAIT_PORT blocks; it
# answers "exiting" once the drain is done, and the process exits a moment later. `wait` uses
# that answer, then waits for the pid to disappear, for at most SHUTDOWN_TIMEOUT_MS + 10 s.
#
# Reads the same environment as the gateway: MM_PRESTOP_WAIT_PORT (default 8090, NONE = no
# pre-stop port), SHUTDOWN_TIMEOUT_MS (default 30000), and MM_PID_FILE as start.sh does.
# Exits 0 when the gateway is gone (or was not running), 1 when it outlived the wait.
set -uo pipefail
pid_file=${MM_PID_FILE:-${TMPDIR:-/tmp}/modelmesh.pid}
prestop_port=${MM_PRESTOP_WAIT_PORT:-8090}
shutdown_timeout_ms=${SHUTDOWN_TIMEOUT_MS:-30000}
mode=${1:-}

say() { printf 'stop.sh: %s\n' "$*" >&2; }

case "$mode" in
  "" | wait) ;;
  *)
    say "usage: stop.sh [wait]"
    exit 2
    ;;
esac
case "$shutdown_timeout_ms" in
  '' | *[!0-9]*) shutdown_timeout_ms=30000 ;;
esac

# The gateway's pid, when start.sh recorded it and that process still runs Node.
gateway_pid() {
  local pid
  pid=$(cat "$pid_file" 2>/dev/null) || return 1
  case "$pid" in '' | *[!0-9]*) return 1 ;; esac
  kill -0 "$pid" 2>/dev/null || return 1
  # A pid left over from an earlier container run may belong to something else now.
  if [ -r "/proc/$pid/cmdline" ] && ! tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q 'node'; then
    return 1
  fi
  printf '%s' "$pid"
}

if ! pid=$(gateway_pid); then
  say "no running gateway found (pid file $pid_file); nothing to stop"
  exit 0
fi

# Opens the pre-stop request before the signal, so its answer cannot be missed. Bash's
# /dev/tcp is the HTTP client: the image has no curl, and starting Node would cost memory at the
# worst moment.
prestop_open=false
if [ "$mode" = wait ] && [ "$prestop_port" != NONE ]; then
  # In braces: a redirection on `exec` itself would silence this script's stderr for good.
  if { exec 3<>"/dev/tcp/127.0.0.1/$prestop_port"; } 2>/dev/null; then
    printf 'GET /prestop HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
    prestop_open=true
  else
    say "pre-stop port $prestop_port does not answer; waiting for the process only"
  fi
fi

say "stopping the gateway (pid $pid)"
kill -TERM "$pid" 2>/dev/null || true
[ "$mode" = wait ] || exit 0

wait_secs=$(((shutdown_timeout_ms + 999) / 1000 + 10))
if [ "$prestop_open" = true ]; then
  # The body is one word, "exiting" (the drain is done) or "timeout" (the pre-stop server's own
  # limit passed); it may arrive chunked, and without a final newline.
  answer="" line=""
  while IFS= read -r -t "$wait_secs" line <&3 || [ -n "$line" ]; do
    line=${line%$'\r'}
    case "$line" in exiting | timeout) answer=$line ;; esac
    line=""
  done
  exec 3<&-
  say "pre-stop answered: ${answer:-(nothing)}"
fi

deadline=$((SECONDS + wait_secs))
# A process that has exited but is not reaped yet (a zombie) still answers `kill -0`.
running() {
  kill -0 "$pid" 2>/dev/null || return 1
  local stat
  stat=$(cat "/proc/$pid/stat" 2>/dev/null) || return 0
  stat=${stat##*) }
  [ "${stat%% *}" != Z ]
}
while running; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    say "the gateway (pid $pid) is still running after ${wait_secs} s"
    exit 1
  fi
  sleep 0.1
done
say "the gateway has exited"
exit 0
