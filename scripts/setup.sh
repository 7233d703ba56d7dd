#!/usr/bin/env bash
# Shared set-up for scripts/demo.sh and scripts/test.sh: installs the Debian
# packages the build needs (only those missing, without prompts), then configures
# the release build in build/. Sourced, not run.
set -euo pipefail

ALLOCSIM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export ALLOCSIM_ROOT

# Build tools, the libraries found with find_package, clang-14 for the libFuzzer
# targets, the programs the recorder's tests and the real-program corpus record
# (python3, perl, sqlite3, xz-utils, git, g++; sort is coreutils, always there), CPython's
# own regression tests (run under liballocsim-malloc.so), QEMU
# for the kernel's tests, Qt 6 for the GUI (with Xvfb, xdotool and xwd for the test
# that drives its real window), and the peers the benchmarks compare against (Debian
# 12 package names).
ALLOCSIM_PACKAGES=(
  g++ cmake ninja-build ccache pkg-config binutils
  doctest-dev libfmt-dev libsqlite3-dev sqlite3
  clang-14 libclang-rt-14-dev
  python3 perl xz-utils git libpython3.11-testsuite
  qemu-system-x86
  slurm-wlm munge parallel
  qt6-base-dev xvfb xdotool x11-apps
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev
)

allocsim_install_packages() {
  local missing=()
  for p in "${ALLOCSIM_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$p")
    fi
  done
  if [ ${#missing[@]} -eq 0 ]; then
    echo "setup: all ${#ALLOCSIM_PACKAGES[@]} packages present"
    return 0
  fi
  echo "setup: installing ${missing[*]}"
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo=(sudo -n); else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
      return 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

allocsim_configure() {
  cd "$ALLOCSIM_ROOT"
  cmake --preset release >/dev/null
}

allocsim_build() {
  cd "$ALLOCSIM_ROOT"
  cmake --build build "$@"
}
