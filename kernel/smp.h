// SMP bring-up: the BSP wakes the application processors (APs) with INIT-SIPI-SIPI
// and each runs C++ on a stack of its own (docs/KERNEL.md, "SMP").
#pragma once

namespace allocsim::kernel {

inline constexpr unsigned kMaxKernelCpus = 16;

// Wakes the APs with a broadcast INIT-SIPI-SIPI through the local APIC at 0xFEE00000
// and waits until `wanted` CPUs in all (the BSP included; at most kMaxKernelCpus) have
// checked in, or until a timeout of about one second. Every AP loads the BSP's GDT,
// CR3 and IDT and takes a 64 KiB stack of its own. Those whose cpu id (the initial
// APIC id, as KernelPlatform::current_cpu() reports: QEMU numbers CPUs 0..N-1) is
// below `wanted` check in and run ap_entry(cpu); the others, and any that come after
// the timeout, halt without running it. ap_entry should never return; an AP whose
// ap_entry returns halts.
// Returns how many CPUs run, the BSP included. Call it once, from the BSP (id 0).
unsigned start_cpus(unsigned wanted, void (*ap_entry)(unsigned cpu));

}  // namespace allocsim::kernel
