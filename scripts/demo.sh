#!/usr/bin/env bash
# Starts the whole Samenspel system on loopback with the demo data and shows a
# suggested team: Redis, samenspel-registry, samenspel-matching, an import of
# deploy/demo/ through the samenspel CLI, then suggest-team for the demo
# challenge. Running it again restarts the services and re-imports (nothing is
# created twice).
#   scripts/demo.sh         start (installs packages and builds first)
#   scripts/demo.sh stop    stop everything the demo started
# State (logs, Redis data, pids) lives in .demo/ in the repository (DEMO_STATE
# overrides); BUILD_DIR (default build) is where it builds. Ports: 6390, 50051
# and 50052 when free (DEMO_REDIS_PORT, DEMO_REGISTRY_PORT, DEMO_MATCHING_PORT
# override), else ones the kernel picks.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
state=${DEMO_STATE:-$root/.demo}
build=${BUILD_DIR:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
mkdir -p "$state/redis"

stop_all() {
  for name in matching registry redis; do
    pidfile="$state/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$pidfile"
  done
}

if [ "${1:-}" = stop ]; then
  stop_all
  echo "demo: stopped (data kept in $state/redis; remove $state to start afresh)"
  exit 0
fi

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {  # the preferred port when free, else one the kernel picks
  if port_free "$1"; then echo "$1"; else
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
  fi
}
wait_for() {  # wait_for DESCRIPTION COMMAND...: poll up to 60 s
  local what=$1; shift
  for _ in $(seq 600); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "demo: $what did not come up; see the logs in $state" >&2
  exit 1
}

if [ -z "${DEMO_SKIP_BUILD:-}" ]; then  # the test of this script has built already
  scripts/install-deps.sh
  echo "demo: building (first time: several minutes on 2 cores)..." >&2
  cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
  cmake --build "$build" -j"$(nproc)" --target samenspel-registry samenspel-matching samenspel \
    >"$state/build.log" 2>&1 || { tail -30 "$state/build.log"; exit 1; }
fi

stop_all  # leftovers of an earlier run
redis_port=$(pick_port "${DEMO_REDIS_PORT:-6390}")
registry_port=$(pick_port "${DEMO_REGISTRY_PORT:-50051}")
matching_port=$(pick_port "${DEMO_MATCHING_PORT:-50052}")
export SAMENSPEL_REGISTRY="127.0.0.1:$registry_port"
export SAMENSPEL_MATCHING="127.0.0.1:$matching_port"
cli="$build/cli/samenspel"

setsid redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$state/redis" --save '' \
  --appendonly yes --appendfsync everysec --maxmemory-policy noeviction \
  --logfile "$state/redis.log" --daemonize no </dev/null >/dev/null 2>&1 &
echo $! >"$state/redis.pid"
wait_for "Redis" redis-cli -p "$redis_port" ping

setsid "$build/registry-service/samenspel-registry" --insecure --listen="$SAMENSPEL_REGISTRY" \
  --redis="127.0.0.1:$redis_port" </dev/null >"$state/registry.log" 2>&1 &
echo $! >"$state/registry.pid"
setsid "$build/matching-service/samenspel-matching" --insecure --listen="$SAMENSPEL_MATCHING" \
  --registry="$SAMENSPEL_REGISTRY" </dev/null >"$state/matching.log" 2>&1 &
echo $! >"$state/matching.pid"
wait_for "the registry and the matching service" "$cli" health

echo "demo: importing deploy/demo/ ..." >&2
for kind in organisations experts teams challenges; do
  "$cli" import "$kind" "deploy/demo/$kind.jsonl" --no-progress
done

challenge=challenges/woningbouw-regio-utrecht
revision=$("$cli" -o json challenges get "$challenge" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["revision"])')
echo
echo "=== Suggested team for $challenge ==="
"$cli" suggest-team --challenge "$challenge" --min-revision "$revision"
echo
echo "=== Teams that worked on something similar ==="
"$cli" similar-teams --challenge "$challenge" --min-revision "$revision"
cat <<MSG

Samenspel runs: registry $SAMENSPEL_REGISTRY, matching $SAMENSPEL_MATCHING, Redis 127.0.0.1:$redis_port.
Try the CLI:
  export SAMENSPEL_REGISTRY=$SAMENSPEL_REGISTRY SAMENSPEL_MATCHING=$SAMENSPEL_MATCHING
  alias samenspel=$cli
  samenspel challenges list
  samenspel match --challenge $challenge
  samenspel match --title "Hittestress in de stad" --skill klimaatadaptatie:3 --region GM0363
  samenspel experts list --theme wonen
  samenspel watch
Logs: $state/*.log.  Stop everything: scripts/demo.sh stop
MSG
