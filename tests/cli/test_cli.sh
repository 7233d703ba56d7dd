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
  expect_code 0 "$ALLOCSIM" gen --list --json; contains out.txt '{"name":"larson","description":"'
  contains out.txt '"default_cpus":4,"default_events":200000}' 
  for c in import gen traces export record replay floor sweep runs show diff capture measure compare calibrate; do expect_code 0 "$ALLOCSIM" $c --help; contains out.txt "usage: allocsim $c"; done
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
malloclab_free_null_and_sizeless)
  # The public traces' shapes: bash.rep's "f -1" (free(NULL)), alaska.rep's "a ID"
  # lines with no size, the first on line 7.
  printf '20000\n3\n6\n1\na 0 16\nf -1\na 1 32\nf 0\nf -1\nf 1\n' > freenull.rep
  expect_code 0 "$ALLOCSIM" import malloclab freenull.rep --json
  contains out.txt '"events":4'; contains out.txt '"skipped_unmatched":2'; contains out.txt '"malformed":0'
  printf '20000\n40\n6\n1\na 0 100\na 1 200\na 2\na 34 1234\nf 0\nf 34\n' > sizeless.rep
  sqlite3 allocsim.db .dump > before.sql || fail "sqlite3 could not dump the database"
  expect_code 1 "$ALLOCSIM" import malloclab sizeless.rep; contains err.txt "sizeless.rep:7: 'a' without its size"
  sqlite3 allocsim.db .dump > after.sql
  cmp before.sql after.sql || fail "the failed import changed the database"
  expect_code 0 "$ALLOCSIM" import malloclab sizeless.rep --lenient --json
  contains out.txt '"events":5'; contains out.txt '"allocs":3'; contains out.txt '"frees":2'
  contains out.txt '"malformed":1'; contains out.txt '"skipped_unmatched":0'
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
  expect_code 2 "$ALLOCSIM" gen larson --cpus 0; contains err.txt "--cpus: '0' is not a whole number in 1..64"
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
  # Each replay is a new run: its number differs, as does its speed.
  sed 's/^{"run":[0-9]*,/{/; s/,"events_per_second":[0-9]*//' out.txt > first.json
  expect_code 0 "$ALLOCSIM" replay --trace default --json
  sed 's/^{"run":[0-9]*,/{/; s/,"events_per_second":[0-9]*//' out.txt > second.json
  cmp first.json second.json || fail "two replays differ: $(diff first.json second.json)"
  expect_code 0 "$ALLOCSIM" replay --trace default --json --set cache.capacity=128 --set refill.batch=64
  sed 's/^{"run":[0-9]*,/{/; s/,"events_per_second":[0-9]*//' out.txt > bigger.json
  cmp -s first.json bigger.json && fail "--set cache.capacity changed nothing"
  expect_code 0 "$ALLOCSIM" replay --trace default --allocator linked-list --cpus 2 --json
  contains out.txt '"allocator":"linked-list"'; contains out.txt '"cpus":2'
  expect_code 0 "$ALLOCSIM" replay --trace default --check-every 1000; contains out.txt "hit rate"
  expect_code 2 "$ALLOCSIM" replay --trace default --set cache.capactiy=8; contains err.txt "cache.capacity"
  expect_code 2 "$ALLOCSIM" replay --trace default --set refill.batch=100; contains err.txt "refill.batch"
  expect_code 1 "$ALLOCSIM" replay --trace nope; contains err.txt "no trace named 'nope'"
  # A database that is not there is an error, and stays not there.
  for cmd in "replay --trace default" "sweep --trace default --set cache.capacity=32,64" "export --trace default"; do
    expect_code 1 "$ALLOCSIM" $cmd --db typo.db; contains err.txt "typo.db: no such database"
    [ ! -e typo.db ] || fail "'$cmd' created a missing database"
  done
  [ "$(wc -l < err.txt)" -eq 1 ] || fail "not a one-line error: $(cat err.txt)"
  ;;
