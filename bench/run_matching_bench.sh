#!/usr/bin/env bash
# Matching benchmark, all on this machine in one run:
#   1. a synthetic corpus of N experts and 200 queries (bench/matching_corpus.py),
#      kept in CORPUS_DIR and reused by later runs;
#   2. a fresh redis-server (AOF everysec) and samenspel-registry on loopback,
#      loaded with bench/matching_load (BatchCreateExperts, 1000 per call);
#   3. samenspel-matching: cold start (start -> health SERVING, which includes
#      its snapshot of the registry), RSS, then bench/matching_bench:
#      MatchExperts latency (server-side trailer and client-side), calls/s
#      with CONCURRENCY callers, and freshness (write-ack -> visible);
#   4. the peers on the same corpus and queries, in process, with the services
#      stopped: Xapian (BM25) and SQLite FTS5 (bm25()), top 10 of an OR query;
#   5. one summary table, the Xapian/Samenspel p99 ratio and the DESIGN.md
#      targets.
# Usage: bench/run_matching_bench.sh [N]     (N experts, default 100000)
#   BUILD_DIR (build)  CORPUS_DIR (/tmp/samenspel-matching-corpus-N)
#   ROUNDS (5)  WARMUP (-1: the whole query set once before the rounds; else
#   that many queries)  CONCURRENCY (4)  SECONDS_PER_PHASE (10)  FRESHNESS_WRITES (200)
#   LOAD_CONCURRENCY (4)  LOAD_BATCH (1000: experts per BatchCreateExperts; smaller
#   when a busy machine makes one batch's Redis script exceed Redis's 5 s busy
#   threshold, which fails the load with BUSY)  PEERS (1)  FULL_CHALLENGES (1: one more serial pass
#   with whole challenges)  DELTA (10000: freshness again after that many more
#   experts, which the index keeps in its delta; 0: not)
#   PERF (0; 1: a perf profile of samenspel-matching over PROFILE_QUERIES (50)
#   more queries, and bench/matching_profile, in process, with the services
#   stopped, over as many queries)  MATCHING_FLAGS (more flags for the measured
#   samenspel-matching, e.g. --regions=FILE)  MATCHING_BIN (the measured
#   samenspel-matching binary; default the one in BUILD_DIR: to compare builds)
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
build=${BUILD_DIR:-build}
corpus=${CORPUS_DIR:-/tmp/samenspel-matching-corpus-$n}
rounds=${ROUNDS:-5}
conc=${CONCURRENCY:-4}
secs=${SECONDS_PER_PHASE:-10}
writes=${FRESHNESS_WRITES:-200}
peers=${PEERS:-1}
full=${FULL_CHALLENGES:-1}
delta=${DELTA:-10000}
profile_queries=${PROFILE_QUERIES:-50}
targets=(samenspel-registry samenspel-matching matching_load matching_bench)
[[ $peers == 1 ]] && targets+=(peer_bench)
[[ ${PERF:-0} == 1 ]] && targets+=(matching_profile)
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" >/dev/null

