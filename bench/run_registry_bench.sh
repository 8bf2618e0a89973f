#!/usr/bin/env bash
# Registry benchmark: a fresh redis-server (AOF everysec) and samenspel-registry
# on loopback, redis-benchmark as the reference, then bench/registry_bench
# (CreateExpert, GetExpert twice: first reads, then the same experts again,
# ListExperts, through gRPC at 32 concurrent calls).
#   BUILD_DIR (default build)  SECONDS_PER_PHASE (default 10)  CONCURRENCY (default 32)
#   PHASES (default registry_bench's)  BENCH_FLAGS (more registry_bench flags)
#   BASELINE_REGISTRY (a second samenspel-registry, run the same way after the first)
#   ROUNDS (default 1): that many rounds, then the median of each row over them; with
#     BASELINE_REGISTRY the two binaries run in alternating order (new, baseline;
#     baseline, new; ...): on a shared machine a fixed order favours one side.
#   FLOOR (default 1; 0 skips it): at the end of each round, the same client against
#     grpc_floor_server, which answers CreateExpert and GetExpert at once (no Redis,
#     no registry work): what gRPC alone costs for these calls here, in the same minutes.
# Growing the registry, with ids the registry makes:
#   PHASES=create,create,create,create,get BENCH_FLAGS=--server_ids bench/run_registry_bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
secs=${SECONDS_PER_PHASE:-10}
conc=${CONCURRENCY:-32}
cmake --build "$build" -j"$(nproc)" --target samenspel-registry registry_bench \
  grpc_floor_server >/dev/null
source bench/registry_setup.sh

echo "== machine: $(nproc) cores, $(uname -r); $(redis-server --version | cut -d' ' -f3)"
echo "== redis-benchmark reference (AOF everysec, 32 clients)"
# -q prints progress with carriage returns: keep the final line of each test.
rb() { redis-benchmark -p "$redis_port" -c "$conc" -q "$@" 2>/dev/null | tr '\r' '\n' | grep -E 'requests per second' ; }
rb -n 200000 -t set,get
echo -n "pipelined 16: "; rb -n 200000 -P 16 -t set
echo -n "Lua HSET+INCR (a write transaction): "
rb -n 100000 eval "redis.call('hset', KEYS[1], 'd', ARGV[1]); return redis.call('incr', 'ctr')" 1 k:__rand_int__ v

