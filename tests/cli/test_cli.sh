#!/usr/bin/env bash
# End-to-end tests of the allocsim command: import, gen, traces, export, the
# sqlite3 view, error messages and exit codes, and a kill -9 in the middle of a
# large generation. Usage: test_cli.sh PATH/TO/allocsim CASE
set -uo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/helpers.sh"
ALLOCSIM=$1
CASE=$2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

write_csv() {
  cat > small.csv <<'CSV'
seq,time_ns,cpu,op,object,size,align,order,cycles
0,,0,alloc,0,64,,,
1,,1,alloc,1,4000,64,,
2,10,0,page_alloc,2,0,,3,
3,,1,free,0,0,,,
4,,0,realloc,1,9000,,,
5,,0,page_free,2,0,,3,
6,,1,free,1,0,,,
CSV
}

case $CASE in
help)
  expect_code 0 "$ALLOCSIM" --help; contains out.txt "import"
  for c in import gen traces export record replay; do expect_code 0 "$ALLOCSIM" $c --help; contains out.txt "usage: allocsim $c"; done
  expect_code 2 "$ALLOCSIM"; expect_code 2 "$ALLOCSIM" frobnicate; contains err.txt "unknown command"
  expect_code 2 "$ALLOCSIM" import csv; contains err.txt "FORMAT and FILE"
  expect_code 2 "$ALLOCSIM" import yaml x.yaml; contains err.txt "unknown format 'yaml'"
  expect_code 2 "$ALLOCSIM" traces --bogus; contains err.txt "unknown option --bogus"
  ;;
csv_round_trip)
  write_csv
  expect_code 0 "$ALLOCSIM" import csv small.csv --json
  contains out.txt '"trace":"small"'; contains out.txt '"events":7'; contains out.txt '"page_allocs":1'
  contains out.txt '"cpus":2'; contains out.txt '"skipped_unmatched":0'
  [ -f allocsim.db ] || fail "no allocsim.db in the current folder"
  expect_code 0 "$ALLOCSIM" export --trace small --out back.csv
  cmp small.csv back.csv || fail "export differs from the imported CSV"
  expect_code 0 "$ALLOCSIM" import csv back.csv --name again --db other.db
  expect_code 0 "$ALLOCSIM" export --trace again --db other.db
  cmp small.csv out.txt || fail "second round trip differs"
  expect_code 0 "$ALLOCSIM" traces --json; contains out.txt '"name":"small"'; contains out.txt '"events":7'
  expect_code 0 "$ALLOCSIM" traces; contains out.txt "small"
  ;;
sqlite_view)
  write_csv
  expect_code 0 "$ALLOCSIM" import csv small.csv
  sqlite3 allocsim.db "SELECT seq, time_ns, cpu, op, object, size, align, page_order FROM events ORDER BY seq" > rows.txt \
    || fail "sqlite3 could not query the events view"
  sed -n 2p rows.txt | grep -qx '1||1|alloc|1|4000|64|' || fail "view row 1: $(sed -n 2p rows.txt)"
  sed -n 3p rows.txt | grep -qx '2|10|0|page_alloc|2|0||3' || fail "view row 2: $(sed -n 3p rows.txt)"
  [ "$(wc -l < rows.txt)" -eq 7 ] || fail "view has $(wc -l < rows.txt) rows"
  [ "$(sqlite3 allocsim.db 'PRAGMA journal_mode')" = wal ] || fail "the database is not in WAL mode"
  ;;
errors)
  write_csv
  expect_code 0 "$ALLOCSIM" import csv small.csv
  expect_code 1 "$ALLOCSIM" import csv small.csv; contains err.txt "exists already"
  expect_code 0 "$ALLOCSIM" import csv small.csv --replace
  printf 'seq,time_ns,cpu,op,object,size,align,order,cycles\n0,,0,alloc,0,64,,,\n1,,0,explode,0,1,,,\n' > bad.csv
  expect_code 1 "$ALLOCSIM" import csv bad.csv; contains err.txt "bad.csv:3: unknown op 'explode'"
  expect_code 0 "$ALLOCSIM" import csv bad.csv --lenient --json; contains out.txt '"malformed":1'
  expect_code 1 "$ALLOCSIM" import csv missing.csv; contains err.txt "missing.csv: cannot open"
  head -c 5000 /dev/urandom > junk.db
  expect_code 1 "$ALLOCSIM" traces --db junk.db; contains err.txt "junk.db: not an SQLite database"
  expect_code 1 "$ALLOCSIM" export --trace nope; contains err.txt "no trace named 'nope'"
  # The failed imports stored nothing: only 'small' and 'bad' are there.
  expect_code 0 "$ALLOCSIM" traces --json
  [ "$(grep -o '"name"' out.txt | wc -l)" -eq 2 ] || fail "expected 2 traces: $(cat out.txt)"
  ;;
