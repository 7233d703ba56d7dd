#!/bin/bash
# The kernel boots under QEMU (software emulation, no KVM), runs the unchanged core's
# self-test and exits through isa-debug-exit with the success status, 33. Any other
# status (a failed check, an assertion, a triple fault with -no-reboot) or a QEMU
# still running after the timeout fails the test.
# usage: test_boot.sh KERNEL_IMAGE
set -u
image=$1
command -v qemu-system-x86_64 >/dev/null || { echo "FAIL: qemu-system-x86_64 is not installed (scripts/setup.sh installs it)" >&2; exit 1; }
out=$(mktemp)
trap 'rm -f "$out"' EXIT
timeout 60 qemu-system-x86_64 -kernel "$image" -debugcon "file:$out" -display none -no-reboot -m 128M \
  -device isa-debug-exit,iobase=0xf4,iosize=0x04 -smp 2 </dev/null
status=$?
cat "$out"
[ $status -eq 124 ] && { echo "FAIL: QEMU still running after 60 s" >&2; exit 1; }
[ $status -eq 33 ] || { echo "FAIL: QEMU exited with status $status, not 33 (success)" >&2; exit 1; }
grep -q "^allocsim kernel: long mode, cpu 0$" "$out" || { echo "FAIL: no boot line" >&2; exit 1; }
grep -q "^timer overhead: [0-9]* cycles$" "$out" || { echo "FAIL: no timer overhead line" >&2; exit 1; }
grep -q "^core self-test: check ok" "$out" || { echo "FAIL: the core's self-test did not pass" >&2; exit 1; }
echo "PASS"
