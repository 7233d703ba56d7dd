// Where every byte of the region is, at one quiescent moment.
//
//   region = metadata + unusable + buddy_free + footprint
//   footprint = slab + block + large
//   slab = slab_free + remote_pending + cached + slab_tail + slab_live
// so free (buddy_free + slab_free + remote_pending), cached and live bytes, with the
// metadata and the slack, add up to the region: check() verifies it.
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocsim {

struct MemoryStats {
    std::size_t region_bytes = 0;          // as given to init()
    std::size_t metadata_bytes = 0;        // caches, slabs, page descriptors
    std::size_t unusable_bytes = 0;        // slack: alignment, a partial last page
    std::size_t buddy_free_bytes = 0;      // on the buddy's free lists
    std::size_t slab_bytes = 0;            // pages held by slab runs
    std::size_t slab_free_bytes = 0;       // objects on runs' local free lists
    std::size_t remote_pending_bytes = 0;  // objects on remote queues, not yet collected
    std::size_t cached_bytes = 0;          // objects in ThreadCache bins
    std::size_t slab_tail_bytes = 0;       // run tails too small for one more object
    std::size_t slab_live_bytes = 0;       // slab objects handed out, at class size
    std::size_t block_bytes = 0;           // buddy blocks handed out (pages, mid-size objects)
    std::size_t large_bytes = 0;           // large runs handed out
    std::uint32_t slab_runs = 0;

    std::size_t live_bytes() const { return slab_live_bytes + block_bytes + large_bytes; }
    std::size_t footprint_bytes() const { return slab_bytes + block_bytes + large_bytes; }
    std::size_t free_bytes() const { return buddy_free_bytes + slab_free_bytes + remote_pending_bytes; }
};

// The footprint by where its bytes are, from the core's counters: O(CPUs x classes)
// and no page walk, so the replay can take it at every new peak. The parts add up to
// the footprint: everything taken out of the free buddy pool, whichever level holds
// it, plus the metadata that serves it. Quiescent, like MemoryStats.
struct FootprintParts {
    std::size_t metadata_bytes = 0;        // per-CPU caches and slabs, and the descriptors of the pages in use
    std::size_t run_tail_bytes = 0;        // slab run tails too small for one more object
    std::size_t cached_bytes = 0;          // objects in ThreadCache bins
    std::size_t partial_free_bytes = 0;    // free objects on the local lists of runs in use
    std::size_t empty_run_bytes = 0;       // runs whose objects are all free, kept (the core keeps none)
    std::size_t remote_pending_bytes = 0;  // objects on remote queues, not yet collected
    std::size_t object_bytes = 0;          // slab objects handed out, at class size
    std::size_t page_bytes = 0;            // exact page runs and page-level blocks handed out
    std::size_t heap_free_bytes = 0;       // the linked list's free blocks below its high-water mark

    std::size_t total() const {
        return metadata_bytes + run_tail_bytes + cached_bytes + partial_free_bytes + empty_run_bytes +
               remote_pending_bytes + object_bytes + page_bytes + heap_free_bytes;
    }
};

}  // namespace allocsim