kill_mid_import)
  # kill -9 in the middle of a large import, then of a large generation: each time
  # the database passes its integrity check, holds nothing of the killed job, and
  # the earlier trace reads back byte for byte.
  write_csv
  expect_code 0 "$ALLOCSIM" import csv small.csv
  before=$(sqlite3 allocsim.db "SELECT count(*) FROM event_chunks")
  expect_code 0 "$ALLOCSIM" gen mixed-stress --ops 4000000 --name big --db big.db
  expect_code 0 "$ALLOCSIM" export --trace big --db big.db --out big.csv
  kill_during() {  # kill_during NAME CMD...: starts CMD, kills it once its transaction holds megabytes
    local name=$1; shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    for _ in $(seq 1 200); do
      [ -s allocsim.db-wal ] && [ "$(stat -c %s allocsim.db-wal)" -gt 4000000 ] && break
      sleep 0.02
    done
    kill -9 $pid 2>/dev/null || fail "'$*' ended before it could be killed"
    wait $pid 2>/dev/null
    [ "$(sqlite3 allocsim.db 'PRAGMA integrity_check')" = ok ] || fail "integrity check failed after killing '$*'"
    [ "$(sqlite3 allocsim.db "SELECT count(*) FROM traces WHERE name = '$name'")" -eq 0 ] || fail "half a trace is visible"
    [ "$(sqlite3 allocsim.db 'SELECT count(*) FROM event_chunks')" -eq "$before" ] || fail "chunks of '$*' remain"
    expect_code 0 "$ALLOCSIM" export --trace small --out back.csv
    cmp small.csv back.csv || fail "the earlier trace changed"
  }
  kill_during imported "$ALLOCSIM" import csv big.csv --name imported
  kill_during huge "$ALLOCSIM" gen mixed-stress --ops 100000000 --name huge
  expect_code 0 "$ALLOCSIM" traces --json
  [ "$(grep -o '"name"' out.txt | wc -l)" -eq 1 ] || fail "expected only 'small': $(cat out.txt)"
  ;;
gen)
  expect_code 0 "$ALLOCSIM" gen --list; contains out.txt "larson"; contains out.txt "default"
  expect_code 0 "$ALLOCSIM" gen larson --seed 7 --name a --json; contains out.txt '"skipped_unmatched":0'
  expect_code 0 "$ALLOCSIM" gen larson --seed 7 --name b
  expect_code 0 "$ALLOCSIM" export --trace a --out a.csv
  expect_code 0 "$ALLOCSIM" export --trace b --out b.csv
  cmp a.csv b.csv || fail "the same seed gave different traces"
  expect_code 0 "$ALLOCSIM" gen larson --seed 8 --name c
  expect_code 0 "$ALLOCSIM" export --trace c --out c.csv
  cmp -s a.csv c.csv && fail "different seeds gave the same trace"
  expect_code 2 "$ALLOCSIM" gen larson --cpus 0; contains err.txt "--cpus takes a whole number from 1 to 64"
  expect_code 1 "$ALLOCSIM" gen no-such-workload; contains err.txt "no-such-workload"
  ;;
