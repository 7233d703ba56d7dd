#!/usr/bin/env bash
# End-to-end tests of allocsim record: exact counts from a known threaded program,
# thread folding, real programs (python3, perl, sqlite3), a failing, a missing and
# an interrupted program. Usage: test_record.sh PATH/TO/allocsim PATH/TO/recorded_program CASE
set -uo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/../cli/helpers.sh"
ALLOCSIM=$1
PROGRAM=$2
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export TMPDIR=$WORK/tmp  # where allocsim record keeps its log: checked to be left empty
mkdir "$TMPDIR"
sql() { sqlite3 allocsim.db "$1" || fail "sqlite3 failed on: $1"; }
no_log_left() { [ -z "$(ls -A "$TMPDIR")" ] || fail "the temporary log was left behind: $(ls -A "$TMPDIR")"; }

# The summary adds up, and the trace (exported as CSV: the events view is slow on
# big traces) obeys what a recording guarantees: every object's first event is its
# allocation, nothing follows its free, frees carry no size, and times never go back.
check_consistent() {  # check_consistent SUMMARY_FILE TRACE
  local f=$1 events allocs frees reallocs verdict
  events=$(field "$f" events); allocs=$(field "$f" allocs); frees=$(field "$f" frees); reallocs=$(field "$f" reallocs)
  [ "$events" -eq $((allocs + frees + reallocs)) ] || fail "events $events != allocs + frees + reallocs: $(cat "$f")"
  [ "$allocs" -ge "$frees" ] || fail "more frees than allocs: $(cat "$f")"
  [ "$(field "$f" replaced_live)" -eq 0 ] || fail "an address was allocated twice without a free: $(cat "$f")"
  [ "$(field "$f" malformed)" -eq 0 ] || fail "malformed records: $(cat "$f")"
  [ "$(field "$f" skipped_unmatched)" -le $((events / 100 + 5)) ] || fail "too many unmatched frees: $(cat "$f")"
  [ "$(field "$f" program_exit_code)" -eq 0 ] || fail "the program failed: $(cat "$f")"
  "$ALLOCSIM" export --trace "$2" --out trace.csv 2>err.txt || fail "export of '$2' failed: $(cat err.txt)"
  verdict=$(awk -F, -v events="$events" -v cpus="$(field "$f" cpus)" '
    NR == 1 { next }
    { n++ }
    $2 == "" { print "event " $1 " has no time"; exit }
    $2 + 0 < last_time { print "time goes back at event " $1; exit }
    { last_time = $2 + 0 }
    $3 + 1 > max_cpu { max_cpu = $3 + 1 }
    !($5 in state) && $4 != "alloc" { print "object " $5 " begins with " $4 " at event " $1; exit }
    state[$5] == "freed" { print "object " $5 " is used after its free at event " $1; exit }
    $4 == "free" && $6 != 0 { print "free with a size at event " $1; exit }
    { state[$5] = $4 == "free" ? "freed" : "live" }
    END { if (n != events) print "the trace has " n " events, the summary " events
          else if (max_cpu != cpus) print "CPUs " max_cpu " in the trace, " cpus " in the summary" }' trace.csv)
  [ -z "$verdict" ] || fail "trace '$2': $verdict"
  no_log_left
}

# The work of the real programs: dicts, lists and strings that grow (reallocs) and die.
PYTHON_WORK='
d = {}
for i in range(30000):
    d[str(i) * (i % 7 + 1)] = [i] * (i % 200)
    s = "".join(str(x) for x in range(i % 60))
    if i % 5000 == 0:
        d.clear()
'
PERL_WORK='
my %h;
for my $i (1..30000) {
    $h{"k" x ($i % 7 + 1) . $i} = "v" x ($i % 300);
    push @{$h{list}}, $i;
    %h = () if $i % 5000 == 0;
}
'

case $CASE in
exact)
  # recorded_program N: 4 threads x N rounds of 9 allocs, 9 frees, 3 reallocs and 1
  # failed realloc each (see recorded_program.cpp). The runtime's own calls are the
  # same for any N, so N=0 measures them.
  N=50
  expect_code 0 "$ALLOCSIM" record --json --name base -- "$PROGRAM" 0; mv out.txt base.json
  expect_code 0 "$ALLOCSIM" record --json -- "$PROGRAM" $N; mv out.txt run.json
  contains run.json '"trace":"recorded_program"'; contains run.json '"db":"allocsim.db"'
  for key in allocs:9 frees:9 reallocs:3 failed_reallocs:1; do
    k=${key%:*}; per_round=${key#*:}
    got=$(( $(field run.json "$k") - $(field base.json "$k") ))
    [ "$got" -eq $((4 * N * per_round)) ] || fail "$k: $got more than with no rounds, expected $((4 * N * per_round))"
  done
  [ "$(field run.json threads)" -ge 5 ] || fail "expected the main thread and 4 others: $(cat run.json)"
  [ "$(field run.json cpus)" -eq "$(field run.json threads)" ] || fail "one CPU per thread: $(cat run.json)"
  [ "$(field run.json skipped_unmatched)" -le 2 ] || fail "unmatched frees: $(cat run.json)"
  check_consistent run.json recorded_program
  id=$(sql "SELECT id FROM traces WHERE name = 'recorded_program'")
  count() { sql "SELECT count(*) FROM events WHERE trace_id = $id AND op = 'alloc' AND $1"; }
  [ "$(count 'size = 200 AND align = 64')" -eq $((4 * N)) ] || fail "posix_memalign(64, 200): $(count 'size = 200 AND align = 64')"
  [ "$(count 'size = 8192 AND align = 4096')" -eq $((8 * N)) ] || fail "aligned_alloc(4096, 8192) and pvalloc(5000)"
  [ "$(count 'size = 100 AND align = 32')" -eq $((4 * N)) ] || fail "memalign(32, 100)"
  [ "$(count 'size = 1000 AND align = 4096')" -eq $((4 * N)) ] || fail "valloc(1000)"
  [ "$(count 'size = 80 AND align IS NULL')" -ge $((4 * N)) ] || fail "calloc(10, 8)"
  [ "$(sql "SELECT count(DISTINCT cpu) FROM events WHERE trace_id = $id AND size = 200 AND align = 64")" -eq 4 ] \
    || fail "the 4 worker threads are not 4 CPUs"
  [ "$(sql "SELECT count(*) FROM events WHERE trace_id = $id AND op = 'realloc' AND size = 4096")" -ge $((4 * N)) ] \
    || fail "reallocarray(p, 2, 2048)"
  [ "$(sql "SELECT format || ' ' || source FROM traces WHERE id = $id")" = "record $PROGRAM $N" ] \
    || fail "format and source: $(sql "SELECT format, source FROM traces WHERE id = $id")"
  # The text summary, and the name's uniqueness.
  expect_code 0 "$ALLOCSIM" record --name text -- "$PROGRAM" 1; contains out.txt "recorded 'text' into allocsim.db"
  expect_code 1 "$ALLOCSIM" record --name text -- "$PROGRAM" 1; contains err.txt "exists already"
  expect_code 0 "$ALLOCSIM" record --name text --replace -- "$PROGRAM" 1
  ;;
fold)
  expect_code 0 "$ALLOCSIM" record --cpus 2 --json -- "$PROGRAM" 10
  contains out.txt '"cpus":2'
  [ "$(field out.txt threads)" -ge 5 ] || fail "threads: $(cat out.txt)"
  expect_code 2 "$ALLOCSIM" record --cpus 0 -- "$PROGRAM" 1; contains err.txt "--cpus"
  ;;
