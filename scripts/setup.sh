#!/usr/bin/env bash
# richscale set-up on Debian/Ubuntu: installs what is missing (system packages, then `npm ci`, which builds the
# native addon), then runs the default preset and prints where the results went.
# Usage: ./scripts/setup.sh [extra flags for `richscale simulate`]
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v cmake >/dev/null 2>&1 || need+=(cmake)
command -v g++ >/dev/null 2>&1 || need+=(g++)
command -v make >/dev/null 2>&1 || need+=(make)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
[ -e /usr/include/x86_64-linux-gnu/cblas.h ] || [ -e /usr/include/cblas.h ] || [ -e /usr/include/openblas/cblas.h ] \
  || dpkg -s libopenblas-dev >/dev/null 2>&1 || need+=(libopenblas-dev)
# The PNG renderer needs a sans-serif font; DejaVu is Debian's default.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || need+=(fonts-dejavu-core)

if [ ${#need[@]} -gt 0 ]; then
  echo "setup: installing system packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { echo "setup: need root (or sudo) to install: ${need[*]}" >&2; exit 1; }
    SUDO=sudo
  fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

command -v node >/dev/null 2>&1 || { echo "setup: Node.js >= 20.19 is required (apt-get install nodejs npm, or nodejs.org)" >&2; exit 1; }
echo "setup: npm ci (builds the native addon with cmake-js against OpenBLAS)"
npm ci --no-audit --no-fund

echo "setup: running the default preset"
node dist/bin/richscale.js simulate "$@"
