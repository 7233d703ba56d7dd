#!/usr/bin/env bash
# The real-program corpus (docs/TRACES.md, "The real-program corpus"): real programs
# recorded with allocsim record at test time, and every trace replayed with check()
# after every event, its counts compared with trace_count.py's independent count.
#
#   corpus.sh record ALLOCSIM OUTDIR PROGRAM
#       records PROGRAM's workloads into OUTDIR/PROGRAM.db; for each trace T it writes
#       OUTDIR/T.count.json (the independent count), then OUTDIR/PROGRAM.traces
#   corpus.sh replay OUTDIR PROGRAM ALLOCATOR plain ALLOCSIM
#   corpus.sh replay OUTDIR PROGRAM ALLOCATOR asan ENGINE_TESTS_ASAN
#       replays each of PROGRAM's traces on 1, 2 and 4 modeled CPUs with
#       --check-every 1, through `allocsim replay` or under ASan+UBSan through the
#       engine suite's corpus case (tests/engine/test_corpus_replay.cpp); the plain
#       hybrid step also measures each trace on host threads and in the kernel
#
# PROGRAM: python3, perl, sqlite3, sort, xz, git or cpp. A program that is missing
# fails the test: scripts/setup.sh installs them all.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../cli/helpers.sh"
# Debian's python3 (scripts/setup.sh installs it), not whichever one PATH finds
# first: a pyenv shim is a shell script whose children would go unrecorded.
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || fail "$PYTHON is missing (scripts/setup.sh installs python3)"
COUNT=("$PYTHON" "$HERE/trace_count.py")
MAX_EVENTS=150000  # --check-every 1 walks the whole core per event: keep each trace small
CPU_COUNTS=(1 2 4)
ASAN_CASE="corpus replay of the trace the environment names"

need() { command -v "$1" >/dev/null || fail "'$1' is missing (scripts/setup.sh installs it)"; }

# record TRACE MIN_EVENTS PROGRAM ARGS...: records into $DB; checks the recording and
# stores the independent count, which must agree with the recorder's own summary.
record() {
  local name=$1 min=$2; shift 2
  expect_code 0 "$ALLOCSIM" record --db "$DB" --name "$name" --json -- "$@"
  head -n -1 out.txt > "$name.stdout"  # the program's own output; the summary is the last line
  tail -n 1 out.txt > "$name.record.json"
  local events
  events=$(field "$name.record.json" events)
  [ -n "$events" ] || fail "$name: no summary: $(cat out.txt)"
  [ "$events" -ge "$min" ] || fail "$name: $events events, expected at least $min: $(cat "$name.record.json")"
  [ "$events" -le "$MAX_EVENTS" ] || fail "$name: $events events, more than the corpus's $MAX_EVENTS: shrink its workload"
  [ "$(field "$name.record.json" skipped_unmatched)" -le $((events / 100 + 5)) ] || fail "$name: unmatched frees: $(cat "$name.record.json")"
  "${COUNT[@]}" count "$DB" "$name" > "$OUTDIR/$name.count.json" || fail "$name: the count failed"
  local wrong
  wrong=$("${COUNT[@]}" compare "$OUTDIR/$name.count.json" "$name.record.json" program_exit_code=0 replaced_live=0 malformed=0) \
    || fail "$name: the recorder's summary and the count differ: $wrong"
  TRACES+=("$name")
  echo "recorded $name: $(cat "$OUTDIR/$name.count.json")"
}
threads_at_least() {  # threads_at_least TRACE N
  [ "$(field "$1.record.json" threads)" -ge "$2" ] || fail "$1: expected $2 or more threads: $(cat "$1.record.json")"
}

# A 6 MB text file of 200000 lines in random order, the same on every machine.
make_text_file() {
  "$PYTHON" -c "
import random
r = random.Random(1)
with open('$1', 'w') as f:
    for i in range(200000):
        f.write('%08x %s\n' % (r.getrandbits(32), 'w' * r.randrange(40)))" || fail "cannot write $1"
}

