#!/bin/bash
# The KVM path, end to end, wherever /dev/kvm is usable (skipped, with the reason,
# elsewhere: ctest reports it as skipped, exit 77).
#   capture --accel kvm boots the kernel with the first CPU model the probe finds
#   (on a nested host -cpu host fails and another model is used: the run says which),
#   times every event, and stores the run judged: cycle-accurate or not, with the
#   reason (engine/measure/clock_check.h). The verdict must follow the figures the
#   run carries, calibrate must refuse a run that is not cycle-accurate unless
#   --force, and compare must warn on it.
# usage: test_kvm.sh ALLOCSIM
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$HERE/../cli/helpers.sh"
ALLOCSIM=$1
if [ ! -e /dev/kvm ]; then echo "SKIP: no /dev/kvm on this machine: the KVM path cannot be tried here"; exit 77; fi
if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then echo "SKIP: /dev/kvm is not readable and writable by $(id -un)"; exit 77; fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

expect_code 0 "$ALLOCSIM" gen larson --cpus 2 --ops 2000 --name lar --db k.db
expect_code 0 "$ALLOCSIM" capture --trace lar --cpus 2 --accel kvm --timeout 300 --db k.db --json
cat out.txt
contains out.txt '"clock":"kvm"'
contains out.txt '"events":2000'
grep -q '"qemu_cpu":"[a-z,-]*"' out.txt || fail "the run does not say which CPU model booted: $(cat out.txt)"
grep -q '"cycle_accurate":\(true\|false\)' out.txt || fail "no verdict: $(cat out.txt)"
timer=$(field out.txt timer_overhead)
echo "KVM here: CPU model $(grep -o '"qemu_cpu":"[^"]*"' out.txt), timer overhead $timer ticks"
if grep -q '"cycle_accurate":false' out.txt; then
  # Not cycles: the reason names what gave it away, and calibrate refuses the run.
  grep -q '"clock_note":"[^"]*ticks against the host' out.txt || fail "no reason for the verdict: $(cat out.txt)"
  expect_code 1 "$ALLOCSIM" calibrate --measured 1 --db k.db; contains err.txt "is not cycle-accurate"
  expect_code 0 "$ALLOCSIM" calibrate --measured 1 --db k.db --force; contains err.txt "warning: measured run 1 is not cycle-accurate"
  expect_code 0 "$ALLOCSIM" compare --measured 1 --db k.db; contains err.txt "warning: measured run 1 is not cycle-accurate"
  expect_code 0 "$ALLOCSIM" runs --measured --db k.db; contains out.txt "not cycle-accurate:"
  echo "verdict: not cycle-accurate (a nested or trapping host), as the figures say"
else
  # Real cycles (bare metal): the timer reads what hardware reads, calibrate fits it.
  [ "$timer" -le 500 ] || fail "judged cycle-accurate with a timer overhead of $timer ticks"
  expect_code 0 "$ALLOCSIM" calibrate --measured 1 --db k.db; contains out.txt "R²"
  echo "verdict: cycle-accurate"
fi
# --accel auto takes the same path (the probe's choice is kept for the process).
expect_code 0 "$ALLOCSIM" capture --trace lar --cpus 1 --db k.db --json
contains out.txt '"clock":"kvm"'
echo PASS
