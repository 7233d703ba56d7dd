#!/bin/bash
# The kernel under QEMU (software emulation, no KVM).
#   pass:          it boots, runs the unchanged core's self-test and exits through
#                  isa-debug-exit with the success status, 33.
#   bad-check:     booted with selftest=bad-check, a broken bin fails check(); the
#                  verdict must be a failure (status 7), never a pass.
#   page-fault:    booted with selftest=page-fault, a write above the mapped 4 GiB
#                  reaches the exception handler, which prints the vector, the
#                  error code, RIP, CR2 and the registers, and exits with status 11.
#   triple-fault:  booted with selftest=triple-fault, QEMU stops on the fault
#                  (-no-reboot); the verdict must be a failure.
#   probe:         booted with `probe` (allocsim capture's check of an accelerator
#                  and CPU model): the boot line, the timer overhead, "probe ok",
#                  status 33, and no self-test.
#   smp:           booted with -smp 4 and cpus=4, the kernel wakes the three APs;
#                  each CPU prints "cpu K: up" once (K = 0..3), then "cpus: 4 running".
# The verdict is the one rule the host side uses too: status 33 and the three lines,
# else a failure; a QEMU still running after the timeout is killed and fails.
# usage: test_boot.sh KERNEL_IMAGE pass|bad-check|page-fault|triple-fault|probe|smp
# QEMU_EXTRA_ARGS adds options to QEMU's, e.g. QEMU_EXTRA_ARGS="-accel tcg,thread=multi".
set -u
image=$1
mode=$2
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v qemu-system-x86_64 >/dev/null || fail "qemu-system-x86_64 is not installed (scripts/setup.sh installs it)"
out=$(mktemp)
trap 'rm -f "$out"' EXIT

append=""
cpus=2
case $mode in
  pass) ;;
  smp) append="cpus=4"; cpus=4 ;;
  probe) append="probe" ;;
  *) append="selftest=$mode" ;;
esac
# shellcheck disable=SC2086  # QEMU_EXTRA_ARGS is a list of words
timeout 60 qemu-system-x86_64 -kernel "$image" -append "$append" -debugcon "file:$out" -display none -no-reboot \
  -m 128M -device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp "$cpus" ${QEMU_EXTRA_ARGS:-} </dev/null
status=$?
cat "$out"
[ $status -eq 124 ] && fail "QEMU still running after 60 s"

verdict=pass
[ $status -eq 33 ] || verdict="failure (QEMU status $status)"
grep -q "^allocsim kernel: long mode, cpu 0$" "$out" || verdict="failure (no boot line)"
grep -q "^timer overhead: [0-9]* cycles, mean/256 [0-9]*$" "$out" || verdict="failure (no timer overhead line)"
if [ "$mode" = probe ]; then
  grep -q "^probe ok$" "$out" || verdict="failure (no 'probe ok' line)"
  grep -q "^core self-test" "$out" && verdict="failure (a probe ran the self-test)"
else
  grep -q "^core self-test: check ok" "$out" || verdict="failure (the self-test did not pass)"
fi
echo "verdict: $verdict"

case $mode in
  pass|probe) [ "$verdict" = pass ] || fail "the kernel did not pass: $verdict" ;;
  bad-check)
    [ "$verdict" != pass ] || fail "a broken bin was judged a pass"
    [ $status -eq 7 ] || fail "expected status 7 (a failed check), got $status"
    grep -q "^core self-test: check FAILED" "$out" || fail "no failed-check line" ;;
  page-fault)
    [ "$verdict" != pass ] || fail "a page fault was judged a pass"
    [ $status -eq 11 ] || fail "expected status 11 (a CPU exception), got $status"
    grep -q "^CPU exception 14 (page fault), error code 0x0000000000000002$" "$out" || fail "no exception report"
    grep -q "cr2=0x0000000200000000" "$out" || fail "the report lacks the faulting address"
    grep -q " rip=0x" "$out" || fail "the report lacks RIP"
    grep -q " r15=0x" "$out" || fail "the report lacks the registers" ;;
  triple-fault)
    [ "$verdict" != pass ] || fail "a triple fault was judged a pass"
    grep -q "^self-test: a triple fault, as asked$" "$out" || fail "the kernel did not reach the fault" ;;
  smp)
    [ "$verdict" = pass ] || fail "the kernel did not pass: $verdict"
    grep -q "^cpus: 4 running$" "$out" || fail "no 'cpus: 4 running' line"
    [ "$(grep -c "^cpu [0-9]*: up$" "$out")" -eq 4 ] || fail "expected four 'cpu K: up' lines"
    for k in 0 1 2 3; do
      [ "$(grep -c "^cpu $k: up$" "$out")" -eq 1 ] || fail "expected one 'cpu $k: up' line"
    done ;;
  *) fail "unknown mode '$mode'" ;;
esac
echo PASS