PY_JSON='
import json
d = {"k%d" % i: {"id": i, "name": "n" * (i % 40), "tags": ["t%d" % j for j in range(i % 8)], "v": i / 7}
     for i in range(10000)}
s = json.dumps(d)
assert json.loads(s) == d
print(len(s))'
PY_THREADS='
import threading
def work(n):
    d = {}
    for i in range(6000):
        d[str(i) * (i % 5 + 1)] = [i] * (i % 200)
        if i % 1000 == 0:
            d.clear()
ts = [threading.Thread(target=work, args=(k,)) for k in range(3)]
[t.start() for t in ts]
[t.join() for t in ts]'
PERL_HASH='
my %h;
for my $i (1..4000) {
    $h{"k" x ($i % 7 + 1) . $i} = "v" x ($i % 300);
    push @{$h{list}}, $i;
    delete $h{"k" x (($i - 50) % 7 + 1) . ($i - 50)} if $i > 50;
    %h = () if $i % 1500 == 0;
}
print scalar(keys %h), "\n";'
SQLITE_WORK="CREATE TABLE t(a INTEGER PRIMARY KEY, b, c INTEGER);
INSERT INTO t SELECT value, value * 7919 % 100003, value % 97 FROM generate_series(1, 100000);
UPDATE t SET b = printf('%d-%s', b, hex(a)) WHERE a % 25 = 0;
CREATE INDEX tc ON t(c, b);
SELECT c, count(*), max(b), length(group_concat(b)) FROM t WHERE c > 10 GROUP BY c ORDER BY 2 DESC, 1 LIMIT 1;"

record_program() {
  case $PROGRAM in
  python3)
    record python-json 1000 "$PYTHON" -c "$PY_JSON"
    grep -qx '[0-9]*' python-json.stdout || fail "python-json printed: $(cat python-json.stdout)"
    record python-threads 5000 "$PYTHON" -c "$PY_THREADS"
    threads_at_least python-threads 4
    ;;
  perl)
    need perl
    record perl-hash 10000 perl -e "$PERL_HASH"
    ;;
  sqlite3)
    need sqlite3
    record sqlite3 10000 sqlite3 :memory: "$SQLITE_WORK"
    [ "$(cat sqlite3.stdout)" = "11|1031|97515-3736333530|6517" ] || fail "sqlite3's query printed: $(cat sqlite3.stdout)"
    ;;
  sort)
    need sort
    make_text_file big.txt
    record sort 100 sort -S 2M --parallel=2 -o sorted.txt big.txt
    sort -c sorted.txt || fail "sort's output is not sorted"
    [ "$(wc -l < sorted.txt)" -eq 200000 ] || fail "sort's output has $(wc -l < sorted.txt) lines"
    ;;
  xz)
    need xz
    make_text_file big.txt
    record xz 100 xz -T2 --block-size=256KiB -3 -k big.txt
    xz -dc big.txt.xz | cmp - big.txt || fail "xz's output does not decompress to its input"
    threads_at_least xz 3
    ;;
  git)
    need git
    # No configuration of the machine's or the user's, fixed names and dates. The
    # repository is repo/ (git -C), so the test's own files stay out of it.
    export HOME=$WORK/home GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=corpus GIT_AUTHOR_EMAIL=corpus@example.invalid \
      GIT_COMMITTER_NAME=corpus GIT_COMMITTER_EMAIL=corpus@example.invalid \
      GIT_AUTHOR_DATE=2024-01-01T00:00:00Z GIT_COMMITTER_DATE=2024-01-01T00:00:00Z
    mkdir -p "$HOME" repo || fail "cannot make the repository's folder"
    record git-init 100 git -C repo init -q -b main .
    # 300 files in 10 folders, then 3 commits that each append to 60 of them (deltas for the repack).
    "$PYTHON" -c "