floor)
  # The footprint floor: never above the replay's peak footprint, changed by the
  # class table, deterministic, stores nothing, and bad input is a clear error.
  expect_code 0 "$ALLOCSIM" gen default
  expect_code 0 "$ALLOCSIM" replay --trace default --json; cp out.txt replay.json
  expect_code 0 "$ALLOCSIM" floor --trace default --json; cp out.txt floor.json
  for key in trace cpus events peak_live_bytes floor_bytes floor_event fixed_metadata_bytes descriptor_bytes \
             floor_footprint_bytes utilization_bound utilization_bound_no_metadata floor_per_cpu_bytes \
             floor_per_cpu_footprint_bytes utilization_bound_per_cpu; do
    contains floor.json "\"$key\":"
  done
  contains floor.json '"cpus":4'; contains floor.json '"events":20000'
  floor=$(field floor.json floor_footprint_bytes) peak=$(field replay.json peak_footprint_bytes)
  [ "$floor" -gt 0 ] && [ "$floor" -le "$peak" ] || fail "floor $floor B, replay's peak footprint $peak B"
  [ "$(field floor.json peak_live_bytes)" = "$(field replay.json peak_live_bytes)" ] || fail "peak live differs"
  expect_code 0 "$ALLOCSIM" floor --trace default --json; cmp -s floor.json out.txt || fail "two floors differ"
  expect_code 0 "$ALLOCSIM" floor --trace default --json --set size_classes=16,64,256,1024,4096,16384
  [ "$(field out.txt floor_bytes)" != "$(field floor.json floor_bytes)" ] || fail "--set size_classes changed nothing"
  expect_code 0 "$ALLOCSIM" floor --trace default --cpus 1 --json
  [ "$(field out.txt fixed_metadata_bytes)" -lt "$(field floor.json fixed_metadata_bytes)" ] || fail "1 CPU has as much metadata as 4"
  expect_code 0 "$ALLOCSIM" floor --trace default; contains out.txt "utilization     at most"
  expect_code 0 "$ALLOCSIM" runs --json
  [ "$(grep -o '"run":' out.txt | wc -l)" -eq 1 ] || fail "floor stored a run: $(cat out.txt)"
  expect_code 2 "$ALLOCSIM" floor --trace default --set allocator=linked-list; contains err.txt "the linked list has no classes"
  expect_code 2 "$ALLOCSIM" floor --trace default --allocator hybrid; contains err.txt "unknown option --allocator"
  expect_code 2 "$ALLOCSIM" floor --trace default --set slab.tail_permile=30; contains err.txt "slab.tail_permile"
  expect_code 2 "$ALLOCSIM" floor; contains err.txt "--trace NAME is required"
  expect_code 1 "$ALLOCSIM" floor --trace nope; contains err.txt "no trace named 'nope'"
  expect_code 1 "$ALLOCSIM" floor --trace default --db typo.db; contains err.txt "typo.db: no such database"
  [ ! -e typo.db ] || fail "floor created a missing database"
  ;;