work=$(mktemp -d)
summary=$work/summary.tsv
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { until (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; do sleep 0.05; done; }
now_ns() { date +%s%N; }
kib() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }
row() { printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$summary"; }
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

echo "== $(date -u +%FT%TZ); $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p')), kernel $(uname -r)"
echo "== load average before the run: $(cut -d' ' -f1-3 /proc/loadavg); $(redis-server --version | cut -d' ' -f3)"
if [[ $(wc -l <"$corpus/experts.jsonl" 2>/dev/null || echo 0) -ne $n || ! -s $corpus/queries.jsonl ]]; then
  echo "== generating the corpus in $corpus"
  python3 bench/matching_corpus.py --experts "$n" --out "$corpus"
fi
echo "== corpus: $corpus ($(du -sh "$corpus" | cut -f1))"

redis_port=$(free_port)
registry_port=$(free_port)
redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$work" --save '' \
  --appendonly yes --appendfsync everysec --logfile "$work/redis.log" &
redis_pid=$!
pids+=("$redis_pid")
until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.05; done
"$build/registry-service/samenspel-registry" --insecure --listen="127.0.0.1:$registry_port" \
  --redis="127.0.0.1:$redis_port" 2>"$work/registry.log" &
registry_pid=$!
pids+=("$registry_pid")
wait_port "$registry_port"

echo "== loading $n experts into the registry"
"$build/bench/matching_load" --registry="127.0.0.1:$registry_port" --corpus="$corpus" \
  --concurrency="${LOAD_CONCURRENCY:-4}" --batch="${LOAD_BATCH:-1000}" --summary="$summary"
echo "redis: $(redis-cli -p "$redis_port" info memory | sed -n 's/^used_memory_human://p' | tr -d '\r') used, AOF $(du -sh "$work"/appendonlydir 2>/dev/null | cut -f1)"
"$build/bench/matching_bench" --list_all --registry="127.0.0.1:$registry_port" --summary="$summary"

echo "== samenspel-matching over an empty registry (baseline RSS)"
empty_port=$(free_port)
baseline_port=$(free_port)
"$build/registry-service/samenspel-registry" --insecure --listen="127.0.0.1:$empty_port" \
  --redis="127.0.0.1:$redis_port" --redis_key_prefix=empty: 2>"$work/empty-registry.log" &
empty_pid=$!
pids+=("$empty_pid")
wait_port "$empty_port"
"$build/matching-service/samenspel-matching" --insecure --listen="127.0.0.1:$baseline_port" \
  --registry="127.0.0.1:$empty_port" 2>"$work/baseline.log" &
baseline_pid=$!
pids+=("$baseline_pid")
"$build/bench/matching_bench" --wait_serving --matching="127.0.0.1:$baseline_port" >/dev/null
baseline_kib=$(kib "$baseline_pid" VmRSS)
echo "baseline VmRSS $((baseline_kib / 1024)) MiB"
stop "$baseline_pid"
stop "$empty_pid"

echo "== samenspel-matching cold start over $n experts"
matching_port=$(free_port)
t0=$(now_ns)
# shellcheck disable=SC2086  # MATCHING_FLAGS: several flags, split on spaces
"${MATCHING_BIN:-$build/matching-service/samenspel-matching}" --insecure --listen="127.0.0.1:$matching_port" \
  --registry="127.0.0.1:$registry_port" ${MATCHING_FLAGS:-} 2>"$work/matching.log" &
matching_pid=$!
pids+=("$matching_pid")
"$build/bench/matching_bench" --wait_serving --matching="127.0.0.1:$matching_port" >/dev/null
cold_ms=$((($(now_ns) - t0) / 1000000))
rss_kib=$(kib "$matching_pid" VmRSS)
hwm_kib=$(kib "$matching_pid" VmHWM)
grep snapshot "$work/matching.log" || true
per_expert=$(((rss_kib - baseline_kib) * 1024 / n))
echo "cold start $cold_ms ms; VmRSS $((rss_kib / 1024)) MiB (peak VmHWM $((hwm_kib / 1024)) MiB);" \
  "$per_expert bytes per expert above the empty service"
row samenspel "cold start: process start -> SERVING" - - "$(awk -v m="$cold_ms" 'BEGIN{printf "%.2f s", m/1000}')"
row samenspel "RSS after load (VmRSS; peak VmHWM)" - - "$((rss_kib / 1024)) MiB; peak $((hwm_kib / 1024)) MiB"
row samenspel "memory per expert (RSS - empty service)/N" - - "$per_expert bytes ($((baseline_kib / 1024)) MiB empty)"

echo "== MatchExperts through gRPC"
bench_flags=(--matching="127.0.0.1:$matching_port" --registry="127.0.0.1:$registry_port"
  --queries="$corpus/queries.jsonl" --summary="$summary")
"$build/bench/matching_bench" "${bench_flags[@]}" --rounds="$rounds" --concurrency="$conc" \
  --seconds="$secs" --freshness_writes="$writes" --warmup="${WARMUP:--1}" ||
  row samenspel "WARNING: failed MatchExperts calls (see the log)" - - "the numbers above exclude them"
if [[ $full == 1 ]]; then
  echo "== MatchExperts with full challenges (themes, regions, owner, desired layers)"
  "$build/bench/matching_bench" "${bench_flags[@]}" --rounds="$rounds" --concurrency=0 \
    --freshness_writes=0 --empty_calls=0 --warmup=20 --full_challenges \
    --label="full challenges: "
fi
rss_after_kib=$(kib "$matching_pid" VmRSS)
echo "VmRSS after the queries $((rss_after_kib / 1024)) MiB"
row samenspel "RSS after the queries" - - "$((rss_after_kib / 1024)) MiB"
if ((delta > 0)); then
  echo "== freshness again after $delta more experts (they stay in the index's delta)"
  [[ -s $corpus/delta-$delta/experts.jsonl ]] ||
    python3 bench/matching_corpus.py --experts "$delta" --first_id "$n" --seed 7 --queries 0 \
      --out "$corpus/delta-$delta" >/dev/null
  "$build/bench/matching_load" --registry="127.0.0.1:$registry_port" \
    --corpus="$corpus/delta-$delta" --concurrency="${LOAD_CONCURRENCY:-4}" \
    --batch="${LOAD_BATCH:-1000}" | grep experts
  "$build/bench/matching_bench" "${bench_flags[@]}" --rounds=0 --concurrency=0 \
    --empty_calls=0 --freshness_writes="$writes" --label="after $delta more experts: "
fi
if [[ ${PERF:-0} == 1 ]]; then
  echo "== perf profile of samenspel-matching over $profile_queries queries (self time)"
  perf record -F 999 -g -p "$matching_pid" -o "$work/perf.data" 2>/dev/null &
  perf_pid=$!
  sleep 1
  "$build/bench/matching_bench" "${bench_flags[@]}" --summary= --rounds=1 --warmup=0 \
    --max_queries="$profile_queries" --concurrency=0 --freshness_writes=0 >/dev/null
  kill -INT "$perf_pid"
  wait "$perf_pid" || true
  perf report -i "$work/perf.data" --no-children -g none --percent-limit 1 --stdio \
    2>/dev/null | grep -E '^ +[0-9.]+%' | head -25
fi
stop "$matching_pid"
stop "$registry_pid"
stop "$redis_pid"

if [[ ${PERF:-0} == 1 ]]; then
  echo "== in process: bench/matching_profile"
  "$build/bench/matching_profile" --corpus="$corpus" --rounds=1 \
    --max_queries="$profile_queries"
fi
if [[ $peers == 1 ]]; then
  echo "== peers, in process, services stopped"
  for engine in xapian sqlite-fts5; do
    "$build/bench/peer_bench" --engine="$engine" --corpus="$corpus" --index_dir="$work/$engine" \
      --rounds="$rounds" --summary="$summary"
    rm -rf "${work:?}/$engine"
  done
fi

echo
echo "== summary: N=$n, $(nproc) cores, load average now $(cut -d' ' -f1-3 /proc/loadavg)"
{
  printf 'component\tmeasurement\tp50 ms\tp99 ms\tnote\n'
  cat "$summary"
} | column -t -s $'\t'
echo
awk -F'\t' -v n="$n" -v cold_ms="$cold_ms" -v rss_kib="$rss_kib" '
  $1 == "samenspel" && $2 == "MatchExperts 1 caller, server-side" { p50 = $3; p99 = $4 }
  $1 == "samenspel" && $2 ~ /^freshness, min_revision/ { fresh = $4 }
  $1 == "samenspel" && $2 ~ /more experts: freshness, min_revision/ { fresh_delta = $4 }
  $1 == "xapian" && $2 ~ /^query/ { xapian = $4 }
  function check(what, ok) { printf "  %-58s %s\n", what, ok ? "met" : "MISSED" }
  END {
    if (xapian != "" && p99 > 0) printf "Xapian p99 / Samenspel server-side p99 = %.2f\n", xapian / p99
    if (n < 500000) {
      print "DESIGN.md targets for 100k experts:"
      check(sprintf("server-side p50 %.3f ms <= 1 ms", p50), p50 <= 1)
      check(sprintf("server-side p99 %.3f ms <= 5 ms", p99), p99 <= 5)
      if (xapian != "") check(sprintf("p99 >= 3x lower than Xapian (%.2fx)", xapian / p99), xapian / p99 >= 3)
    } else {
      print "DESIGN.md targets for 1M experts:"
      check(sprintf("server-side p99 %.3f ms <= 25 ms", p99), p99 <= 25)
      check(sprintf("RSS %d MiB <= 1024 MiB", rss_kib / 1024), rss_kib <= 1048576)
      check(sprintf("cold start %.2f s <= 30 s", cold_ms / 1000), cold_ms <= 30000)
    }
    check(sprintf("freshness p99 %.3f ms <= 50 ms", fresh), fresh <= 50)
    if (fresh_delta != "") check(sprintf("freshness p99 %.3f ms <= 50 ms with the delta", fresh_delta), fresh_delta <= 50)
  }' "$summary"