import os, random
r = random.Random(2)
for d in range(10):
    os.makedirs('repo/d%d' % d)
    for f in range(30):
        with open('repo/d%d/f%d.txt' % (d, f), 'w') as out:
            out.write(''.join('line %d %s\n' % (i, 'x' * r.randrange(60)) for i in range(r.randrange(20, 200))))" \
      || fail "cannot write the repository's files"
    git -C repo add -A || fail "git add failed"
    record git-commit 300 git -C repo commit -q -m one
    for i in 1 2 3; do
      "$PYTHON" -c "
import random
r = random.Random($i)
for k in range(60):
    with open('repo/d%d/f%d.txt' % (r.randrange(10), r.randrange(30)), 'a') as out:
        out.write('more %d %d\n' % ($i, k))" || fail "cannot change the repository's files"
      git -C repo commit -qam "commit $i" || fail "git commit $i failed"
    done
    # git repack does its work in a child, git pack-objects, which the recorder does
    # not follow (only the recorded process records): so the child is recorded as
    # repack runs it (the arguments GIT_TRACE=1 shows), writing its pack aside, then
    # repack itself, whose own process reads the packs and removes the loose objects.
    record git-pack-objects 1000 git -C repo pack-objects --threads=2 --delta-base-offset "$WORK/pack-aside" \
      --keep-true-parents --honor-pack-keep --non-empty --all --reflog --indexed-objects </dev/null
    threads_at_least git-pack-objects 2
    record git-repack 100 git -C repo repack -a -d -q --threads=2
    git -C repo count-objects -v > objects.txt || fail "git count-objects failed"
    grep -qx 'count: 0' objects.txt && grep -qx 'packs: 1' objects.txt && grep -qx 'in-pack: 512' objects.txt \
      || fail "the repack left: $(tr '\n' ' ' < objects.txt)"
    ;;
  cpp)
    need g++
    g++ -std=c++17 -O2 -o cpp_workload "$HERE/cpp_workload.cpp" || fail "g++ could not build cpp_workload.cpp"
    record cpp 10000 ./cpp_workload
    grep -q '^[0-9]* keys, checksum [0-9]*$' cpp.stdout || fail "cpp_workload printed: $(cat cpp.stdout)"
    ;;
  *) fail "unknown program '$PROGRAM'" ;;
  esac
}

# replay_once TRACE CPUS: one replay, its summary in replay.json.
replay_once() {
  case $MODE in
  plain)
    expect_code 0 "$TOOL" replay --db "$DB" --trace "$1" --allocator "$ALLOCATOR" --cpus "$2" --check-every 1 --json
    mv out.txt replay.json
    ;;
  asan)
    rm -f replay.json
    expect_code 0 env ALLOCSIM_CORPUS_DB="$DB" ALLOCSIM_CORPUS_TRACE="$1" ALLOCSIM_CORPUS_ALLOCATOR="$ALLOCATOR" \
      ALLOCSIM_CORPUS_CPUS="$2" ALLOCSIM_CORPUS_OUT="$PWD/replay.json" "$TOOL" --no-skip "--test-case=$ASAN_CASE"
    [ -s replay.json ] || fail "the ASan replay of $1 wrote no summary (did the case '$ASAN_CASE' run?): $(cat out.txt)"
    ;;
  *) fail "unknown mode '$MODE'" ;;
  esac
}

