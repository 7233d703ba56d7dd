// realloc, written once for every allocator with allocate/usable_size/deallocate.
// Each allocator says when a block may stay where it is (`in_place`); otherwise the
// object moves: allocate, copy the bytes both sizes share, free the old block.
#pragma once

#include <cstddef>

#include "alloc/types.h"

namespace allocsim {

// Null, with p untouched, when out of memory or when p is not the allocator's
// (usable 0; the caller reports that). REQUIRES: in_place implies new_size <= usable.
template <class Allocator>
void* reallocate_in(Allocator& a, CpuId cpu, void* p, std::size_t new_size, std::size_t usable, bool in_place) {
    if (p == nullptr) return a.allocate(cpu, new_size);
    if (usable == 0) return nullptr;
    if (in_place) return p;
    void* q = a.allocate(cpu, new_size);
    if (q == nullptr) return nullptr;
    __builtin_memcpy(q, p, new_size < usable ? new_size : usable);
    a.deallocate(cpu, p);
    return q;
}

}  // namespace allocsim