runs)
  # Every replay is stored: runs lists them, show prints one, diff compares two.
  expect_code 0 "$ALLOCSIM" runs --json; [ "$(cat out.txt)" = "[]" ] || fail "runs without a database: $(cat out.txt)"
  [ ! -e allocsim.db ] || fail "runs created a database"
  expect_code 0 "$ALLOCSIM" gen default
  expect_code 0 "$ALLOCSIM" replay --trace default --label base; contains out.txt "run 1"
  expect_code 0 "$ALLOCSIM" replay --trace default --allocator linked-list --json
  grep -q '^{"run":2,"trace":"default",' out.txt || fail "replay --json does not start with the run: $(cat out.txt)"
  expect_code 0 "$ALLOCSIM" runs --json
  [ "$(grep -o '"run":' out.txt | wc -l)" -eq 2 ] || fail "expected 2 runs: $(cat out.txt)"
  contains out.txt '"run":1,"trace":"default","label":"base","allocator":"hybrid"'
  contains out.txt '"run":2,"trace":"default","label":"","allocator":"linked-list"'
  expect_code 0 "$ALLOCSIM" runs; contains out.txt "linked-list"; contains out.txt "base"
  expect_code 0 "$ALLOCSIM" runs --trace default --json; [ "$(grep -o '"run":' out.txt | wc -l)" -eq 2 ] || fail "--trace"
  expect_code 1 "$ALLOCSIM" runs --trace nope; contains err.txt "no trace named 'nope'"
  expect_code 0 "$ALLOCSIM" show 1
  contains out.txt "run 1: 'default' (20000 events) on 4 CPU(s) with the hybrid allocator"
  contains out.txt "settings        all defaults"; contains out.txt "work cycles"; contains out.txt "hit rate"
  [ "$(grep -cE '^ +[0-3] +[0-9]+ ' out.txt)" -eq 4 ] || fail "show 1: not 4 per-CPU rows: $(cat out.txt)"
  expect_code 0 "$ALLOCSIM" show 2; contains out.txt "settings        allocator=linked-list"
  expect_code 0 "$ALLOCSIM" show 1 --json
  grep -q '^{"run":1,"trace":"default",' out.txt || fail "show --json: $(head -c 300 out.txt)"
  for key in events thread_cache_hit_rate modeled_cycles_total utilization events_per_second cache.capacity \
             model.lock_handoff work_cycles samples; do
    contains out.txt "\"$key\":"
  done
  contains out.txt '"summary":{"events":20000,'; contains out.txt '"cpus":[{"cpu":0,'
  expect_code 0 "$ALLOCSIM" diff 1 2
  contains out.txt "b/a"; grep -qE '^  events +20000 +20000 +1\.000$' out.txt || fail "diff: no events ratio: $(cat out.txt)"
  grep -qE '^  reallocs +0 +0 +-$' out.txt || fail "diff: A = 0 is not '-': $(cat out.txt)"
  grep -qE '^  allocator +hybrid +linked-list$' out.txt || fail "diff: settings: $(cat out.txt)"
  expect_code 0 "$ALLOCSIM" diff 1 2 --json
  contains out.txt '{"a":1,"b":2,"rows":[{"key":"events","a":20000,"b":20000,"ratio":1}'
  contains out.txt '"ratio":null'; contains out.txt '"settings_differ":{"allocator":{"a":"hybrid","b":"linked-list"}}'
  expect_code 1 "$ALLOCSIM" diff 1 99; contains err.txt "allocsim.db: no run 99 (allocsim runs lists them)"
  expect_code 1 "$ALLOCSIM" show 3 --db other.db; contains err.txt "other.db: no run 3"
  [ ! -e other.db ] || fail "show created a database"
  expect_code 2 "$ALLOCSIM" show abc; contains err.txt "run: 'abc' is not a whole number in 1..2^63-1 (allocsim runs lists the runs)"
  expect_code 2 "$ALLOCSIM" show; contains err.txt "RUN is required"
  expect_code 2 "$ALLOCSIM" diff 1; contains err.txt "RUN_A and RUN_B"
  # Replacing the trace drops its runs.
  expect_code 0 "$ALLOCSIM" gen default --replace
  expect_code 0 "$ALLOCSIM" runs --json; [ "$(cat out.txt)" = "[]" ] || fail "runs of a replaced trace remain: $(cat out.txt)"
  ;;
chrome)
  expect_code 0 "$ALLOCSIM" gen default
  expect_code 0 "$ALLOCSIM" replay --trace default
  expect_code 0 "$ALLOCSIM" export --run 1 --format chrome --out t.json --json
  contains out.txt '"run":1'
  python3 - t.json <<'PY' || fail "the Chrome trace is not what it should be"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
