// The settings of a process's heap, from ALLOCSIM_SET ("key=value,key=value"): the
// keys of `allocsim replay --set` that shape the core (docs/ENGINE.md lists them),
// and `region`. Parsed without allocating (it runs inside the first malloc).
#pragma once

#include <cstddef>

#include "alloc/config.h"

namespace allocsim::malloc_lib {

struct HeapSettings {
    AllocatorConfig config;
    std::size_t region_bytes = std::size_t{1} << 30;

    // Applies `text` (null or empty: nothing). Returns null, or the error: "ALLOCSIM_SET:
    // ..." naming the key or value refused (a static buffer, valid until the next call).
    const char* apply(const char* text);
};

}  // namespace allocsim::malloc_lib
