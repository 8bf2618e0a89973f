#!/usr/bin/env bash
# Installs the Debian 12 packages Samenspel builds, tests and runs with.
# Does nothing when they are all present; otherwise needs root (apt-get).
set -euo pipefail
packages=(
  build-essential cmake pkg-config ccache git
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler libabsl-dev
  libhiredis-dev redis-server redis-tools libssl-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libstemmer-dev nlohmann-json3-dev libcli11-dev libjemalloc-dev
  python3 python3-grpcio python3-protobuf
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root, or: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