tracks = [e for e in ev if e["ph"] == "M" and e["name"] == "thread_name"]
ops = [e for e in ev if e["ph"] == "X" and not e["name"].startswith("wait")]
waits = [e for e in ev if e["ph"] == "X" and e["name"].startswith("wait")]
assert len(tracks) == 4, len(tracks)
assert len(ops) == 20000, len(ops)
assert {e["name"] for e in ops} == {"alloc", "free", "page_alloc", "page_free"}, {e["name"] for e in ops}
assert all(e["dur"] >= 0 and e["tid"] in range(4) for e in ops + waits)
assert waits, "the default trace has lock waits"
# Each wait lies inside its operation's span, on the same track.
by_event = {e["args"]["event"]: e for e in ops}
for w in waits:
    op = by_event[w["args"]["event"]]
    assert op["tid"] == w["tid"] and op["ts"] <= w["ts"] + 1e-9 and w["ts"] + w["dur"] <= op["ts"] + op["dur"] + 1e-3, (w, op)
PY
  "$ALLOCSIM" export --run 1 --format chrome > again.json || fail "export to stdout failed"
  cmp t.json again.json || fail "two exports of the same run differ"
  # A run in simulated-time order: its waits by kind add up, dependency waits included.
  expect_code 0 "$ALLOCSIM" replay --trace default --set order=time --json
  dependency=$(field out.txt dependency_wait_cycles)
  [ "$dependency" -gt 0 ] || fail "the default trace in time order has no dependency wait: $(cat out.txt)"
  expect_code 0 "$ALLOCSIM" export --run 2 --format chrome --out time.json
  python3 - time.json "$dependency" <<'PY' || fail "the time-order Chrome trace is not what it should be"
import json, sys
ev = json.load(open(sys.argv[1]))["traceEvents"]
ops = [e for e in ev if e["ph"] == "X" and not e["name"].startswith("wait")]
deps = [e for e in ev if e["ph"] == "X" and e["name"] == "wait: the object's earlier operation on another CPU"]
assert len(ops) == 20000, len(ops)
a = [o["args"] for o in ops]
assert all(x["wait_cycles"] == x["lock_wait_cycles"] + x["line_wait_cycles"] + x["dependency_wait_cycles"] for x in a)
assert sum(x["dependency_wait_cycles"] for x in a) == int(sys.argv[2])
assert deps and sum(d["args"]["cycles"] for d in deps) == int(sys.argv[2])
PY
  expect_code 1 "$ALLOCSIM" export --run 7 --format chrome; contains err.txt "no run 7"
  expect_code 2 "$ALLOCSIM" export --run x --format chrome; contains err.txt "run: 'x' is not a whole number"
  expect_code 2 "$ALLOCSIM" export --run 1 --format csv; contains err.txt "--format chrome"
  ;;
sweep)
  expect_code 0 "$ALLOCSIM" gen default
  expect_code 0 "$ALLOCSIM" gen default --db whole.db
  # The same 2x2 sweep: once in one process, once as two independent parts running at
  # the same time on one database, then merged by --report.
  expect_code 0 "$ALLOCSIM" sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order --db whole.db --json
  cp out.txt whole.json
  "$ALLOCSIM" sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order --part 0/2 >p0.txt 2>&1 &
  a=$!
  "$ALLOCSIM" sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order --part 1/2 >p1.txt 2>&1 &
  b=$!
  wait $a || fail "part 0/2 failed: $(cat p0.txt)"
  wait $b || fail "part 1/2 failed: $(cat p1.txt)"
  expect_code 0 "$ALLOCSIM" sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order --report --json
  [ "$(grep -o '"point"' out.txt | wc -l)" -eq 4 ] || fail "the report has not 4 points: $(cat out.txt)"
  strip() { sed -e 's/"run":[0-9]*,//g' -e 's/,"events_per_second":[0-9]*//g' "$1"; }
  [ "$(strip out.txt)" = "$(strip whole.json)" ] || fail "the merged parts differ from the whole sweep"
  expect_code 0 "$ALLOCSIM" sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order --report
  contains out.txt "cache.capacity=64 buddy.lock=per-order"
  expect_code 0 "$ALLOCSIM" runs --json
  [ "$(grep -o '"run"' out.txt | wc -l)" -eq 4 ] || fail "expected 4 stored runs: $(cat out.txt)"
  expect_code 2 "$ALLOCSIM" sweep --trace default --set cache.capacity=8,64; contains err.txt "point 0 (sweep: cache.capacity=8)"
  expect_code 2 "$ALLOCSIM" sweep --trace default --set cache.capacity=64 --part 2/2; contains err.txt "--part takes I/N"
  ;;