python3)
  command -v python3 >/dev/null || { echo "skip: no python3"; exit 0; }
  expect_code 0 "$ALLOCSIM" record --json -- python3 -c "$PYTHON_WORK"
  contains out.txt '"trace":"python3"'
  [ "$(field out.txt reallocs)" -gt 0 ] || fail "python3 made no realloc: $(cat out.txt)"
  [ "$(field out.txt allocs)" -gt 1000 ] || fail "python3 made few allocs: $(cat out.txt)"
  check_consistent out.txt python3
  # Threads: the threading module, 4 threads.
  expect_code 0 "$ALLOCSIM" record --json --name py-threads -- python3 -c "
import threading
def work():
$(sed 's/^/    /' <<<"$PYTHON_WORK")
ts = [threading.Thread(target=work) for _ in range(4)]
[t.start() for t in ts]; [t.join() for t in ts]"
  [ "$(field out.txt threads)" -ge 5 ] || fail "python3 with 4 threads: $(cat out.txt)"
  check_consistent out.txt py-threads
  ;;
perl)
  command -v perl >/dev/null || { echo "skip: no perl"; exit 0; }
  expect_code 0 "$ALLOCSIM" record --json -- perl -e "$PERL_WORK"
  [ "$(field out.txt reallocs)" -gt 0 ] || fail "perl made no realloc: $(cat out.txt)"
  [ "$(field out.txt allocs)" -gt 1000 ] || fail "perl made few allocs: $(cat out.txt)"
  check_consistent out.txt perl
  ;;
