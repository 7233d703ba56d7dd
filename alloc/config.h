// Everything about the core that a user may choose: CPUs, cache sizes, batches,
// buddy orders, lock granularity and the size-class table. Plain data, so the
// engine can set any field from `--set key=value`.
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

enum class BuddyLockMode : std::uint8_t {
    Global,    // one lock for the whole buddy: each operation takes it once
    PerOrder,  // one lock per order: split and coalesce take one order's lock at a time
};

struct AllocatorConfig {
    std::uint32_t cpus = 1;                 // 1..kMaxCpus
    std::uint32_t cache_capacity = 64;      // objects per bin (the seed's 64)
    std::uint32_t refill_batch = 32;        // objects moved slab -> bin on a miss
    std::uint32_t drain_batch = 32;         // objects moved bin -> slab when a bin is full
    // A bin's bound in bytes: a class's bin holds at most max(1, cache_bin_bytes / size)
    // objects (and at most cache_capacity); its refills and drains move at most half
    // of that. 0: objects only. Bins of large classes were most of the footprint of
    // small heaps (docs/DESIGN.md, "Memory").
    std::uint32_t cache_bin_bytes = 8192;
    // A slab run wastes at most this many thousandths of itself in its tail, where
    // a run of at most 16 pages can (else the run with the least waste).
    std::uint32_t run_tail_permille = 125;
    // Objects above the classes: an exact page run, its tail pages given back
    // (BuddyAllocator::allocate_exact), or, when false, the whole power-of-two block
    // (and whole max-order blocks above it), as the first core did.
    bool exact_page_runs = true;
    std::uint32_t buddy_max_order = 8;      // 4 KiB << 8 = 1 MiB blocks
    BuddyLockMode buddy_lock = BuddyLockMode::Global;  // as Linux's zone lock; cheapest uncontended
    // Size classes in bytes, ascending multiples of 8, at most kMaxSizeClasses and
    // at most kMaxSmallSize. Null means the default table (size_classes.h).
    const std::uint32_t* size_classes = nullptr;
    std::uint32_t size_class_count = 0;
};

// Why init() refused a configuration or region.
enum class InitError : std::uint8_t {
    None,
    BadCpuCount,
    BadCacheCapacity,
    BadBatch,
    BadMaxOrder,
    BadSizeClasses,
    RegionTooSmall,
};

const char* init_error_name(InitError e);

}  // namespace allocsim