measured)
  # The measured runs end to end: measure on a host thread, capture in the kernel
  # (beside allocsim in the build), list, compare, calibrate, and the model file back
  # into replay and compare. Then the refusals.
  expect_code 0 "$ALLOCSIM" gen larson --cpus 2 --ops 4000 --name lar --db m.db
  expect_code 0 "$ALLOCSIM" measure --trace lar --threads 1 --repeat 3 --db m.db --json
  contains out.txt '"measured_run":1,'; contains out.txt '"repeats":3,'
  # The host's TSC is judged too: cycles, unless this host's RDTSC traps (then the reason says so).
  host_cycles=true
  grep -q '"cycle_accurate":true' out.txt || { host_cycles=false; contains out.txt "RDTSC traps on this host"; }
  expect_code 0 "$ALLOCSIM" capture --trace lar --cpus 2 --accel tcg --db m.db --json
  contains out.txt '"measured_run":2,'; contains out.txt '"clock":"tcg","runners":2,"events":'
  contains out.txt '"cycle_accurate":false,"clock_note":"emulated (TCG)'; contains out.txt '"qemu_cpu":""'
  expect_code 0 "$ALLOCSIM" runs --measured --db m.db --json
  [ "$(grep -o '"measured_run"' out.txt | wc -l)" -eq 2 ] || fail "runs --measured: $(cat out.txt)"
  contains out.txt '"cycle_accurate":false,"clock_note":"emulated (TCG)'
  expect_code 0 "$ALLOCSIM" runs --measured --db m.db; contains out.txt "run 2: emulated (TCG)"
  expect_code 0 "$ALLOCSIM" compare --measured 1 --db m.db --json; contains out.txt '"actions_agree":true'
  [ $host_cycles = false ] || [ ! -s err.txt ] || fail "compare warned on a host run: $(cat err.txt)"
  expect_code 0 "$ALLOCSIM" compare --measured 2 --db m.db; contains out.txt "alloc hit"
  contains err.txt "warning: measured run 2 is not cycle-accurate: emulated (TCG)"
  # A fit to ticks that are not cycles is refused, unless forced.
  expect_code 1 "$ALLOCSIM" calibrate --measured 2 --db m.db; contains err.txt "measured run 2 is not cycle-accurate"
  contains err.txt "--force"
  expect_code 0 "$ALLOCSIM" calibrate --measured 2 --force --db m.db; contains out.txt "R²"
  contains err.txt "warning: measured run 2 is not cycle-accurate"
  expect_code 0 "$ALLOCSIM" calibrate --measured 1 --out fitted.toml --db m.db; contains out.txt "R²"
  [ -s fitted.toml ] || fail "calibrate wrote no model file"
  expect_code 0 "$ALLOCSIM" replay --trace lar --model fitted.toml --db m.db
  expect_code 0 "$ALLOCSIM" compare --measured 1 --model fitted.toml --db m.db
  expect_code 0 "$ALLOCSIM" compare --measured 1 --db m.db --json; contains out.txt '"contention_per_1000_ops":{"ops":'
  contains out.txt '"line_transfers":{"modeled":'; contains out.txt '"reference_class":"'
  # A held-out run: the fidelity verdict, and the machine's state on both runs.
  expect_code 0 "$ALLOCSIM" measure --trace lar --threads 1 --db m.db
  expect_code 0 "$ALLOCSIM" calibrate --measured 1 --holdout 3 --db m.db
  contains out.txt "fidelity (the held-out mean within 10% for every class of at least 30 events): "
  contains out.txt "ticks raw in run 1 and"; contains out.txt "buddy_split_entry"
  expect_code 0 "$ALLOCSIM" calibrate --measured 1 --holdout 3 --db m.db --json
  contains out.txt '"fidelity":{"met":'; contains out.txt '"machine_change_percent":'
  expect_code 1 "$ALLOCSIM" compare --measured 9 --db m.db; contains err.txt "no measured run 9"
  expect_code 2 "$ALLOCSIM" capture --trace lar --accel warp --db m.db; contains err.txt "--accel"
  expect_code 1 "$ALLOCSIM" capture --trace lar --kernel /nonexistent/k --accel tcg --db m.db; contains err.txt "no kernel image"
  expect_code 1 "$ALLOCSIM" measure --trace nope --db m.db; contains err.txt "no trace named 'nope'"
  ;;
