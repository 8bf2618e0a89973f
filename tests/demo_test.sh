#!/usr/bin/env bash
# The README's first command, as a test: scripts/demo.sh starts Redis and both
# services with the demo data and prints a suggested team; a second run
# re-imports without creating anything; `stop` ends every process.
# Usage: demo_test.sh BUILD_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
state=$(mktemp -d)
trap 'DEMO_STATE=$state "$root/scripts/demo.sh" stop >/dev/null 2>&1 || true; rm -rf "$state"' EXIT
export DEMO_STATE=$state BUILD_DIR=$1 DEMO_SKIP_BUILD=1
# Ports below the kernel's ephemeral range (32768-60999): the demo's defaults
# 50051 and 50052 lie inside it, where another test's outgoing connection can
# hold one between the check that it is free and the service's bind.
base=$((20000 + RANDOM % 12000))
export DEMO_REDIS_PORT=$base DEMO_REGISTRY_PORT=$((base + 1)) DEMO_MATCHING_PORT=$((base + 2))
fail() {
  echo "demo_test: $*" >&2
  for log in "$state"/*.log; do  # the services' logs, before the trap removes them
    [ -f "$log" ] && { echo "--- $log (end)" >&2; tail -20 "$log" >&2; }
  done
  exit 1
}

out=$("$root/scripts/demo.sh" 2>&1) || { echo "$out"; fail "first run failed"; }
grep -q "=== Suggested team for challenges/woningbouw-regio-utrecht ===" <<<"$out" || fail "no team"
grep -q "layers        covered: .*MUNICIPAL" <<<"$out" || { echo "$out"; fail "no coverage report"; }
grep -q "lessons learned:" <<<"$out" || fail "no similar teams"
grep -q "experts: 384 read, 384 created" <<<"$out" || { echo "$out"; fail "first import"; }

out=$("$root/scripts/demo.sh" 2>&1) || { echo "$out"; fail "second run failed"; }
grep -q "experts: 384 read, 0 created, 384 skipped" <<<"$out" || { echo "$out"; fail "re-import created records"; }

pids=$(cat "$state"/*.pid)
"$root/scripts/demo.sh" stop >/dev/null
for pid in $pids; do
  ! kill -0 "$pid" 2>/dev/null || fail "process $pid still runs after stop"
done
echo "demo_test: ok"
