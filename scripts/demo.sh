#!/usr/bin/env bash
# The quick start: set up a fresh Debian 12 machine, build (release), and run the
# main job. Until the replay engine exists, the main job is the seed benchmark
# suite: the design report's six benchmarks and the peer comparison, measured.
# Arguments go to the benchmark (try --help, --quick or --json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
allocsim_install_packages
allocsim_configure
allocsim_build --target allocsim-bench
exec "$ALLOCSIM_ROOT/build/bin/allocsim-bench" "$@"