sqlite3)
  expect_code 0 "$ALLOCSIM" record --json --name sq -- sqlite3 :memory: "CREATE TABLE t(a, b);
    WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 20000)
    INSERT INTO t SELECT x, hex(randomblob(x % 200)) FROM c; CREATE INDEX i ON t(b); DELETE FROM t WHERE a % 2 = 0;"
  [ "$(field out.txt allocs)" -gt 1000 ] || fail "sqlite3 made few allocs: $(cat out.txt)"
  check_consistent out.txt sq
  ;;
failing_program)
  # A non-zero exit: what was recorded is imported, with a warning.
  expect_code 0 "$ALLOCSIM" record --json --name fails -- python3 -c "
import sys
x = [str(i) * 100 for i in range(1000)]
sys.exit(3)"
  contains err.txt "warning: 'python3' exited with code 3"
  contains out.txt '"program_exit_code":3'
  [ "$(field out.txt allocs)" -gt 0 ] || fail "nothing imported: $(cat out.txt)"
  # Killed by a signal after more calls than the interposer buffers: the written part is imported.
  expect_code 0 "$ALLOCSIM" record --json --name killed -- python3 -c "
import os, signal
for i in range(200000):
    x = [i] * 100
os.kill(os.getpid(), signal.SIGKILL)"
  contains err.txt "was killed by signal 9"
  contains out.txt '"program_exit_code":137'
  [ "$(field out.txt allocs)" -ge 65536 ] || fail "the written records were not imported: $(cat out.txt)"
  # Killed before anything was written: nothing stored.
  expect_code 1 "$ALLOCSIM" record --name early -- sh -c 'kill -9 $$'
  contains err.txt "recorded nothing; nothing stored"
  expect_code 0 "$ALLOCSIM" traces --json
  contains out.txt '"name":"fails"'; contains out.txt '"name":"killed"'
  [ "$(grep -o '"name"' out.txt | wc -l)" -eq 2 ] || fail "expected 2 traces: $(cat out.txt)"
  no_log_left
  ;;
missing_program)
  expect_code 1 "$ALLOCSIM" record -- ./no-such-program --flag; contains err.txt "cannot run './no-such-program'"
  expect_code 1 "$ALLOCSIM" record -- no-such-program-in-path; contains err.txt "No such file or directory"
  expect_code 2 "$ALLOCSIM" record; contains err.txt "after --"
  expect_code 2 "$ALLOCSIM" record python3; contains err.txt "after --"
  expect_code 0 "$ALLOCSIM" record --help; contains out.txt "usage: allocsim record"
  expect_code 0 "$ALLOCSIM" --help; contains out.txt "record"
  expect_code 0 "$ALLOCSIM" traces --json
  grep -q '"name"' out.txt && fail "a trace was stored: $(cat out.txt)"
  ALLOCSIM_PRELOAD=/nonexistent.so "$ALLOCSIM" record -- true >out.txt 2>err.txt && fail "a missing interposer worked"
  contains err.txt "ALLOCSIM_PRELOAD"
  no_log_left
  ;;
interrupt)
  # Ctrl-C reaches the whole foreground process group: the program dies of it,
  # allocsim survives it and imports what was recorded. The group is a new session
  # whose leader is allocsim, with SIGINT back to its default (a background job of a
  # script starts with SIGINT ignored). The program stops by itself after 20 s.
  python3 -c 'import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.setsid(); os.execv(sys.argv[1], sys.argv[1:])' \
    "$ALLOCSIM" record --json --name interrupted -- python3 -c "
import time
open('started', 'w').close()
end = time.time() + 20
while time.time() < end:
    x = [[i] * 100 for i in range(100)]
    time.sleep(0.001)" >out.txt 2>err.txt &
  leader=$!
  for _ in $(seq 1 200); do [ -e started ] && break; sleep 0.05; done
  [ -e started ] || fail "python3 did not start"
  sleep 0.3
  kill -INT -- "-$leader"
  wait $leader || fail "allocsim record did not survive the Ctrl-C: $(cat err.txt)"
  contains err.txt "was killed by signal 2"
  contains out.txt '"program_exit_code":130'
  sed 's/"program_exit_code":130/"program_exit_code":0/' out.txt > summary.json  # the rest must hold as usual
  check_consistent summary.json interrupted
  ;;
*) fail "unknown case $CASE" ;;
esac
echo "ok: $CASE"
