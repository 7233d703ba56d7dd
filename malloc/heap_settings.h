// The settings of a process's heap, from ALLOCSIM_SET ("key=value,key=value"): the
// keys of `allocsim replay --set` that shape the core (docs/ENGINE.md lists them),
// and `region`. Parsed without allocating (it runs inside the first malloc).
// size_classes takes its list as --set does, comma-separated: the items after it
// without an '=' are its sizes ("size_classes=16,32,48,cache.capacity=128"). Each
// size is a multiple of 16, malloc's alignment.
#pragma once

#include <cstddef>

#include "alloc/config.h"
#include "alloc/types.h"

namespace allocsim::malloc_lib {

struct HeapSettings {
    AllocatorConfig config;
    // The reservation; 0: the machine's physical memory (at least 4 GiB). Only what
    // the heap uses costs memory: the buddy takes the reservation on 64 MiB at a time.
    std::size_t region_bytes = 0;
    // size_classes, when set: config.size_classes points here.
    std::uint32_t size_classes[kMaxSizeClasses] = {};

    // Applies `text` (null or empty: nothing). Returns null, or the error: "ALLOCSIM_SET:
    // ..." naming the key or value refused (a static buffer, valid until the next call).
    const char* apply(const char* text);
};

}  // namespace allocsim::malloc_lib
