// FreeClassHint: the class an unsized free is likely to push to, known before the
// page descriptor that says for sure.
//
// Why it exists. An unsized free finds its object's class in the page descriptor,
// so the address of its push (the class's bin) waits for that load. A malloc of the
// same class right after it (the commonest pattern there is: a temporary freed at
// once) reads that bin's head, and must wait for the push's address to be known;
// so alloc and free form one chain of dependent loads through the descriptor, and
// such a loop ran at twice the time of the same loop with sized free (10 against
// 4 TSC ticks per operation, docs/BENCHMARKS.md).
//
// The hint breaks the chain with branch prediction. Each allocation from a bin
// records the object and its class in one word (one store). A free of that very
// object pushes into the recorded class's bin, an address known at once, after a
// predicted branch has checked that the descriptor says the same class; every other
// free takes the descriptor's class as before. The descriptor is still read and
// checked in full either way: the hint only says which bin's address to compute
// early, never that a pointer is valid.
//
// One per CPU, on its own cache line: each CPU writes its own on every allocation.
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

struct alignas(64) FreeClassHint {
    // The last object handed out, with its class in the top byte (exclusive or, so
    // that any address, a kernel's upper-half one too, keeps its low 56 bits).
    std::uintptr_t word = 0;

    ALLOCSIM_ALWAYS_INLINE void record(const void* p, SizeClass c) {
        word = reinterpret_cast<std::uintptr_t>(p) ^ (std::uintptr_t{index_of(c)} << 56);
    }
    // The recorded class if p is the recorded object; else any class index below
    // kMaxSizeClasses (so a bin address computed from it stays inside the cache).
    ALLOCSIM_ALWAYS_INLINE SizeClass guess(const void* p) const {
        return SizeClass{static_cast<std::uint8_t>(((word ^ reinterpret_cast<std::uintptr_t>(p)) >> 56) & (kMaxSizeClasses - 1))};
    }
    // Whether p is the recorded object and c its recorded class.
    ALLOCSIM_ALWAYS_INLINE bool confirms(const void* p, SizeClass c) const {
        return (word ^ reinterpret_cast<std::uintptr_t>(p)) == std::uintptr_t{index_of(c)} << 56;
    }
};

static_assert((kMaxSizeClasses & (kMaxSizeClasses - 1)) == 0, "guess() masks a class index");
static_assert(sizeof(FreeClassHint) == 64, "one cache line per CPU");

}  // namespace allocsim
