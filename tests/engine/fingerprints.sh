#!/bin/bash
# The pinned trajectory fingerprints (tests/engine/fingerprints.txt; what a fingerprint
# is: engine/replay/trajectory_fingerprint.h). One per generator x allocator x loop mode
# x modeled CPUs (1, 2, 4, 8) x order (trace, time), each generator's trace made with 8
# CPUs, 4000 operations and seed 1; and one per recorded real program x order, on the
# hybrid core with the recording's CPUs (tests/engine/data/recorded/*.csv.xz: the
# corpus of tests/corpus/corpus.sh as recorded on 2026-12-06 and exported with
# allocsim export, committed so that every machine replays the same events; a
# recording made at test time differs with each machine's programs and libraries).
# A change that moves any operation of any of these
# replays (its CPU, start, end, waits, or what the core did) fails this test, which
# prints what moved and the command that pins the new fingerprints, to be run only
# when the change is meant:
#   bash tests/engine/fingerprints.sh build/bin/allocsim --update
# usage: fingerprints.sh ALLOCSIM [--update]
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../cli/helpers.sh"
ALLOCSIM=$(realpath "$1")
UPDATE=${2:-}
PINNED=$HERE/fingerprints.txt
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

expect_code 0 "$ALLOCSIM" gen --list --json
workloads=$(grep -o '"name":"[^"]*"' out.txt | cut -d'"' -f4)
[ -n "$workloads" ] || fail "gen --list --json named no workload: $(cat out.txt)"
{
  echo "# workload allocator loop cpus order fingerprint (tests/engine/fingerprints.sh writes this file)"
  for w in $workloads; do
    expect_code 0 "$ALLOCSIM" gen "$w" --cpus 8 --ops 4000 --seed 1 --db t.db
    for allocator in hybrid linked-list; do
      for loop in open closed; do
        for cpus in 1 2 4 8; do
          for order in trace time; do
            expect_code 0 "$ALLOCSIM" replay --trace "$w" --allocator "$allocator" --loop "$loop" --cpus "$cpus" \
              --set order="$order" --db t.db --json
            fp=$(grep -o '"fingerprint":"[0-9a-f]*"' out.txt | cut -d'"' -f4)
            [ ${#fp} -eq 16 ] || fail "$w $allocator $loop $cpus $order: no fingerprint in $(cat out.txt)"
            echo "$w $allocator $loop $cpus $order $fp"
          done
        done
      done
    done
  done
  for file in "$HERE"/data/recorded/*.csv.xz; do
    name=$(basename "$file" .csv.xz)
    xz -dc "$file" > "$name.csv" || fail "cannot decompress $file (xz-utils: scripts/setup.sh installs it)"
    expect_code 0 "$ALLOCSIM" import csv "$name.csv" --name "$name" --db recorded.db
    for order in trace time; do
      expect_code 0 "$ALLOCSIM" replay --trace "$name" --set order="$order" --db recorded.db --json
      fp=$(grep -o '"fingerprint":"[0-9a-f]*"' out.txt | cut -d'"' -f4)
      [ ${#fp} -eq 16 ] || fail "recorded $name $order: no fingerprint in $(cat out.txt)"
      echo "recorded:$name hybrid auto $(field out.txt cpus) $order $fp"
    done
  done
} > now.txt
if [ "$UPDATE" = --update ]; then
  cp now.txt "$PINNED"
  echo "pinned $(grep -vc '^#' now.txt) fingerprints in $PINNED"
  exit 0
fi
[ -f "$PINNED" ] || fail "no $PINNED: run  bash tests/engine/fingerprints.sh $ALLOCSIM --update"
if ! diff -u "$PINNED" now.txt > diff.txt; then
  cat diff.txt
  echo "FAIL: $(grep -c '^+[a-z]' diff.txt) of $(grep -vc '^#' "$PINNED") replays moved (above: - pinned, + now)." >&2
  echo "If the change is meant to move them, pin the new fingerprints with:" >&2
  echo "  bash tests/engine/fingerprints.sh $ALLOCSIM --update" >&2
  exit 1
fi
echo "ok: $(grep -vc '^#' now.txt) fingerprints as pinned"