# Runs the gRPC phases against registry binary $1 (labelled $2 in the medians)
# on a flushed Redis.
bench_registry() {
  redis-cli -p "$redis_port" flushall >/dev/null
  "$1" --insecure --listen="127.0.0.1:$registry_port" --redis="127.0.0.1:$redis_port" \
    2>"$work/registry.log" &
  registry_pid=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$registry_port") 2>/dev/null; do sleep 0.05; done
  echo "== $1 through gRPC (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  # shellcheck disable=SC2086 # BENCH_FLAGS: words on purpose
  "$build/bench/registry_bench" --registry="127.0.0.1:$registry_port" --concurrency="$conc" \
    --seconds="$secs" --cpu_pids="$registry_pid,$redis_pid" ${PHASES:+--phases="$PHASES"} \
    ${BENCH_FLAGS:-} | tee "$work/bench.txt" || status=1
  { echo "== binary $2"; cat "$work/bench.txt"; } >>"$work/rounds.txt"
  # Issue #2's targets at 32 calls in flight, for this binary's phases.
  awk -v conc="$conc" '
    function verdict(rate, target) { return rate >= target ? "met" : "missed" }
    / calls\/s / {
      name = $1; if ($2 == "again") name = name " again"
      for (i = 1; i <= NF; i++) if ($i == "calls/s") rate = $(i - 1)
      if ($1 == "CreateExpert") target = 15000; else if ($1 == "GetExpert") target = 30000; else next
      printf "   target (issue #2, %d calls in flight): %s >= %d/s: %d/s, %s\n",
        conc, name, target, rate, (conc == 32 ? verdict(rate, target) : "not comparable")
    }' "$work/bench.txt"
  echo "   (CPU per call: pid 1 is samenspel-registry, pid 2 redis-server; load average" \
    "after: $(cut -d' ' -f1-3 /proc/loadavg))"
  kill "$registry_pid"
  wait "$registry_pid" 2>/dev/null || true
}
# The gRPC floor: the same client and calls against a server that answers at
# once. Its CPU per call, client and server together, is what a call costs
# before any Redis or registry work; the targets allow 2 cores / rate in all
# (133 us per create at 15,000/s, 67 us per get at 30,000/s).
bench_floor() {
  "$build/bench/grpc_floor_server" --listen="127.0.0.1:$registry_port" 2>"$work/floor.log" &
  registry_pid=$!
  until (exec 3<>"/dev/tcp/127.0.0.1/$registry_port") 2>/dev/null; do sleep 0.05; done
  echo "== gRPC floor: $build/bench/grpc_floor_server (answers at once; no Redis, no registry work)"
  "$build/bench/registry_bench" --registry="127.0.0.1:$registry_port" --concurrency="$conc" \
    --seconds="$secs" --cpu_pids="$registry_pid" --phases=create,get \
    ${BENCH_FLAGS:-} | tee "$work/floor.txt" || status=1
  { echo "== binary floor"; cat "$work/floor.txt"; } >>"$work/rounds.txt"
  awk '
    / calls\/s / { name = $1; rate = 0; for (i = 1; i <= NF; i++) if ($i == "calls/s") rate = $(i - 1) }
    /CPU per call/ {
      budget = (name == "CreateExpert" ? 133 : 67)
      sub(",", "", $6)
      printf "   %s floor: %.1f us of CPU per call (client %.1f + server %.1f) of the %d us" \
        " the target allows\n", name, $6 + $9, $6, $9, budget
    }' "$work/floor.txt"
  kill "$registry_pid"
  wait "$registry_pid" 2>/dev/null || true
}
# The median of each phase's rows per binary over the rounds.
medians() {
  python3 - "$work/rounds.txt" <<'PY'
import collections, re, statistics, sys
rows = collections.defaultdict(lambda: collections.defaultdict(list))
order, binary, phase = [], None, None
for line in open(sys.argv[1]):
    if line.startswith("== binary "):
        binary = line[len("== binary "):].strip()
        if binary not in order:
            order.append(binary)
        continue
    m = re.match(r"(\S+(?: again)?)\s+\d+ calls\s+\d+ errors\s+(\d+) calls/s", line)
    if m:
        phase = m.group(1)
        rows[binary][phase].append([float(m.group(2))])
        continue
    m = re.search(r"client ([\d.]+), pid 1: ([\d.]+)(?:, pid 2: ([\d.]+))?", line)
    if m and phase:
        rows[binary][phase][-1] += [float(x or 0) for x in m.groups()]
print("%-9s %-16s %9s %8s %9s %7s  (CPU us per call; median of %d rounds)" % (
    "binary", "phase", "calls/s", "client", "registry", "Redis",
    max(len(v) for b in rows.values() for v in b.values())))
for binary in order:
    for phase, runs in rows[binary].items():
        med = [statistics.median(r[i] for r in runs if len(r) > i) for i in range(len(runs[0]))]
        print("%-9s %-16s %9.0f %8.1f %9.1f %7.1f" % (
            binary, phase, *(med + [0.0] * (4 - len(med)))))
PY
}
status=0
rounds=${ROUNDS:-1}
for ((round = 1; round <= rounds; round++)); do
  if ((rounds > 1)); then echo "== round $round of $rounds"; fi
  if ((round % 2 == 1)) || [[ -z "${BASELINE_REGISTRY:-}" ]]; then
    bench_registry "$build/registry-service/samenspel-registry" new
    if [[ -n "${BASELINE_REGISTRY:-}" ]]; then bench_registry "$BASELINE_REGISTRY" baseline; fi
  else
    bench_registry "$BASELINE_REGISTRY" baseline
    bench_registry "$build/registry-service/samenspel-registry" new
  fi
  if [[ "${FLOOR:-1}" != 0 ]]; then bench_floor; fi
done
if ((rounds > 1)); then
  echo "== medians over $rounds rounds (new: $build/registry-service/samenspel-registry${BASELINE_REGISTRY:+, baseline: $BASELINE_REGISTRY}; floor: its registry column is the floor server's CPU)"
  medians
fi
echo "== redis INFO after the run"
redis-cli -p "$redis_port" info persistence | grep -E "aof_enabled|aof_last_write_status"
exit "$status"