replay)
  expect_code 0 "$ALLOCSIM" gen default
  expect_code 0 "$ALLOCSIM" replay --trace default --json
  for key in events allocs frees reallocs page_allocs page_frees failed_allocs cpus thread_cache_hit_rate refills \
             drains remote_frees buddy_splits buddy_coalesces lock_wait_cycles modeled_cycles_total modeled_cycles_p50 \
             modeled_cycles_p99 peak_live_bytes peak_footprint_bytes utilization invariant_violations events_per_second; do
    contains out.txt "\"$key\":"
  done
  contains out.txt '"events":20000'; contains out.txt '"cpus":4'; contains out.txt '"failed_allocs":0'
  sed 's/,"events_per_second":[0-9]*//' out.txt > first.json
  expect_code 0 "$ALLOCSIM" replay --trace default --json
  sed 's/,"events_per_second":[0-9]*//' out.txt > second.json
  cmp first.json second.json || fail "two replays differ: $(diff first.json second.json)"
  expect_code 0 "$ALLOCSIM" replay --trace default --json --set cache.capacity=128 --set refill.batch=64
  sed 's/,"events_per_second":[0-9]*//' out.txt > bigger.json
  cmp -s first.json bigger.json && fail "--set cache.capacity changed nothing"
  expect_code 0 "$ALLOCSIM" replay --trace default --allocator linked-list --cpus 2 --json
  contains out.txt '"allocator":"linked-list"'; contains out.txt '"cpus":2'
  expect_code 0 "$ALLOCSIM" replay --trace default --check-every 1000; contains out.txt "hit rate"
  expect_code 2 "$ALLOCSIM" replay --trace default --set cache.capactiy=8; contains err.txt "cache.capacity"
  expect_code 2 "$ALLOCSIM" replay --trace default --set refill.batch=100; contains err.txt "refill.batch"
  expect_code 1 "$ALLOCSIM" replay --trace nope; contains err.txt "no trace named 'nope'"
  ;;
progress)
  # On a terminal (script(1) provides one) gen draws a progress line on stderr;
  # in a pipe it is silent.
  script -qec "'$ALLOCSIM' gen mixed-stress --ops 3000000 --name p 2>&1 >/dev/null" /dev/null > tty.txt \
    || fail "gen under script failed: $(cat tty.txt)"
  contains tty.txt "generating p ["
  contains tty.txt "ETA"
  expect_code 0 "$ALLOCSIM" gen mixed-stress --ops 3000000 --name q
  [ ! -s err.txt ] || fail "progress output without a terminal: $(cat err.txt)"
  ;;
hostile)
  # Hostile files: each is an error naming the file (exit 1), never a crash or a
  # huge allocation (the imports run under a 1 GiB address-space limit), and
  # nothing is stored.
  : > empty.txt
  head -c 300000 /dev/urandom > binary.bin
  { echo "= Start"; head -c 10485760 /dev/zero | tr '\0' 'a'; echo; } > longline.txt
  for format in mtrace malloclab ftrace csv; do
    for f in empty.txt binary.bin longline.txt; do
      ( ulimit -v 1048576; expect_code 1 "$ALLOCSIM" import $format $f --name h ) || exit 1
      contains err.txt "$f"
      grep -qiE "segmentation|abort|terminate|bad_alloc" err.txt && fail "import $format $f: $(cat err.txt)"
    done
  done
  expect_code 1 "$ALLOCSIM" import mtrace longline.txt; contains err.txt "longline.txt:2: line longer than 65536 bytes"
  printf '= Start\n+ 0x10 0xffffffffffffffff\n' > huge.mtrace
  expect_code 1 "$ALLOCSIM" import mtrace huge.mtrace; contains err.txt "huge.mtrace:2: size 0xffffffffffffffff is above 2^48"
  printf '20000 2 2 1\na 0 -5\nf 0\n' > negative.rep
  expect_code 1 "$ALLOCSIM" import malloclab negative.rep; contains err.txt "negative.rep:2: size '-5'"
  printf '= Start\n+ 0x10 0x8\n< 0x10\n' > truncated.mtrace
  expect_code 1 "$ALLOCSIM" import mtrace truncated.mtrace; contains err.txt "truncated.mtrace:3: '<' (realloc) without its '>' line"
  expect_code 1 "$ALLOCSIM" import mtrace binary.bin --db binary.bin; contains err.txt "binary.bin: not an SQLite database"
  sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1)"
  expect_code 1 "$ALLOCSIM" traces --db other.db; contains err.txt "other.db: not an allocsim database"
  [ "$(sqlite3 other.db 'SELECT count(*) FROM sqlite_schema')" -eq 1 ] || fail "other.db was changed"
  expect_code 0 "$ALLOCSIM" traces --json
  [ "$(cat out.txt)" = "[]" ] || fail "a failed import stored something: $(cat out.txt)"
  ;;
*) fail "unknown case $CASE" ;;
esac
echo "ok: $CASE"
