// The cycle cost model: what each action of the core costs, in modeled CPU cycles.
// An operation's modeled cost is the sum, over the actions the core reported while
// doing it (alloc/action.h), of these prices; shared resources (locks, contended
// cache lines) add waiting time on top, modeled in simulated time by the replayer.
//
// Integers, so replays are bit-for-bit deterministic. The defaults are plausible
// round numbers for a modern x86 core, to be replaced by a calibrated model file
// (issue 5); docs/ENGINE.md explains each.
#pragma once

#include <cstdint>

namespace allocsim::engine {

struct CostModel {
    std::uint32_t mhz = 3000;               // the modeled clock: trace times (ns) become cycles at this rate
    std::uint32_t op_base = 4;              // entering the allocator (call, size-class lookup)
    std::uint32_t cache_hit = 6;            // pop from a bin
    std::uint32_t cache_free = 6;           // push onto a bin
    std::uint32_t cache_miss = 10;          // the slow path's entry when a bin is empty
    std::uint32_t cache_full = 10;          // the slow path's entry when a bin is full
    std::uint32_t refill_per_object = 3;    // each object moved slab -> bin
    std::uint32_t drain_per_object = 3;     // each object moved bin -> slab
    std::uint32_t node_touch = 2;           // each free-list node read or written (refill, drain, buddy lists)
    std::uint32_t slab_carve = 40;          // carving a fresh page run: fixed part
    std::uint32_t slab_carve_per_object = 2;  // ... and per object carved
    std::uint32_t page_return = 40;         // an empty slab run back to the buddy
    std::uint32_t remote_free = 20;         // pushing a batch onto another CPU's remote queue
    std::uint32_t remote_collect = 20;      // taking the remote queue back
    std::uint32_t buddy_alloc = 30;         // a block leaves the buddy
    std::uint32_t buddy_free = 30;          // a block comes back
    std::uint32_t buddy_split = 20;         // each split
    std::uint32_t buddy_split_entry = 0;    // extra for an operation's first split (measured split cost hardly
                                            // grows with depth: most of it is paid once)
    std::uint32_t buddy_coalesce = 25;      // each coalesce
    std::uint32_t large_alloc = 60;         // a run of max-order blocks
    std::uint32_t large_free = 60;
    std::uint32_t lock = 20;                // an uncontended lock acquire and release
    std::uint32_t lock_handoff = 80;        // extra for a lock taken right after another CPU released it
    std::uint32_t atomic = 20;              // one atomic read-modify-write on an uncontended line
    std::uint32_t line_transfer = 100;      // moving a cache line from another CPU's cache
    std::uint32_t alloc_failure = 50;       // an allocation that found no memory
};

}  // namespace allocsim::engine