merge)
  # A sweep split over two jobs that share no file: each part replays into its own
  # database (holding the same generated trace), then runs --merge brings them into a
  # third, where --report gives what a one-process sweep gives.
  sweep="sweep --trace default --set cache.capacity=32,64 --set buddy.lock=global,per-order"
  for d in a b main whole; do expect_code 0 "$ALLOCSIM" gen default --db $d.db; done
  expect_code 0 "$ALLOCSIM" $sweep --db whole.db --json; cp out.txt whole.json
  expect_code 0 "$ALLOCSIM" $sweep --part 0/2 --db a.db
  expect_code 0 "$ALLOCSIM" $sweep --part 1/2 --db b.db
  expect_code 0 "$ALLOCSIM" runs --merge a.db --merge b.db --db main.db --json
  contains out.txt '{"from":"a.db","added":[1,2],"already_there":0}'
  contains out.txt '{"from":"b.db","added":[3,4],"already_there":0}'
  expect_code 0 "$ALLOCSIM" $sweep --report --db main.db --json
  strip() { sed -e 's/"run":[0-9]*,//g' -e 's/,"events_per_second":[0-9]*//g' "$1"; }
  [ "$(strip out.txt)" = "$(strip whole.json)" ] || fail "the merged databases differ from the whole sweep"
  # A merged run is whole: its per-CPU table and samples came along.
  expect_code 0 "$ALLOCSIM" show 3 --db main.db; contains out.txt "cpu"
  [ "$(sqlite3 main.db 'select count(*) from run_samples where run_id = 3')" = \
    "$(sqlite3 b.db 'select count(*) from run_samples where run_id = 1')" ] || fail "samples were not merged"
  # Merging again adds nothing.
  expect_code 0 "$ALLOCSIM" runs --merge a.db --db main.db
  contains out.txt "merged 0 run(s) from a.db into main.db (2 already there)"
  # A run of a trace the target lacks: an error naming it, and nothing merged.
  expect_code 0 "$ALLOCSIM" gen default --db c.db
  expect_code 0 "$ALLOCSIM" gen cache-64 --ops 2000 --db c.db
  expect_code 0 "$ALLOCSIM" replay --trace default --db c.db
  expect_code 0 "$ALLOCSIM" replay --trace cache-64 --db c.db
  expect_code 1 "$ALLOCSIM" runs --merge c.db --db main.db; contains err.txt "trace 'cache-64', which main.db does not hold"
  expect_code 0 "$ALLOCSIM" runs --db main.db --json
  [ "$(grep -o '"run"' out.txt | wc -l)" -eq 4 ] || fail "a failed merge changed the runs: $(cat out.txt)"
  expect_code 1 "$ALLOCSIM" runs --merge nowhere.db --db main.db; contains err.txt "nowhere.db: no such database"
  echo "not a database" > text.db
  expect_code 1 "$ALLOCSIM" runs --merge text.db --db main.db; contains err.txt "text.db"
  expect_code 1 "$ALLOCSIM" runs --merge a.db --db absent.db; contains err.txt "absent.db: no such database"
  [ ! -e absent.db ] || fail "a failed merge created its target"
  expect_code 2 "$ALLOCSIM" runs --merge a.db --trace default; contains err.txt "takes no --trace"
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
  expect_code 1 "$ALLOCSIM" import mtrace huge.mtrace; contains err.txt "huge.mtrace:2: size: '0xffffffffffffffff' is not a hex number in 0..2^48"
  printf '20000 2 2 1\na 0 -5\nf 0\n' > negative.rep
  expect_code 1 "$ALLOCSIM" import malloclab negative.rep; contains err.txt "negative.rep:2: size: '-5' is not a whole number in 0..2^48"
  printf '= Start\n+ 0x10 0x8\n< 0x10\n' > truncated.mtrace
  expect_code 1 "$ALLOCSIM" import mtrace truncated.mtrace; contains err.txt "truncated.mtrace:3: '<' (realloc) without its '>' line"
  expect_code 1 "$ALLOCSIM" import mtrace binary.bin --db binary.bin; contains err.txt "binary.bin: not an SQLite database"
  sqlite3 other.db "CREATE TABLE t(x); INSERT INTO t VALUES (1)"
  expect_code 1 "$ALLOCSIM" traces --db other.db; contains err.txt "other.db: not an allocsim database"
  [ "$(sqlite3 other.db 'SELECT count(*) FROM sqlite_schema')" -eq 1 ] || fail "other.db was changed"
  expect_code 0 "$ALLOCSIM" traces --json
  [ "$(cat out.txt)" = "[]" ] || fail "a failed import stored something: $(cat out.txt)"
  ;;
