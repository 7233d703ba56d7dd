// The kernel's measured replay of a measure plan (alloc/measure/measure_plan.h)
// handed in by the host as the first multiboot module (QEMU's -initrd).
//
// The BSP checks the plan and lays out memory after the kernel and the module: the
// per-object states, the records and the core's region. Each CPU that takes part
// (a runner) plays the plan CPUs c with c % runners == its APIC id, timing every
// operation (alloc/measure/timed_replay.h). When all are done the BSP runs the
// core's check() and streams everything out on the debug console:
//
//   plan: N ops, C cpus, R runners, region B bytes
//   progress N                   (now and then, from runner 0)
//   records N encoded B          then B bytes: the N records, compact (record_codec.h)
//   actions cache_hit=N ...      every action kind the core reported, in kind order
//   streamed B bytes in C cycles  how long the records took through the port
//   check ok                     then QEMU exits with the success status
#pragma once

#include <cstdint>

#include "kernel/multiboot.h"

namespace allocsim::kernel {

// Checks the module and lays out memory; on a bad plan prints why and fails with
// Failure::BadPlan. `timer_overhead` is subtracted from every measured operation.
// Returns the plan's CPU count.
std::uint32_t prepare_plan(const MultibootInfo* mb, std::uint64_t timer_overhead);

// Runs runner `runner`'s share once the BSP says go (run_plan_on_bsp); every
// runner but the BSP calls it on its own CPU, and marks itself done.
void run_plan_share(std::uint32_t runner);

// The BSP: sets the runner count, says go, runs its own share (runner 0), waits for
// the others, checks the core and streams the results. Never returns.
[[noreturn]] void run_plan_on_bsp(std::uint32_t runners);

}  // namespace allocsim::kernel
