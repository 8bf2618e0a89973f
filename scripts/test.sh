#!/usr/bin/env bash
# Builds everything and runs every test: unit tests, the store conformance
# suite on a real redis-server, integration tests against the real service
# binaries, and the Python client test generated from proto/; then a short
# run of every fuzz target (scripts/fuzz.sh: 20 s each, FUZZ_SECONDS).
#   BUILD_DIR (default build)   where to build
#   SANITIZE=1                  build and test with ASan+UBSan
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DSAMENSPEL_SANITIZE="$([ "${SANITIZE:-0}" = 1 ] && echo ON || echo OFF)" >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" --timeout 600
scripts/fuzz.sh
