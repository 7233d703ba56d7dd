// What the GUI draws, read off the hybrid core at one moment: the region's blocks
// in address order with their state, the buddy's free lists, every CPU's bins, and,
// for one size class, its slab runs object by object. Plain values, so a view can
// keep them while the replay moves on.
//
// REQUIRES for every function here: the core is quiescent (the replay is between
// events).
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "alloc/object_chain.h"

namespace allocsim::engine {

enum class BlockState : std::uint8_t {
    Free,      // on the buddy's free list of its order
    Slab,      // a slab run of a size class, owned by a CPU
    Block,     // a page-level allocation (PageAlloc, or an aligned or mid-size object)
    Large,     // a large run of max-order blocks
    Reserved,  // the buddy's own metadata, or in flight
};

struct BlockInfo {
    std::uint32_t first_page = 0;  // from the region's first usable page
    std::uint32_t pages = 0;
    BlockState state = BlockState::Free;
    std::uint8_t order = 0;
    std::uint8_t size_class = 0;   // Slab
    std::uint16_t owner = 0;       // Slab: the CPU
    std::uint32_t objects = 0;     // Slab: objects in the run
    std::uint32_t free_objects = 0;  // Slab: on the run's own free list
    friend bool operator==(const BlockInfo&, const BlockInfo&) = default;
};

struct BinInfo {
    std::uint32_t count = 0;
    std::uint32_t capacity = 0;
    std::uint64_t remote = 0;  // objects of this CPU's and class's runs on its remote queue, not yet collected
    friend bool operator==(const BinInfo&, const BinInfo&) = default;
};

struct CoreSnapshot {
    std::uint64_t page_bytes = 4096;
    std::uintptr_t usable_begin = 0;  // the address of page 0 (actions report addresses)
    std::uint32_t pages = 0;        // usable pages
    std::uint32_t max_order = 0;
    std::vector<BlockInfo> blocks;                   // address order, tiling the usable pages
    std::vector<std::vector<std::uint32_t>> free_lists;  // [order]: first pages, list order
    std::vector<std::vector<BinInfo>> bins;          // [cpu][size class]
    std::vector<std::uint32_t> class_sizes;          // bytes, by size class

