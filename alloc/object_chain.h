// Free objects are linked intrusively: the first word of a free object points to
// the next one. An ObjectChain is a detached run of such links, moved as a batch
// between a ThreadCache bin, a slab run's free list and a remote queue.
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

ALLOCSIM_ALWAYS_INLINE void* next_of(void* object) { return *static_cast<void**>(object); }
ALLOCSIM_ALWAYS_INLINE void set_next(void* object, void* next) { *static_cast<void**>(object) = next; }

struct ObjectChain {
    void* head = nullptr;  // first object, or null if empty
    void* tail = nullptr;  // last object; next_of(tail) is null once detached
    std::uint32_t count = 0;

    void append(void* first, void* last, std::uint32_t n) {
        set_next(last, nullptr);
        if (tail != nullptr) set_next(tail, first);
        else head = first;
        tail = last;
        count += n;
    }
};

}  // namespace allocsim
