#!/usr/bin/env bash
# Starts the modelmesh gateway installed next to this script (the image's
# /opt/kserve/mmesh/start.sh). Every setting comes from the environment (or flags passed on; see
# `start.sh --help`). The shell replaces itself with Node (`exec`), so the gateway keeps this
# pid and receives SIGTERM from the container runtime directly; its pid is written to
# MM_PID_FILE (default ${TMPDIR:-/tmp}/modelmesh.pid) so that `stop.sh` can find it.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
pid_file=${MM_PID_FILE:-${TMPDIR:-/tmp}/modelmesh.pid}

# Without the pid file, `stop.sh wait` cannot start the drain, and Kubernetes' own SIGTERM after
# the preStop hook still does: worth a warning, not a failed start.
if ! { mkdir -p "$(dirname "$pid_file")" && echo "$$" >"$pid_file"; } 2>/dev/null; then
  echo "start.sh: cannot write $pid_file; stop.sh will not find the gateway" >&2
fi
exec node "$here/dist/main.js" "$@"
