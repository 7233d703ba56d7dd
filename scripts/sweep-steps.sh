#!/bin/bash
# The two steps of a sweep split over N independent jobs, each with a database of its
# own (docs/ENGINE.md, "Sweeps on a cluster"). scripts/sweep-parallel.sh and
# scripts/sweep-slurm.sh run them; so can any other scheduler.
#
#   sweep-steps.sh part I OPTIONS -- SWEEP_OPTIONS
#       copies SOURCE to WORK/part-I.db (sqlite3 .backup: a consistent copy even of a
#       database in use) and replays part I of N there (allocsim sweep --part I/N)
#   sweep-steps.sh merge OPTIONS -- SWEEP_OPTIONS
#       merges WORK/part-0.db .. part-(N-1).db into OUT (made a copy of SOURCE first if
#       it does not exist), then prints the sweep's table and writes its JSON to
#       WORK/report.json (allocsim sweep --report)
#
# OPTIONS: --parts N --db SOURCE --trace NAME --out OUT --work DIR [--allocsim PATH]
# SWEEP_OPTIONS: what allocsim sweep takes besides --trace, --db, --part, --report and
# --json: the --set KEY=V1,V2,... axes, and --cpus, --allocator, --model.
set -euo pipefail
fail() { echo "sweep-steps: $*" >&2; exit 2; }
[ $# -ge 1 ] || fail "usage: sweep-steps.sh part I|merge OPTIONS -- SWEEP_OPTIONS"
STEP=$1; shift
if [ "$STEP" = part ]; then
  [ $# -ge 1 ] || fail "part: the part number is missing"
  PART=$1; shift
  [[ $PART =~ ^[0-9]+$ ]] || fail "part: '$PART' is not a part number"
fi
PARTS="" SOURCE="" TRACE="" OUT="" WORK="" ALLOCSIM=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/bin/allocsim
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  [ $# -ge 2 ] || fail "$1 needs a value"
  case $1 in
    --parts) PARTS=$2 ;; --db) SOURCE=$2 ;; --trace) TRACE=$2 ;; --out) OUT=$2 ;; --work) WORK=$2 ;;
    --allocsim) ALLOCSIM=$2 ;;
    *) fail "unknown option $1" ;;
  esac
  shift 2
done
[ "${1:-}" = -- ] && shift
SWEEP=("$@")
[[ $PARTS =~ ^[1-9][0-9]*$ ]] || fail "--parts N (1 or more) is required"
[ -n "$SOURCE" ] && [ -f "$SOURCE" ] || fail "--db: '$SOURCE' is not a database file"
[ -n "$TRACE" ] || fail "--trace NAME is required"
[ -n "$WORK" ] && [ -d "$WORK" ] || fail "--work: '$WORK' is not a folder"
[ -x "$ALLOCSIM" ] || fail "$ALLOCSIM is not the allocsim program (--allocsim PATH)"
[ ${#SWEEP[@]} -gt 0 ] || fail "no sweep axes after -- (--set KEY=V1,V2,...)"
command -v sqlite3 >/dev/null || fail "sqlite3 is missing (scripts/setup.sh installs it)"

case $STEP in
part)
  [ "$PART" -lt "$PARTS" ] || fail "part $PART of $PARTS: parts are numbered 0 to $((PARTS - 1))"
  db=$WORK/part-$PART.db
  rm -f "$db" "$db-wal" "$db-shm"
  # A busy timeout: the parts start together, and a reader opening a WAL database
  # may find another one holding it for a moment ("database is locked" without it).
  sqlite3 -cmd ".timeout 30000" "$SOURCE" ".backup '$db'"
  "$ALLOCSIM" sweep --trace "$TRACE" "${SWEEP[@]}" --part "$PART/$PARTS" --db "$db"
  ;;
merge)
  [ -n "$OUT" ] || fail "--out OUT is required"
  [ -e "$OUT" ] || sqlite3 -cmd ".timeout 30000" "$SOURCE" ".backup '$OUT'"
  merges=()
  for ((i = 0; i < PARTS; ++i)); do
    [ -f "$WORK/part-$i.db" ] || fail "part $i of $PARTS is missing ($WORK/part-$i.db): did its job fail?"
    merges+=(--merge "$WORK/part-$i.db")
  done
  "$ALLOCSIM" runs "${merges[@]}" --db "$OUT"
  "$ALLOCSIM" sweep --trace "$TRACE" "${SWEEP[@]}" --report --db "$OUT" --json > "$WORK/report.json"
  # The report on stdout (the job's log), and as a file the job writes itself: a
  # scheduler's log forwarding may lag or lose it (sweep-slurm.sh --wait reads the file).
  "$ALLOCSIM" sweep --trace "$TRACE" "${SWEEP[@]}" --report --db "$OUT" > "$WORK/report.txt"
  cat "$WORK/report.txt"
  touch "$WORK/merge.done"
  ;;
*) fail "unknown step '$STEP' (part or merge)" ;;
esac