    // The same state: everything but where the region happens to be in memory.
    friend bool operator==(const CoreSnapshot& a, const CoreSnapshot& b) {
        return a.page_bytes == b.page_bytes && a.pages == b.pages && a.max_order == b.max_order &&
               a.blocks == b.blocks && a.free_lists == b.free_lists && a.bins == b.bins && a.class_sizes == b.class_sizes;
    }
};

enum class ObjectState : std::uint8_t {
    Used,    // handed out
    Free,    // on the run's own free list
    Cached,  // in a CPU's ThreadCache bin
    Remote,  // on its owner's remote queue
};

struct SlabRunView {
    std::uint32_t first_page = 0;
    std::uint16_t owner = 0;
    std::uint32_t object_size = 0;
    std::vector<ObjectState> objects;     // address order
    std::vector<std::uint32_t> free_list; // object indices, in the intrusive list's order
    friend bool operator==(const SlabRunView&, const SlabRunView&) = default;
};

template <class Core>
CoreSnapshot snapshot_of(const Core& core) {
    CoreSnapshot s;
    const auto& buddy = core.buddy();
    s.max_order = index_of(buddy.max_order());
    s.pages = static_cast<std::uint32_t>(buddy.usable_bytes() / kPageSize);
    const std::uintptr_t begin = buddy.usable_begin();
    s.usable_begin = begin;
    const auto page_of = [begin](std::uintptr_t a) { return static_cast<std::uint32_t>((a - begin) / kPageSize); };
    const auto& table = core.size_classes();
    buddy.for_each_tile([&](const Tile& t) {
        BlockInfo b;
        b.first_page = page_of(reinterpret_cast<std::uintptr_t>(buddy.address_of(t.head)));
        b.pages = static_cast<std::uint32_t>(t.pages);
        b.order = static_cast<std::uint8_t>(index_of(t.order));
        switch (t.state) {
            case PageState::FreeHead: b.state = BlockState::Free; break;
            case PageState::SlabHead:
                b.state = BlockState::Slab;
                b.size_class = static_cast<std::uint8_t>(index_of(t.descriptor->size_class));
                b.owner = static_cast<std::uint16_t>(index_of(t.descriptor->owner));
                b.objects = table.objects_per_run(t.descriptor->size_class);
                b.free_objects = t.descriptor->free_count;
                break;
            case PageState::BlockHead: b.state = BlockState::Block; break;
            case PageState::LargeHead: b.state = BlockState::Large; break;
            default: b.state = BlockState::Reserved; break;
        }
        s.blocks.push_back(b);
    });
    s.free_lists.resize(s.max_order + 1);
    for (std::uint32_t k = 0; k <= s.max_order; ++k)
        buddy.for_each_free_block(Order{static_cast<std::uint8_t>(k)}, [&](void* p) {
            s.free_lists[k].push_back(page_of(reinterpret_cast<std::uintptr_t>(p)));
        });
    for (std::uint32_t c = 0; c < table.count(); ++c) s.class_sizes.push_back(table.size(SizeClass{static_cast<std::uint8_t>(c)}));
    const std::uint32_t cpus = core.config().cpus;
    s.bins.assign(cpus, std::vector<BinInfo>(table.count()));
    for (std::uint32_t cpu = 0; cpu < cpus; ++cpu)
        for (std::uint32_t c = 0; c < table.count(); ++c) {
            const auto& bin = core.cache(CpuId{static_cast<std::uint16_t>(cpu)}).bin(SizeClass{static_cast<std::uint8_t>(c)});
            const auto& slab = core.slab(CpuId{static_cast<std::uint16_t>(cpu)}, SizeClass{static_cast<std::uint8_t>(c)});
            s.bins[cpu][c] = BinInfo{bin.count, bin.capacity, slab.remote_objects()};
        }
    return s;
}

// The slab runs of size class `cls`, every CPU's, in address order.
template <class Core>
std::vector<SlabRunView> slab_runs_of(const Core& core, std::uint8_t cls) {
    std::vector<SlabRunView> runs;
    const auto& buddy = core.buddy();
    const auto& table = core.size_classes();
    if (cls >= table.count()) return runs;
    const SizeClass c{cls};
    const std::uintptr_t begin = buddy.usable_begin();
    const std::uint32_t size = table.size(c);
    const std::uint32_t per_run = table.objects_per_run(c);
    std::vector<std::uintptr_t> starts;
    buddy.for_each_tile([&](const Tile& t) {
        if (t.state != PageState::SlabHead || t.descriptor->size_class != c) return;
        SlabRunView v;
        const auto start = reinterpret_cast<std::uintptr_t>(buddy.address_of(t.head));
        v.first_page = static_cast<std::uint32_t>((start - begin) / kPageSize);
        v.owner = static_cast<std::uint16_t>(index_of(t.descriptor->owner));
        v.object_size = size;
        v.objects.assign(per_run, ObjectState::Used);
        std::uint32_t guard = 0;
        for (void* p = t.descriptor->free_list; p != nullptr && guard < per_run; p = next_of(p), ++guard) {
            const std::uint32_t i = static_cast<std::uint32_t>((reinterpret_cast<std::uintptr_t>(p) - start) / size);
            if (i >= per_run) break;
            v.objects[i] = ObjectState::Free;
            v.free_list.push_back(i);
        }
        starts.push_back(start);
        runs.push_back(std::move(v));
    });
    // Objects in bins and on remote queues, found by address.
    const std::uintptr_t run_bytes = table.run_bytes(c);
    auto mark = [&](void* p, ObjectState state) {
        const auto a = reinterpret_cast<std::uintptr_t>(p);
        const auto it = std::upper_bound(starts.begin(), starts.end(), a);
        if (it == starts.begin()) return;
        const std::size_t r = static_cast<std::size_t>(it - starts.begin()) - 1;
        if (a >= starts[r] + run_bytes) return;
        const std::uint32_t i = static_cast<std::uint32_t>((a - starts[r]) / size);
        if (i < per_run) runs[r].objects[i] = state;
    };
    for (std::uint32_t cpu = 0; cpu < core.config().cpus; ++cpu) {
        const CpuId id{static_cast<std::uint16_t>(cpu)};
        core.cache(id).for_each_cached(c, [&](void* p) { mark(p, ObjectState::Cached); });
        core.slab(id, c).for_each_remote([&](void* p) { mark(p, ObjectState::Remote); });
    }
    return runs;
}

}  // namespace allocsim::engine
