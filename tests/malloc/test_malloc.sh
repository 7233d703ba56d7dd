#!/bin/bash
# liballocsim-malloc.so under real programs and its own API test, one case per ctest.
# Each real program's output with the library preloaded must be byte-identical to
# its output without it; the library must really have been loaded (ALLOCSIM_SET with
# a bad key makes a preloaded library fail loudly, checked once per program).
# usage: test_malloc.sh LIB API_TEST CASE
set -u
LIB=$1; API=$2; CASE=$3
W=$(mktemp -d); trap 'rm -rf "$W"' EXIT; cd "$W"
fail() { echo "FAIL ($CASE): $*" >&2; exit 1; }
with() { LD_PRELOAD="$LIB" "$@"; }
# Runs "$@" without and with the library; outputs must be identical.
same() {
  "$@" > plain.out 2> plain.err || fail "without the library: $* exited $?: $(tail -3 plain.err)"
  with "$@" > lib.out 2> lib.err || fail "with the library: $* exited $?: $(tail -3 lib.err)"
  cmp -s plain.out lib.out || fail "$*: the outputs differ: $(diff plain.out lib.out | head -5)"
  # Loaded at all: a bad setting stops the program at its first allocation.
  if ALLOCSIM_SET=no.such.key=1 LD_PRELOAD="$LIB" "$@" > /dev/null 2> bad.err; then fail "$*: ran with a bad ALLOCSIM_SET: the library was not loaded"; fi
  grep -q "allocsim-malloc: ALLOCSIM_SET: no.such.key" bad.err || fail "$*: no ALLOCSIM_SET error: $(head -3 bad.err)"
}
need() { command -v "$1" > /dev/null || { echo "skipped: $1 is not installed"; exit 77; }; }
export GIT_AUTHOR_DATE="2026-01-01T00:00:00Z" GIT_COMMITTER_DATE="2026-01-01T00:00:00Z"
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t
case "$CASE" in
api-c|api-cxx|threads|fork|big|release)
  with "$API" "${CASE#api-}" || fail "malloc_api_test ${CASE#api-} failed" ;;
invalid-free)
  with "$API" invalid-free 2> err.txt && fail "an invalid free did not abort"
  grep -Eq '^allocsim-malloc: free\(\): invalid pointer 0x[0-9a-f]+$' err.txt || fail "the message: $(cat err.txt)" ;;
double-free)
  with "$API" double-free 2> err.txt && fail "a double free did not abort"
  grep -Eq '^allocsim-malloc: free\(\): double free detected 0x[0-9a-f]+$' err.txt || fail "the message: $(cat err.txt)" ;;
stats)
  ALLOCSIM_STATS=1 LD_PRELOAD="$LIB" "$API" cxx 2> err.txt || fail "with ALLOCSIM_STATS=1: $(tail -3 err.txt)"
  [ "$(grep -c '^allocsim-malloc: stats (ALLOCSIM_STATS), pid ' err.txt)" = 1 ] || fail "not one report: $(cat err.txt)"
  grep -Eq '^  thread cache  alloc hits [1-9][0-9]*, misses [0-9]+: hit rate [0-9]+\.[0-9]%' err.txt || fail "$(cat err.txt)"
  grep -Eq '^  buddy         blocks out [1-9][0-9]*, back [0-9]+, splits [0-9]+, coalesces [0-9]+' err.txt || fail "$(cat err.txt)"
  grep -Eq '^  footprint     peak [1-9][0-9]* B, now [0-9]+ B, of which: objects handed out [0-9]+' err.txt || fail "$(cat err.txt)"
  LD_PRELOAD="$LIB" "$API" cxx 2> err.txt || fail "without ALLOCSIM_STATS"
  [ ! -s err.txt ] || fail "printed without ALLOCSIM_STATS: $(cat err.txt)" ;;
settings)
  ALLOCSIM_SET="cache.capacity=128,buddy.lock=per-order,region=256MiB" LD_PRELOAD="$LIB" "$API" c || fail "valid settings refused"
  ALLOCSIM_SET="cache.capacity=0" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "cache.capacity=0 accepted"
  grep -q "allocsim-malloc: ALLOCSIM_SET: cache.capacity=0: is out of range" err.txt || fail "$(cat err.txt)"
  ALLOCSIM_SET="buddy.lock=sometimes" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "buddy.lock=sometimes accepted"
  grep -q "is not global or per-order" err.txt || fail "$(cat err.txt)"
  ALLOCSIM_SET="cache.adaptive=on,slab.exact_runs=off,refill.batch=16,buddy.max_order=10,buddy.lock=global" \
    LD_PRELOAD="$LIB" "$API" threads || fail "the on/off and number keys refused"
  ALLOCSIM_SET="cache.adaptive=maybe" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "cache.adaptive=maybe accepted"
  grep -q "ALLOCSIM_SET: cache.adaptive=maybe: is out of range or not a value of this key" err.txt || fail "$(cat err.txt)"
  ALLOCSIM_SET="region" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "a key without a value accepted"
  grep -q "ALLOCSIM_SET: region: is not KEY=VALUE" err.txt || fail "$(cat err.txt)"
  # size_classes: its sizes run to the next KEY=VALUE; malloc_usable_size shows the table.
  usable='import ctypes; c = ctypes.CDLL(None); c.malloc.restype = ctypes.c_void_p
