# Shared helpers for the repository scripts. Source it; do not run it.
# shellcheck shell=bash

PNPM_VERSION=10.34.9
# The Node the scripts run everything on when the machine's Node is older (Node 20 reached its end
# of life on 2026-04-30). Keep .nvmrc on the same major.
NODE_VERSION=24.21.0
NODE_MAJOR=${NODE_VERSION%%.*}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export TURBO_TELEMETRY_DISABLED=1
export DO_NOT_TRACK=1

log() { printf '\n==> %s\n' "$*" >&2; }

# Puts Node $NODE_MAJOR or newer first on PATH: when the machine's Node is older, installs
# node@$NODE_VERSION with npm under .tools/ (the registry's `node` package fetches the Linux
# binary). Exported, so pnpm, turbo, vitest and every process they start (`node`, or
# `process.execPath` in the tests and benchmarks) run on it. Call it before ensure_pnpm.
ensure_node() {
  local major
  major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
  if [ "$major" -lt "$NODE_MAJOR" ]; then
    local prefix="$REPO_ROOT/.tools/node$NODE_MAJOR"
    if [ "$("$prefix/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
      log "installing Node $NODE_VERSION into .tools/node$NODE_MAJOR (this machine has $(node --version 2>/dev/null || echo no Node))"
      npm install --silent --no-audit --no-fund --prefix "$prefix" "node@$NODE_VERSION" >&2 || return 1
      if [ "$("$prefix/node_modules/.bin/node" --version 2>/dev/null)" != "v$NODE_VERSION" ]; then
        echo "node@$NODE_VERSION installed no working binary in $prefix (were its install scripts blocked?)" >&2
        return 1
      fi
    fi
    export PATH="$prefix/node_modules/.bin:$PATH"
    hash -r
  fi
  log "Node $(node --version) ($(command -v node))"
}

# Puts pnpm at the pinned version on PATH, installing it under .tools/ when missing,
# so a machine with only Node and npm works.
ensure_pnpm() {
  if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$PNPM_VERSION" ]; then
    return 0
  fi
  local prefix="$REPO_ROOT/.tools"
  if [ ! -x "$prefix/node_modules/.bin/pnpm" ] || [ "$("$prefix/node_modules/.bin/pnpm" --version)" != "$PNPM_VERSION" ]; then
    log "installing pnpm $PNPM_VERSION into .tools/"
    npm install --silent --no-audit --no-fund --prefix "$prefix" "pnpm@$PNPM_VERSION" >&2
  fi
  export PATH="$prefix/node_modules/.bin:$PATH"
}

# Installs Debian packages (as root, or through sudo), refreshing the index once if needed.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get install -y --no-install-recommends "$@" >&2 ||
    { $sudo apt-get update >&2 && $sudo apt-get install -y --no-install-recommends "$@" >&2; }
}

# The integration tests start real etcd processes: install Debian's etcd-server when missing.
ensure_etcd() {
  if command -v etcd >/dev/null 2>&1; then return 0; fi
  log "installing etcd (Debian etcd-server)"
  apt_install etcd-server etcd-client
}

# Benchmarks compare against h2load (nghttp2-client) and nginx grpc_pass.
ensure_bench_tools() {
  local missing=()
  command -v h2load >/dev/null 2>&1 || missing+=(nghttp2-client)
  command -v nginx >/dev/null 2>&1 || missing+=(nginx)
  [ ${#missing[@]} -eq 0 ] || { log "installing ${missing[*]}"; apt_install "${missing[@]}"; }
}
