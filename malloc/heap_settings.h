// The settings of a process's heap, from ALLOCSIM_SET ("key=value,key=value"): the
// keys of `allocsim replay --set` that shape the core (docs/ENGINE.md lists them),
// and `region`. Parsed without allocating (it runs inside the first malloc).
#pragma once

#include <cstddef>

#include "alloc/config.h"

namespace allocsim::malloc_lib {

struct HeapSettings {
    AllocatorConfig config;
    // The reservation; 0: the machine's physical memory (at least 4 GiB). Only what
    // the heap uses costs memory: the buddy takes the reservation on 64 MiB at a time.
    std::size_t region_bytes = 0;

    // Applies `text` (null or empty: nothing). Returns null, or the error: "ALLOCSIM_SET:
    // ..." naming the key or value refused (a static buffer, valid until the next call).
    const char* apply(const char* text);
};

}  // namespace allocsim::malloc_lib
