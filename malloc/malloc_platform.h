// The platform contract (alloc/platform/platform.h) for the core inside a process's
// malloc: locks that spin then yield (HostPlatform's), and the calling thread's CPU
// slot (cpu_slots.h) as its CPU. Nothing here may allocate.
#pragma once

#include <cstdint>

#include "alloc/platform/host/host_platform.h"
#include "malloc/cpu_slots.h"

namespace allocsim::malloc_lib {

struct MallocPlatform {
    using Lock = HostPlatform::Lock;
    static CpuId current_cpu() { return CpuId{static_cast<std::uint16_t>(CpuSlots::current())}; }
    static void cpu_relax() { __builtin_ia32_pause(); }
    static std::uint64_t cycles() { return HostPlatform::cycles(); }
    static void yield() { HostPlatform::yield(); }
};

}  // namespace allocsim::malloc_lib