case ${1:-} in
record)
  [ $# -eq 4 ] || fail "usage: corpus.sh record ALLOCSIM OUTDIR PROGRAM"
  ALLOCSIM=$2 OUTDIR=$3 PROGRAM=$4
  DB=$OUTDIR/$PROGRAM.db
  WORK=$OUTDIR/$PROGRAM.work
  mkdir -p "$OUTDIR" || fail "cannot make $OUTDIR"
  rm -rf "$WORK" "$DB" "$DB-wal" "$DB-shm" "$OUTDIR/$PROGRAM.traces"
  mkdir -p "$WORK/tmp" && cd "$WORK" || fail "cannot make $WORK"
  export TMPDIR=$WORK/tmp  # the recorder's log
  TRACES=()
  record_program
  printf '%s\n' "${TRACES[@]}" > "$OUTDIR/$PROGRAM.traces"
  cd "$OUTDIR" && rm -rf "$WORK"
  echo "ok: recorded ${TRACES[*]}"
  ;;
replay)
  [ $# -eq 6 ] || fail "usage: corpus.sh replay OUTDIR PROGRAM ALLOCATOR plain|asan ALLOCSIM|ENGINE_TESTS_ASAN"
  OUTDIR=$2 PROGRAM=$3 ALLOCATOR=$4 MODE=$5 TOOL=$6
  DB=$OUTDIR/$PROGRAM.db
  [ -s "$OUTDIR/$PROGRAM.traces" ] || fail "$PROGRAM was not recorded (corpus.record.$PROGRAM)"
  WORK=$(mktemp -d)
  trap 'rm -rf "$WORK"' EXIT
  cd "$WORK" || exit 1
  while read -r trace; do
    for cpus in "${CPU_COUNTS[@]}"; do
      started=$SECONDS
      replay_once "$trace" "$cpus"
      wrong=$("${COUNT[@]}" compare "$OUTDIR/$trace.count.json" replay.json failed_allocs=0 invariant_violations=0 cpus="$cpus") \
        || fail "$trace, $ALLOCATOR, $cpus CPUs ($MODE): the replay differs from the count: $wrong"
      echo "ok: $trace, $ALLOCATOR, $cpus CPUs ($MODE): $(field replay.json events) events, $((SECONDS - started)) s"
      if [ "$MODE" = plain ] && [ "$ALLOCATOR" = hybrid ]; then
        # The footprint floor (engine/replay/footprint_floor.h) is a lower bound on
        # the core's footprint under any policy: never above the replay's peak.
        expect_code 0 "$TOOL" floor --db "$DB" --trace "$trace" --cpus "$cpus" --json
        floor=$(field out.txt floor_footprint_bytes) peak=$(field replay.json peak_footprint_bytes)
        [ -n "$floor" ] && [ "$floor" -le "$peak" ] || fail "$trace, $cpus CPUs: the floor $floor B is above the replay's peak footprint $peak B"
        [ "$(field out.txt peak_live_bytes)" = "$(field replay.json peak_live_bytes)" ] || fail "$trace: the floor's peak live differs from the replay's"
        echo "ok: $trace, $cpus CPUs: footprint floor $floor B <= peak footprint $peak B"
      fi
    done
    if [ "$MODE" = plain ] && [ "$ALLOCATOR" = hybrid ]; then
      # The measured paths run the same core: on pinned host threads and in the
      # kernel under QEMU. Each stops with an error if the core's check() fails after
      # the run, and must time every event of the trace.
      expected=$("$PYTHON" -c 'import json, sys; print(json.load(open(sys.argv[1]))["events"])' "$OUTDIR/$trace.count.json")
      expect_code 0 "$TOOL" measure --db "$DB" --trace "$trace" --json
      [ "$(field out.txt events)" = "$expected" ] || fail "$trace: measure timed $(field out.txt events) of $expected events"
      echo "ok: $trace, measured on host threads"
      kernel=$(dirname "$TOOL")/allocsim-kernel
      if [ -f "$kernel" ]; then
        expect_code 0 "$TOOL" capture --db "$DB" --trace "$trace" --cpus 2 --accel tcg --timeout 300 --json
        [ "$(field out.txt events)" = "$expected" ] || fail "$trace: capture timed $(field out.txt events) of $expected events"
        echo "ok: $trace, captured in the kernel on 2 emulated CPUs"
      else
        echo "skip: $trace, kernel capture: no kernel image at $kernel (the build found no QEMU or no kernel toolchain)"
      fi
    fi
  done < "$OUTDIR/$PROGRAM.traces"
  ;;
*) fail "usage: corpus.sh record|replay ..." ;;
esac
