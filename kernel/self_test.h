// The kernel's self-test of the unchanged core, run at every boot without a plan,
// and the deliberate failures behind -append, which show that a failing kernel is
// reported as one (tests/kernel/test_boot.sh).
#pragma once

namespace allocsim::kernel {

// Small objects on two CPU ids, a large run and a page block, all freed again, with
// the core's check() between. With `break_bin` (selftest=bad-check), a
// use-after-free write then breaks a bin, which check() must catch. Prints the
// verdict line; returns whether check() passed.
bool run_core_self_test(bool break_bin);

// selftest=triple-fault: an empty IDT and a breakpoint; QEMU then stops
// (-no-reboot) without the success status.
[[noreturn]] void triple_fault();

// selftest=page-fault: a write above the mapped 4 GiB, which the exception handler
// reports.
void page_fault();

}  // namespace allocsim::kernel
