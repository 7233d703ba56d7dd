// CpuSlots: which of the core's per-CPU caches a thread uses.
//
// The core keeps a ThreadCache and slabs per CPU id and expects one thread at a time
// on each (the seed's option A: caches indexed by CPU id). A process has any number
// of threads, so threads are given slots:
// - the first kOwnedSlots threads to allocate each own a slot: their fast path takes
//   no lock, as on a real CPU;
// - threads beyond that share the last kSharedSlots slots, each behind a lock, a
//   thread's by a hash of its id: correct for any number of threads, slower;
// - a thread that exits gives its slot back, after draining its cache into the slabs
//   (so no object is stranded in a cache nobody uses), for the next thread to own.
// fork(): the child has one thread; the slots of the threads it lost stay taken (what
// they held mid-operation is unknown), so its new threads take other slots.
//
// Why not rseq (tcmalloc's per-CPU caches): a restartable sequence needs the cache
// push and pop written as one committing store in assembly, which the core's C++
// does not have, and the kernel's rseq ABI registration clashes with glibc's own
// registration (glibc 2.35+ registers rseq itself). Slots keep the core unchanged
// and make the common case (fewer threads than slots) lock-free. docs/DESIGN.md.
#pragma once

#include <cstdint>

#include "alloc/platform/host/host_platform.h"

namespace allocsim::malloc_lib {

inline constexpr std::uint32_t kSlots = 64;       // the core's kMaxCpus
inline constexpr std::uint32_t kSharedSlots = 8;
inline constexpr std::uint32_t kOwnedSlots = kSlots - kSharedSlots;

class CpuSlots {
public:
    // The calling thread's slot, claimed on its first call.
    static std::uint32_t current() {
        const int s = t_slot;
        return s >= 0 ? static_cast<std::uint32_t>(s) : claim();
    }
    // The calling thread's slot, or -1 if it has none yet. (No claim: the fast paths.)
    static int current_or_none() { return t_slot; }
    static bool shared(std::uint32_t slot) { return slot >= kOwnedSlots; }
    // The lock a shared slot's users take around every call into the core.
    static HostPlatform::Lock& lock(std::uint32_t slot) { return shared_locks_[slot - kOwnedSlots]; }

    // Owned slots in use (tests, statistics).
    static std::uint32_t owned_in_use();

private:
    static std::uint32_t claim();
    // constinit: no dynamic initialization, so other files read it without a call to
    // a TLS wrapper first.
    static constinit thread_local int t_slot __attribute__((tls_model("initial-exec")));
    static HostPlatform::Lock shared_locks_[kSharedSlots];
    friend void release_slot(void*);
};

}  // namespace allocsim::malloc_lib
