#!/usr/bin/env bash
# Set up (as scripts/demo.sh does), build everything, and run every test through
# ctest: the core's suites plain, under ASan+UBSan and under TSan, the freestanding
# build, the pinned hit path and the benchmark smoke run.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
allocsim_install_packages
allocsim_configure
allocsim_build
cd "$ALLOCSIM_ROOT"
ctest --test-dir build --output-on-failure -j "$(nproc)" --timeout 600
