// Everything about the core that a user may choose: CPUs, cache sizes, batches,
// buddy orders, lock granularity and the size-class table. Plain data, so the
// engine can set any field from `--set key=value`.
#pragma once

#include <cstddef>
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
    // Objects moved bin -> slab when a bin is full: at most the bin's bound, so a batch
    // at or above it drains the whole bin (docs/DESIGN.md).
    std::uint32_t drain_batch = 32;
    // A bin's bound in bytes: a class's bin holds at most max(1, cache_bin_bytes / size)
    // objects (and at most cache_capacity); its refills and drains move at most half
    // of that. 0: objects only. Bins of large classes were most of the footprint of
    // small heaps (docs/DESIGN.md, "Memory").
    std::uint32_t cache_bin_bytes = 8192;
    // Bins sized by use (alloc/bin_sizer.h): a bin's bound starts at
    // cache_min_capacity objects (or its class's bound, if lower), doubles at each
    // miss up to the class's bound, and halves when the bin overflows having only
    // freed. false: every bin holds up to its class's bound from the start.
    bool adaptive_bins = false;
    std::uint32_t cache_min_capacity = 4;
    // Slow-path events of a CPU between two idle-trim visits, each to one class in
    // turn (bin_sizer.h); 0: no idle trim.
    std::uint32_t cache_trim_every = 0;
    // The owner takes a class's remote queue back at every refill of it; false: only
    // when it has no partial run left (before carving a new one).
    bool eager_remote_collect = false;
    // A run more than half free moves to the back of its slab's partial list, so
    // refills fill the fuller runs first and the emptier ones can drain and go back
    // to the buddy; false: the partial list is LIFO.
    bool fullest_runs_first = false;
    // A slab run wastes at most this many thousandths of itself in its tail, where
    // a run of at most 16 pages can (else the run with the least waste).
    std::uint32_t run_tail_permille = 125;
    // Objects above the classes: an exact page run, its tail pages given back
    // (BuddyAllocator::allocate_exact), or, when false, the whole power-of-two block
    // (and whole max-order blocks above it), as the first core did.
    bool exact_page_runs = true;
    // Slab runs of any page count up to 16, cut as exact page runs (the smallest
    // count that keeps the tail within run_tail_permille): the 3, 6, 10 and 12 KiB
    // classes then take 3, 3, 5 and 3 pages instead of 4, 8, 8 and 16, so a lightly
    // used large class holds fewer free objects. false: a power of two pages.
    bool exact_slab_runs = true;
    std::uint32_t buddy_max_order = 8;      // 4 KiB << 8 = 1 MiB blocks
    // The bytes of the region the buddy manages from the start (0: all). The rest it
    // takes on as it runs out, writing its descriptors only then: a large reservation
    // (a process's malloc) costs memory as it is used. Replays and the kernel manage
    // all of it.
    std::size_t initial_region_bytes = 0;
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
