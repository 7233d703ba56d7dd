// The host implementation of the platform contract (alloc/platform/platform.h):
// threads stand for CPUs. This is the only part of alloc/ allowed to call the OS.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/platform/platform.h"

namespace allocsim {

struct HostPlatform {
    // Test-and-test-and-set spinlock. After a short spin it yields the core: the
    // machine may have fewer cores than threads, and a preempted holder must run.
    class Lock {
    public:
        bool try_lock() {
            return !held_.load(std::memory_order_relaxed) &&
                   !held_.exchange(true, std::memory_order_acquire);
        }
        void lock() {
            for (unsigned spins = 0; !try_lock(); ++spins) {
                if (spins < 64) cpu_relax();
                else yield();
            }
        }
        void unlock() { held_.store(false, std::memory_order_release); }

    private:
        std::atomic<bool> held_{false};
    };

    // The calling thread's CPU id, as registered with set_current_cpu (default 0).
    static CpuId current_cpu();
    static void set_current_cpu(CpuId cpu);
    static void cpu_relax() { __builtin_ia32_pause(); }
    static std::uint64_t cycles() {
        // LFENCE keeps RDTSC from running ahead of earlier instructions. Inline asm,
        // not the SSE2 builtin, so it builds with -mgeneral-regs-only.
        std::uint32_t lo, hi;
        asm volatile("lfence\n\trdtsc" : "=a"(lo), "=d"(hi) : : "memory");
        return (std::uint64_t{hi} << 32) | lo;
    }
    static void yield();
};

static_assert(Platform<HostPlatform>);

}  // namespace allocsim