c.malloc_usable_size.argtypes = [ctypes.c_void_p]; print(c.malloc_usable_size(c.malloc(100)))'
  LD_PRELOAD="$LIB" /usr/bin/python3 -c "$usable" > out.txt || fail "usable size: $(cat out.txt)"
  [ "$(cat out.txt)" = 128 ] || fail "malloc(100) under the default table: $(cat out.txt) usable bytes, not 128"
  LD_PRELOAD="$LIB" /usr/bin/python3 -c "${usable/malloc(100)/malloc(4400)}" > out.txt || fail "usable size: $(cat out.txt)"
  [ "$(cat out.txt)" = 4608 ] || fail "malloc(4400) (a page and its header): $(cat out.txt) usable bytes, not 4608"
  ALLOCSIM_SET="size_classes=16,32,48,64,80,96,112,128,256,512,1024,2048,4096,8192,16384,cache.capacity=64" \
    LD_PRELOAD="$LIB" /usr/bin/python3 -c "$usable" > out.txt || fail "size_classes refused: $(cat out.txt)"
  [ "$(cat out.txt)" = 112 ] || fail "malloc(100) with a 112-byte class: $(cat out.txt) usable bytes, not 112"
  ALLOCSIM_SET="size_classes=16,24" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "a 24-byte class accepted"
  grep -q "ALLOCSIM_SET: size_classes=24: is not a multiple of 16 (malloc's alignment)" err.txt || fail "$(cat err.txt)"
  ALLOCSIM_SET="size_classes=64,32" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "descending sizes accepted"
  grep -q "ALLOCSIM_SET: size_classes=32: is not ascending" err.txt || fail "$(cat err.txt)"
  # The core's own refusal names its reason.
  ALLOCSIM_SET="cache.capacity=12" LD_PRELOAD="$LIB" "$API" c 2> err.txt && fail "a batch above the capacity accepted"
  grep -q "ALLOCSIM_SET: the core refused its configuration: the refill batch must be" err.txt || fail "$(cat err.txt)" ;;
python)
  need python3
  cat > p.py <<'PY'
import json, re, threading
d = {str(i): [i, str(i) * (i % 7), {"k": i / 3}] for i in range(50000)}
s = json.dumps(d, sort_keys=True)
print(len(s), len(re.findall(r'"k": \d+\.\d+', s)), json.loads(s)["49999"][1][:10])
out = []
def work(k):
    local = [re.sub(r"\d", "#", json.dumps([k, i, "x" * (i % 50)])) for i in range(20000)]
    out.append((k, len("".join(local))))
ts = [threading.Thread(target=work, args=(k,)) for k in range(8)]
[t.start() for t in ts]; [t.join() for t in ts]
print(sorted(out))
PY
  same python3 p.py ;;
perl)
  need perl
  same perl -e 'my %h; $h{"k$_"} = [$_, "v" x ($_ % 40)] for 1..200000; my $n = 0; $n += length($h{$_}[1]) for sort keys %h; print scalar(keys %h), " $n\n"; my $s = join(",", map { $_ * 3 } 1..100000); $s =~ s/(\d)3/$1x/g; print length($s), "\n";' ;;
sqlite)
  need sqlite3
  cat > s.sql <<'SQL'
create table t(a integer primary key, b text, c real);
with recursive s(i) as (select 1 union all select i + 1 from s where i < 100000)
  insert into t select i, printf('%08d-%s', i * 7919 % 100003, hex(i)), i * 1.5 from s;
create index tb on t(b);
select count(*), sum(c), min(b), max(b) from t;
delete from t where a % 3 = 0;
vacuum;
select count(*) from t;
pragma integrity_check;
SQL
  rm -f a.db; "$(command -v sqlite3)" a.db < s.sql > plain.out 2>&1 || fail "sqlite3 without the library"
  rm -f a.db; with sqlite3 a.db < s.sql > lib.out 2>&1 || fail "sqlite3 with the library: $(tail -3 lib.out)"
  cmp -s plain.out lib.out || fail "sqlite3: the outputs differ: $(diff plain.out lib.out | head)"
  grep -qx ok lib.out || fail "integrity_check: $(tail -2 lib.out)" ;;
