// A single-CPU platform with no OS under it: what the freestanding proof links
// against. It is the kernel's platform (the same spinlock and RDTSC, all legal in
// user mode) except for the CPU id: the proof runs as a Linux process on whichever
// core, so it is always CPU 0 here.
#pragma once

#include "kernel/platform/kernel_platform.h"

namespace allocsim {

struct FreestandingPlatform : kernel::KernelPlatform {
    static CpuId current_cpu() { return CpuId{0}; }
};

static_assert(Platform<FreestandingPlatform>);

}  // namespace allocsim
