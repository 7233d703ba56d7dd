#!/usr/bin/env bash
# The quick start and the main job: set up a fresh Debian 12 machine, build
# (release), generate the built-in default trace (4 CPUs, 20000 events), replay it on
# 4 modeled CPUs through the three-level core and through the seed's linked-list
# baseline, and print both summaries and the modeled speedup.
#   scripts/demo.sh           the two summaries and the speedup, as text
#   scripts/demo.sh --json    one JSON object: {"hybrid":{...},"linked_list":{...},"speedup":X}
#   scripts/demo.sh --help
# The seed's benchmarks (measured, not modeled) are build/bin/allocsim-bench.
set -euo pipefail
json=0
case "${1:-}" in
  --json) json=1 ;;
  --help|-h) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") ;;
  *) echo "demo.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
esac
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
allocsim_install_packages >&2
allocsim_configure >&2
allocsim_build --target allocsim >&2
allocsim="$ALLOCSIM_ROOT/build/bin/allocsim"
db="$ALLOCSIM_ROOT/build/demo.db"

"$allocsim" gen default --db "$db" --replace >&2
hybrid=$("$allocsim" replay --trace default --db "$db" --cpus 4 --json)
list=$("$allocsim" replay --trace default --db "$db" --cpus 4 --allocator linked-list --json)
cycles() { grep -o '"modeled_cycles_total":[0-9]*' <<<"$1" | cut -d: -f2; }
speedup=$(awk -v h="$(cycles "$hybrid")" -v l="$(cycles "$list")" 'BEGIN { printf "%.2f", l / h }')

if [ "$json" = 1 ]; then
  echo "{\"hybrid\":$hybrid,\"linked_list\":$list,\"speedup\":$speedup}"
  exit 0
fi
echo
echo "== the three-level core (ThreadCache -> CpuSlab -> buddy), 4 modeled CPUs =="
"$allocsim" replay --trace default --db "$db" --cpus 4
echo
echo "== the seed's linked-list allocator, same trace =="
"$allocsim" replay --trace default --db "$db" --cpus 4 --allocator linked-list
echo
echo "modeled speedup (linked-list cycles / hybrid cycles, work and waiting): ${speedup}x"
echo "(the seed report expected 5-15x; these are modeled cycles: docs/ENGINE.md says how they are priced)"