sort)
  need sort
  seq 300000 | awk '{ print ($1 * 7919) % 300007, "line", $1 }' > in.txt
  same sort -n -k1,1 -k3,3 in.txt
  same sort --parallel=2 -S 8M in.txt ;;
xz)
  need xz
  # Blocks of 256 KiB, so that both threads compress.
  seq 400000 | awk '{ print $1 % 997, $1 }' > in.txt
  same xz -T2 -2 --block-size=256KiB -c in.txt
  xz -T2 --block-size=256KiB -c in.txt > in.xz
  same xz -T2 -d -c in.xz ;;
git)
  need git
  mkdir repo; cd repo
  for d in a b c; do mkdir $d; for i in $(seq 60); do seq $((i * 50)) | sed "s/^/$d $i /" > $d/f$i.txt; done; done
  with git init -q . || fail "git init"
  with git add -A || fail "git add"
  with git commit -qm one || fail "git commit"
  for i in $(seq 20); do echo "change $i" >> a/f$i.txt; done
  with git commit -qam two || fail "git commit 2"
  with git repack -adq --threads=2 || fail "git repack"
  same git log --stat --format=%H%n%s
  same git fsck --strict
  same git rev-list --objects --all ;;
trace)
  # allocsim-trace-malloc: a generated trace through the process's malloc, with and
  # without the library: the same operations (its stdout), timed (its stderr).
  [ -n "${ALLOCSIM:-}" ] && [ -n "${TRACE_MALLOC:-}" ] || fail "ALLOCSIM and TRACE_MALLOC must name the binaries"
  "$ALLOCSIM" gen larson --cpus 4 --ops 200000 --db t.db > /dev/null || fail "allocsim gen"
  same "$TRACE_MALLOC" --db t.db --trace larson
  with "$TRACE_MALLOC" --db t.db --trace larson --json > j.txt || fail "--json"
  grep -Eq '^\{"trace":"larson","ops":200000,"threads":4,"seconds":[0-9.]+,"ns_per_op":[0-9.]+\}$' j.txt || fail "$(cat j.txt)"
  "$TRACE_MALLOC" --db t.db --trace nope 2> err.txt && fail "a missing trace was accepted"
  grep -q "allocsim-trace-malloc: .*nope" err.txt || fail "$(cat err.txt)" ;;
cpython)
  # CPython's own regression tests (Debian's libpython3.11-testsuite), a named subset:
  # the same verdict per test with the library as without it.
  PY=/usr/bin/python3
  [ -x $PY ] && $PY -c 'import test.test_dict' 2> /dev/null || { echo "skipped: CPython's test suite is not installed (libpython3.11-testsuite)"; exit 77; }
  TESTS="test_dict test_list test_set test_unicode test_threading test_json test_re test_bytes"
  summary() { grep -E '^(All [0-9]+ tests OK|[0-9]+ tests? (OK|failed|skipped|altered)|Tests result:|    test_)' "$1"; }
  $PY -m test -j2 $TESTS > plain.out 2>&1; plain=$?
  with $PY -m test -j2 $TESTS > lib.out 2>&1; lib=$?
  [ $plain = $lib ] || fail "python3 -m test exited $plain without the library, $lib with it: $(tail -5 lib.out)"
  [ "$(summary plain.out)" = "$(summary lib.out)" ] || fail "the verdicts differ: $(diff <(summary plain.out) <(summary lib.out) | head)"
  grep -q '^Tests result: SUCCESS' lib.out || fail "$(tail -5 lib.out)"
  summary lib.out ;;
gxx)
  need g++
  cat > c.cpp <<'CPP'
#include <cstdio>
#include <map>
#include <string>
#include <vector>
template <int N> struct Fib { static constexpr long v = Fib<N - 1>::v + Fib<N - 2>::v; };
template <> struct Fib<1> { static constexpr long v = 1; };
template <> struct Fib<0> { static constexpr long v = 0; };
int main() {
    std::map<std::string, std::vector<int>> m;
    for (int i = 0; i < 1000; ++i) m[std::to_string(i % 97)].push_back(i);
    std::printf("%zu %ld\n", m.size(), Fib<80>::v);
}
CPP
  g++ -O2 -o plain c.cpp || fail "g++ without the library"
  with g++ -O2 -o lib c.cpp || fail "g++ with the library"
  ./plain > plain.out; ./lib > lib.out
  cmp -s plain.out lib.out || fail "the compiled programs' outputs differ"
  g++ -O2 -S -o plain.s c.cpp; with g++ -O2 -S -o lib.s c.cpp
  cmp -s plain.s lib.s || fail "the assembly differs" ;;
*) echo "unknown case $CASE" >&2; exit 2 ;;
esac
echo "ok: $CASE"
