#!/bin/bash
# A sweep split over N parts run by GNU parallel on this machine, each part in a
# database of its own, then merged (docs/ENGINE.md, "Sweeps on a cluster").
#
# usage: scripts/sweep-parallel.sh --parts N [--jobs J] --db SOURCE --trace NAME --out OUT
#                                  --work DIR [--allocsim PATH] -- SWEEP_OPTIONS
#   --jobs J   parts run at once (default: the machine's cores)
# Example:
#   scripts/sweep-parallel.sh --parts 4 --jobs 2 --db allocsim.db --trace larson --out swept.db \
#     --work sweep-work -- --set cache.capacity=32,64,128 --set buddy.lock=global,per-order
# The table is printed at the end; WORK/report.json has it as JSON, OUT every run.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "sweep-parallel: $*" >&2; exit 2; }
command -v parallel >/dev/null || fail "GNU parallel is missing (scripts/setup.sh installs it)"
JOBS=$(nproc) PARTS="" WORK="" args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --jobs) [ $# -ge 2 ] || fail "--jobs needs a value"; JOBS=$2; shift 2; continue ;;
    --parts) PARTS=${2:-} ;;
    --work) WORK=${2:-} ;;
  esac
  args+=("$1"); shift
done
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || fail "--jobs J: '$JOBS' is not a count"
[[ $PARTS =~ ^[1-9][0-9]*$ ]] || fail "--parts N (1 or more) is required"
[ -n "$WORK" ] || fail "--work DIR is required"
mkdir -p "$WORK"
# --halt now,fail=1: the first part that fails stops the others, and the merge is not run.
parallel --jobs "$JOBS" --halt now,fail=1 --joblog "$WORK/parallel.log" \
  bash "$HERE/sweep-steps.sh" part {} "${args[@]}" "$@" ::: $(seq 0 $((PARTS - 1)))
bash "$HERE/sweep-steps.sh" merge "${args[@]}" "$@"