shrinking_realloc)
  # The three-event reproduction of the sized-free corruption (issue 12): a shrink
  # into another class, then a free with the new size.
  printf 'seq,time_ns,cpu,op,object,size,align,order,cycles\n0,,0,alloc,0,10,,,\n1,,0,realloc,0,1,,,\n2,,0,free,0,,,,\n' > shrink.csv
  expect_code 0 "$ALLOCSIM" import csv shrink.csv
  for allocator in hybrid linked-list; do
    for cpus in 1 2 4; do
      expect_code 0 "$ALLOCSIM" replay --trace shrink --allocator $allocator --cpus $cpus --check-every 1 --json
      contains out.txt '"invariant_violations":0'; contains out.txt '"reallocs":1'; contains out.txt '"frees":1'
    done
  done
  # Every replay says where its peak footprint goes; a run stored before replays
  # recorded that says so rather than "nothing".
  expect_code 0 "$ALLOCSIM" show 2; contains out.txt "footprint       at event 1: live 1 B"
  sqlite3 allocsim.db "UPDATE runs SET summary = json_remove(summary, '\$.footprint_event', '\$.footprint_live_bytes',
    '\$.footprint_class_rounding_bytes', '\$.footprint_run_tail_bytes', '\$.footprint_cached_bytes',
    '\$.footprint_partial_free_bytes', '\$.footprint_empty_run_bytes', '\$.footprint_remote_pending_bytes',
    '\$.footprint_page_rounding_bytes', '\$.footprint_metadata_bytes', '\$.footprint_heap_free_bytes') WHERE id = 1" \
    || fail "sqlite3 could not rewrite run 1"
  expect_code 0 "$ALLOCSIM" show 1; contains out.txt "footprint       not broken down: the run was stored before"
  ;;
*) fail "unknown case $CASE" ;;
esac
echo "ok: $CASE"
