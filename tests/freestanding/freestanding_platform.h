// A single-CPU platform with no OS under it: what the freestanding proof links
// against. The kernel brings a real one (APIC ids, a spinlock, RDTSC).
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/platform/platform.h"

namespace allocsim {

struct FreestandingPlatform {
    class Lock {
    public:
        constexpr Lock() = default;
        bool try_lock() { return !held_.exchange(true, std::memory_order_acquire); }
        void lock() {
            while (!try_lock()) cpu_relax();
        }
        void unlock() { held_.store(false, std::memory_order_release); }

    private:
        std::atomic<bool> held_{false};
    };
    static CpuId current_cpu() { return CpuId{0}; }
    static void cpu_relax() { __builtin_ia32_pause(); }
    static std::uint64_t cycles() {
        // LFENCE keeps RDTSC from running ahead of earlier instructions. Inline asm,
        // not the SSE2 builtin, so it builds with -mgeneral-regs-only.
        std::uint32_t lo, hi;
        asm volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
        return (std::uint64_t{hi} << 32) | lo;
    }
};

static_assert(Platform<FreestandingPlatform>);

}  // namespace allocsim
