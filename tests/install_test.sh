#!/usr/bin/env bash
# `cmake --install` lays out a tree that runs on its own (what the image of
# deploy/docker/Dockerfile holds): the three binaries in bin/, and the
# matching service's data in share/samenspel/matching, which an installed
# samenspel-matching reads by default instead of the source tree's.
# Usage: install_test.sh BUILD_DIR
set -euo pipefail
build=$1
prefix=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$prefix"' EXIT
fail() {
  echo "install_test: $*" >&2
  [ -f "$prefix/matching.log" ] && cat "$prefix/matching.log" >&2
  exit 1
}

cmake --install "$build" --prefix "$prefix" >/dev/null
for binary in samenspel-registry samenspel-matching samenspel; do
  [ -x "$prefix/bin/$binary" ] || fail "no bin/$binary"
  help=$("$prefix/bin/$binary" --help 2>&1) || fail "bin/$binary --help exits $?"
  grep -q -- "--listen\|--registry" <<<"$help" || fail "bin/$binary --help lists no flags"
done
data=$prefix/share/samenspel/matching
for file in synonyms.txt lexicon.txt regions.tsv; do
  [ -s "$data/$file" ] || fail "no share/samenspel/matching/$file"
done

# Started without --data_dir (no registry there: it keeps trying, and says
# where its data came from first).
"$prefix/bin/samenspel-matching" --insecure --listen=127.0.0.1:0 \
  --registry=127.0.0.1:1 2>"$prefix/matching.log" &
pid=$!
for _ in $(seq 100); do
  grep -q "analysis data from" "$prefix/matching.log" && break
  kill -0 "$pid" 2>/dev/null || fail "samenspel-matching exited"
  sleep 0.1
done
grep -qF "analysis data from $data, regions from $data/regions.tsv" "$prefix/matching.log" ||
  fail "the installed samenspel-matching does not read the installed data"
echo "install_test: ok"
