// The whole platform contract of the core, after mimalloc's prim.h: a lock, the
// calling CPU's id, a pause hint and a cycle clock. The core takes the platform as
// a template parameter, so it costs no indirection.
//
//   struct P {
//       class Lock {                 // a non-recursive mutual-exclusion lock
//           bool try_lock();         // true if taken; never blocks
//           void lock();             // blocks (spins) until taken
//           void unlock();           // REQUIRES: held by the caller
//       };
//       static CpuId current_cpu();  // the CPU (host: registered thread) running the caller
//       static void cpu_relax();     // spin-wait hint
//       static std::uint64_t cycles();  // serialized cycle counter (RDTSC after LFENCE)
//   };
//
// Implementations: alloc/platform/host/ (threads), kernel/ (APIC id, spinlock),
// tests/freestanding/ (a single-CPU stub used to prove the freestanding build).
#pragma once

#include <concepts>
#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

template <class P>
concept Platform = requires(typename P::Lock& lock) {
    { lock.try_lock() } -> std::same_as<bool>;
    lock.lock();
    lock.unlock();
    { P::current_cpu() } -> std::same_as<CpuId>;
    P::cpu_relax();
    { P::cycles() } -> std::same_as<std::uint64_t>;
};

}  // namespace allocsim
