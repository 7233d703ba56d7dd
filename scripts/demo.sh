#!/usr/bin/env bash
# The quick start: set up a fresh Debian 12 machine, build (release), and run the
# main job. Until the replay engine exists, the main job is the seed benchmark
# suite: the design report's six benchmarks and the peer comparison, measured.
# Before it, the built-in default trace is generated into build/demo.db, so the
# trace tools have something to show (its summary goes to stderr, keeping stdout
# for the benchmark's output). Arguments go to the benchmark (try --help, --quick
# or --json).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
allocsim_install_packages
allocsim_configure
allocsim_build --target allocsim-bench allocsim
bin="$ALLOCSIM_ROOT/build/bin"
"$bin/allocsim" gen default --db "$ALLOCSIM_ROOT/build/demo.db" --replace >&2
echo "demo: try  $bin/allocsim traces --db build/demo.db  and  sqlite3 build/demo.db 'SELECT * FROM events LIMIT 5'" >&2
exec "$bin/allocsim-bench" "$@"
