// The platform the replay runs the core on: one host thread plays every modeled
// CPU in turn, so a lock is never found held and the CPU is whatever the engine
// passes. Contention is not lost: the core still reports every lock it takes
// (LockAcquire actions) and the replayer makes CPUs wait in simulated time.
#pragma once

#include <cstdint>

#include "alloc/platform/platform.h"

namespace allocsim::engine {

struct SimPlatform {
    class Lock {
    public:
        bool try_lock() {
            if (held_) return false;
            held_ = true;
            return true;
        }
        // Invariant: the replay is single-threaded and the core never takes a lock
        // it holds, so a lock is never held here.
        void lock() { held_ = true; }
        void unlock() { held_ = false; }

    private:
        bool held_ = false;
    };
    static CpuId current_cpu() { return CpuId{0}; }  // the core is always told the CPU
    static void cpu_relax() {}
    static std::uint64_t cycles() { return 0; }  // modeled time lives in the replayer
};

static_assert(Platform<SimPlatform>);

}  // namespace allocsim::engine
