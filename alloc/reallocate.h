// realloc, written once for every allocator with allocate/usable_size/deallocate:
// stay in place while the new size fits and wastes at most half of the block (or
// the block is a minimal one), else move.
#pragma once

#include <cstddef>

#include "alloc/types.h"

namespace allocsim {

// Null, with p untouched, when out of memory or when p is not the allocator's
// (usable_size 0; the caller reports that).
template <class Allocator>
void* reallocate_in(Allocator& a, CpuId cpu, void* p, std::size_t new_size, std::size_t usable,
                    std::size_t smallest_block) {
    if (p == nullptr) return a.allocate(cpu, new_size);
    if (usable == 0) return nullptr;
    if (new_size <= usable && (new_size > usable / 2 || usable <= smallest_block)) return p;
    void* q = a.allocate(cpu, new_size);
    if (q == nullptr) return nullptr;
    __builtin_memcpy(q, p, new_size < usable ? new_size : usable);
    a.deallocate(cpu, p);
    return q;
}

}  // namespace allocsim
