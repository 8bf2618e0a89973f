#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) and
# runs each one: first over its seed corpus (tests/fuzz/corpus/<target>), then
# mutating for a bounded time. Fails on any crash, sanitizer report, failed
# invariant, leak, timeout or out-of-memory. New inputs go to a temporary
# folder, never into the repository; see tests/fuzz/README.md.
#   scripts/fuzz.sh [TARGET...]   default: every target
#   FUZZ_SECONDS (default 20)     mutation time per target
#   FUZZ_BUILD_DIR (build-fuzz)   the clang build tree
#   FUZZ_SEED (default 1)         libFuzzer's seed; 0 draws a new one per run.
#                                 A fixed seed makes a run repeatable: the same
#                                 inputs in the same order, so a shorter run (CI)
#                                 only tries a prefix of what a longer one did.
#   FUZZ_KEEP=1                   keep the temporary corpus and logs
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SECONDS:-20}
build_dir=${FUZZ_BUILD_DIR:-build-fuzz}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(registry_request page_token stored_record analyzer synonyms)

# Debian's clang 14 and its libFuzzer runtime (not in scripts/install-deps.sh:
# only this script needs them).
clang_packages=(clang-14 libclang-rt-14-dev)
missing=()
for p in "${clang_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "fuzz: missing packages: ${missing[*]} (sudo apt-get install -y ${missing[*]})" >&2
    exit 1
  fi
  echo "fuzz: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER=clang++-14 -DSAMENSPEL_FUZZ=ON >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]/%/_fuzzer}"

work=$(mktemp -d "${TMPDIR:-/tmp}/samenspel-fuzz.XXXXXX")
if [ "${FUZZ_KEEP:-0}" = 1 ]; then
  echo "fuzz: inputs and logs in $work"
else
  trap 'rm -rf "$work"' EXIT
fi
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}

failed=()
for target in "${targets[@]}"; do
  fuzzer="$build_dir/tests/fuzz/${target}_fuzzer"
  seeds=tests/fuzz/corpus/$target
  args=(-max_total_time="$seconds" -seed="${FUZZ_SEED:-1}" -rss_limit_mb=2048 -timeout=60 -print_final_stats=1
    -artifact_prefix="$work/$target-")
  case $target in
    registry_request) args+=(-dict=tests/fuzz/dict/registry_request.dict) ;;
    analyzer | synonyms) args+=(-dict=tests/fuzz/dict/text.dict) ;;
  esac
  mkdir -p "$work/$target"
  log="$work/$target.log"
  status=0
  # The shipped data files, once each: they must parse and keep every
  # synonym group symmetric.
  if [ "$target" = synonyms ]; then
    "$fuzzer" matching-service/data/synonyms.txt matching-service/data/lexicon.txt \
      >"$log" 2>&1 || status=$?
  fi
  # New inputs go to the first folder ($work), seeds are only read.
  [ $status -ne 0 ] || "$fuzzer" "${args[@]}" "$work/$target" "$seeds" >>"$log" 2>&1 || status=$?
  if [ $status -ne 0 ]; then
    failed+=("$target")
    echo "fuzz: $target FAILED (exit $status); log tail:" >&2
    tail -n 60 "$log" >&2
    for crash in "$work/$target"-*; do
      [ -e "$crash" ] || continue
      echo "fuzz: input $crash (base64; run $fuzzer FILE to reproduce):" >&2
      base64 -w 0 "$crash" | head -c 4000 >&2
      echo >&2
    done
    continue
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  echo "fuzz: $target ok: $runs runs in ${seconds}s ($rate/s), $(find "$work/$target" -type f | wc -l) new inputs"
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
