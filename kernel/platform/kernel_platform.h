// The kernel's platform layer (alloc/platform/platform.h): a spinlock, the CPU id
// and a serialized cycle counter, straight on the hardware.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/platform/platform.h"

namespace allocsim::kernel {

struct KernelPlatform {
    class Lock {
    public:
        constexpr Lock() = default;
        bool try_lock() { return !held_.exchange(true, std::memory_order_acquire); }
        void lock() {
            while (!try_lock())
                while (held_.load(std::memory_order_relaxed)) cpu_relax();
        }
        void unlock() { held_.store(false, std::memory_order_release); }

    private:
        std::atomic<bool> held_{false};
    };

    // The initial local APIC id, from CPUID leaf 1 (EBX bits 31..24): QEMU numbers
    // its CPUs 0..N-1, which is what the core's per-CPU caches are indexed by.
    static CpuId current_cpu() {
        std::uint32_t a = 1, b, c = 0, d;
        asm volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
        return CpuId{static_cast<std::uint16_t>(b >> 24)};
    }
    static void cpu_relax() { __builtin_ia32_pause(); }
    // LFENCE keeps RDTSC from running ahead of earlier instructions.
    static std::uint64_t cycles() {
        std::uint32_t lo, hi;
        asm volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
        return (std::uint64_t{hi} << 32) | lo;
    }
};

static_assert(Platform<KernelPlatform>);

}  // namespace allocsim::kernel
