#!/usr/bin/env bash
# Runs one fuzz target for a short time, starting from the committed seed corpus.
# New inputs go to a temporary folder, so the source tree is never written; a
# crashing input is kept in ARTIFACTS and its path printed.
# Usage: run_fuzzer.sh FUZZER SEED_CORPUS DICT SECONDS ARTIFACTS [MAX_LEN]
# DICT '-' runs without a dictionary; MAX_LEN (default 65536) bounds an input.
set -euo pipefail
fuzzer=$1 seeds=$2 dict=$3 seconds=$4 artifacts=$5 max_len=${6:-65536}
dict_option=()
[ "$dict" = - ] || dict_option=(-dict="$dict")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts"
# -rss_limit_mb / -malloc_limit_mb turn a huge allocation into a finding.
set +e
"$fuzzer" "$work" "$seeds" "${dict_option[@]}" -max_total_time="$seconds" -timeout=10 \
  -rss_limit_mb=1024 -malloc_limit_mb=256 -max_len="$max_len" -print_final_stats=1 \
  -artifact_prefix="$artifacts/" 2>&1 | tail -25
status=${PIPESTATUS[0]}
[ "$status" -eq 0 ] || echo "FAIL: $fuzzer found a crash; the input is in $artifacts/" >&2
exit "$status"
