#!/usr/bin/env bash
# Where the registry's and Redis' time goes, for one run of bench/registry_bench:
# a fresh redis-server (AOF everysec, as run_registry_bench.sh) and a registry
# binary on loopback, the load generator's phases, then Redis' own per-command
# times (INFO commandstats: calls and microseconds per command, also those a
# Lua script calls). Optionally perf (DWARF call graphs, 3 s) on one process.
#   profile_registry.sh REGISTRY_BINARY PHASES [registry|redis|none] [PERF_DELAY_S] [SECONDS]
# e.g. bench/profile_registry.sh build/registry-service/samenspel-registry create redis 1.5 5
#   BUILD_DIR (default build): where bench/registry_bench is;
#   PERF_OUT (default perf.<target>.data): the perf data file.
# Used for bench/RESULTS.md, session 22.
set -euo pipefail
binary=$1
phases=$2
target=${3:-none}
delay=${4:-1}
secs=${5:-5}
build=${BUILD_DIR:-build}
source "$(cd "$(dirname "$0")" && pwd)/registry_setup.sh"
"$binary" --insecure --listen="127.0.0.1:$registry_port" --redis="127.0.0.1:$redis_port" \
  2>"$work/registry.log" &
registry_pid=$!
until (exec 3<>"/dev/tcp/127.0.0.1/$registry_port") 2>/dev/null; do sleep 0.05; done
"$build/bench/registry_bench" --registry="127.0.0.1:$registry_port" --seconds="$secs" \
  --cpu_pids="$registry_pid,$redis_pid" --phases="$phases" >"$work/bench.txt" &
bench_pid=$!
if [ "$target" != none ]; then
  sleep "$delay"
  pid=$registry_pid
  [ "$target" = redis ] && pid=$redis_pid
  perf record -F 1000 --call-graph dwarf,16384 -p "$pid" -o "${PERF_OUT:-perf.$target.data}" \
    -- sleep 3 >/dev/null 2>&1
fi
wait "$bench_pid"
cat "$work/bench.txt"
echo "== Redis INFO commandstats (by total time)"
redis-cli -p "$redis_port" info commandstats | grep -v "^#" | tr -d '\r' | sort -t= -k3 -n -r | head -20
