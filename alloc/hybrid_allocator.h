// HybridAllocator: the three levels put together.
//
//   allocate(cpu, size) --hit--> ThreadCache[cpu] bin          (no atomics, no locks)
//                       --miss-> CpuSlab[cpu][class].take()    (a batch, sized by BinSizer)
//                                  --empty--> BuddyAllocator   (a new slab run)
//   size > largest class  ----> BuddyAllocator exact page run (tail given back)
//
// The region given to init() holds everything: the ThreadCaches and CpuSlabs, then
// the buddy's page descriptors, then the pages. The core allocates nothing else.
//
// Threading contract: calls naming CPU c must come from one thread at a time (the
// one running as c), as on a kernel where c is the current CPU with preemption off.
// Different CPUs may run concurrently: the buddy takes its locks, remote frees go
// through atomic queues. Introspection, stats and check() need quiescence.
//
// Free without size: a pointer's page descriptor gives its slab run, hence its size
// class, or its buddy block and order; deallocate(cpu, p) needs no header and no
// size (the seed's known problem 3). deallocate(cpu, p, size) skips the lookup.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

#include "alloc/action.h"
#include "alloc/assert.h"
#include "alloc/bin_sizer.h"
#include "alloc/buddy_allocator.h"
#include "alloc/config.h"
#include "alloc/cpu_slab.h"
#include "alloc/free_class_hint.h"
#include "alloc/memory_stats.h"
#include "alloc/reallocate.h"
#include "alloc/size_classes.h"
#include "alloc/thread_cache.h"

namespace allocsim {

template <class Observer, class Platform>
class HybridAllocator {
public:
    using Buddy = BuddyAllocator<Observer, Platform>;
    using Slab = CpuSlab<Observer, Platform>;

    HybridAllocator() = default;
    HybridAllocator(const HybridAllocator&) = delete;
    HybridAllocator& operator=(const HybridAllocator&) = delete;

    InitError init(void* region, std::size_t size, const AllocatorConfig& config) {
        if (config.cpus == 0 || config.cpus > kMaxCpus) return InitError::BadCpuCount;
        if (config.cache_capacity == 0 || config.cache_capacity > 0xFFFF) return InitError::BadCacheCapacity;
        if (config.refill_batch == 0 || config.refill_batch > config.cache_capacity ||
            config.drain_batch == 0)
            return InitError::BadBatch;
        if (config.buddy_max_order > kMaxOrderLimit) return InitError::BadMaxOrder;
        if (config.run_tail_permille > 1000) return InitError::BadSizeClasses;
        if (config.cache_min_capacity == 0 || config.cache_min_capacity > 0xFFFF) return InitError::BadCacheCapacity;
        if (InitError e = table_.init(config.size_classes, config.size_class_count, config.buddy_max_order,
                                      config.run_tail_permille, config.exact_slab_runs);
            e != InitError::None)
            return e;
        config_ = config;
        sizing_ = config.adaptive_bins || config.cache_trim_every != 0;
        max_small_ = table_.max_size();
        // Each class's bin bound and batches (see AllocatorConfig::cache_bin_bytes).
        // A bin the bytes bound leaves at cache_capacity keeps the configured batches.
        for (std::uint32_t k = 0; k < table_.count(); ++k) {
            std::uint32_t cap = config.cache_capacity;
            if (config.cache_bin_bytes != 0) {
                const std::uint32_t by_bytes = config.cache_bin_bytes / table_.size(SizeClass{static_cast<std::uint8_t>(k)});
                cap = by_bytes < 1 ? 1 : (by_bytes < cap ? by_bytes : cap);
            }
            const std::uint32_t half = cap == config.cache_capacity ? cap : (cap / 2 < 1 ? 1 : cap / 2);
            bin_capacity_[k] = cap;
            refill_[k] = config.refill_batch < half ? config.refill_batch : half;
            drain_[k] = config.drain_batch < half ? config.drain_batch : half;
        }
        region_ = reinterpret_cast<std::uintptr_t>(region);
        region_bytes_ = size;

        // Caches and slabs first, then the buddy (which puts its descriptors first).
        std::uintptr_t p = align_up(region_, alignof(Slab));
        caches_ = reinterpret_cast<ThreadCache*>(align_up(p, alignof(ThreadCache)));
        p = reinterpret_cast<std::uintptr_t>(caches_ + config.cpus);
        slabs_ = reinterpret_cast<Slab*>(align_up(p, alignof(Slab)));
        p = reinterpret_cast<std::uintptr_t>(slabs_ + std::size_t{config.cpus} * table_.count());
        sizers_ = reinterpret_cast<BinSizer*>(align_up(p, alignof(BinSizer)));
        p = reinterpret_cast<std::uintptr_t>(sizers_ + config.cpus);
        const std::uintptr_t buddy_start = align_up(p, kPageSize);
        if (buddy_start >= region_ + size) return InitError::RegionTooSmall;
        if (InitError e = buddy_.init(reinterpret_cast<void*>(buddy_start), region_ + size - buddy_start,
                                      config.buddy_max_order, config.buddy_lock, &observer_,
                                      config.initial_region_bytes);
            e != InitError::None)
            return e;
        // An adaptive bin starts at its floor and grows; any other holds its bound.
        std::uint32_t start[kMaxSizeClasses];
        for (std::uint32_t k = 0; k < table_.count(); ++k) start[k] = config.adaptive_bins ? bin_floor(k) : bin_capacity_[k];
        for (std::uint32_t c = 0; c < config.cpus; ++c) {
            new (&caches_[c]) ThreadCache{};
            caches_[c].init(table_.count(), start);
            new (&sizers_[c]) BinSizer{};
            sizers_[c].init(table_.count(), config.cache_trim_every);
            for (std::uint32_t k = 0; k < table_.count(); ++k) {
                Slab* s = new (&slabs_[c * table_.count() + k]) Slab{};
                s->init(CpuId{static_cast<std::uint16_t>(c)}, SizeClass{static_cast<std::uint8_t>(k)}, table_,
                        &buddy_, &observer_, config.eager_remote_collect, config.fullest_runs_first);
            }
        }
        cache_metadata_bytes_ = buddy_start - region_;
        return InitError::None;
    }

    // --- allocation -------------------------------------------------------------------

    // Null when out of memory (an AllocFailure action); every structure stays valid.
    ALLOCSIM_ALWAYS_INLINE void* allocate(CpuId cpu, std::size_t size) {
        if (max_small_ > kMaxSmallSize) __builtin_unreachable();  // tells the compiler the table's bound
        if (ALLOCSIM_LIKELY(size <= max_small_)) {
            const SizeClass c = table_.class_for(size);
            void* p = caches_[index_of(cpu)].pop(c);
            if (ALLOCSIM_LIKELY(p != nullptr)) {
                hints_[index_of(cpu)].record(p, c);
                if constexpr (Observer::kEnabled) hit(cpu, ActionKind::CacheHit, c, p);
                return p;
            }
            return allocate_small_slow(cpu, c);
        }
        return allocate_pages_for(cpu, size, kPageSize);
    }

    // REQUIRES: align is a power of two. The object is aligned to at least `align`.
    void* allocate_aligned(CpuId cpu, std::size_t size, std::size_t align) {
        if (align <= kMinAlignment) return allocate(cpu, size);
        SizeClass c{};
        if (table_.class_for_aligned(size, align, c)) {
            void* p = caches_[index_of(cpu)].pop(c);
            if (p != nullptr) {
                if constexpr (Observer::kEnabled) hit(cpu, ActionKind::CacheHit, c, p);
                return p;
            }
            return allocate_small_slow(cpu, c);
        }
        return allocate_pages_for(cpu, size < align ? align : size, align);
    }

    // Page-level allocation straight from the buddy (Linux mm_page_alloc).
    void* allocate_pages(CpuId cpu, Order order) { return buddy_.allocate(cpu, order); }

    // --- free -------------------------------------------------------------------------

    // The sized fast path: the size stands in for the page-descriptor lookup.
    //
    // The contract of sized free. REQUIRES: p != null, from allocate() or reallocate()
    // on any CPU, and `size` is the size given to the call that last returned p. Then
    // class_for(size) is the class p was carved from, because reallocate() keeps an
    // object in place only when its new size maps to the same class (see there).
    // A size above the largest class takes the lookup, so blocks and large runs take
    // any such size. Objects from allocate_aligned() are freed with
    // deallocate_aligned() or the unsized deallocate(). A size of another class files
    // p in the wrong bin: the debug levels assert, and check() names both classes.
    ALLOCSIM_ALWAYS_INLINE void deallocate(CpuId cpu, void* p, std::size_t size) {
        if (max_small_ > kMaxSmallSize) __builtin_unreachable();
        if (ALLOCSIM_LIKELY(size <= max_small_)) {
            const SizeClass c = table_.class_for(size);
            ALLOCSIM_ASSERT_INTERNAL(lookup(p).kind == Lookup::Object &&
                                     index_of(lookup(p).size_class) == index_of(c));
            return free_object(cpu, c, p);
        }
        deallocate_out_of_line(cpu, p);
    }

    // REQUIRES: p from allocate_aligned(cpu', size, align), align > 8.
    void deallocate_aligned(CpuId cpu, void* p, std::size_t size, std::size_t align) {
        if (align <= kMinAlignment) return deallocate(cpu, p, size);
        deallocate(cpu, p);
    }

    // Free without size: the page descriptor tells the class or order. A pointer the
    // core does not own is ignored and reported as an InvalidFree action.
    //
    // Inline: an object in its run's first page (every object of a one-page run, so
    // nearly every small object), whose descriptor is the run's head. The rest (an
    // object in a later page of a run, blocks, large runs, null and invalid pointers)
    // takes the whole lookup out of line. The offset in the head page is the low bits
    // of the pointer: no second subtraction, no second descriptor.
    ALLOCSIM_ALWAYS_INLINE void deallocate(CpuId cpu, void* p) {
        const std::uintptr_t from_begin = reinterpret_cast<std::uintptr_t>(p) - buddy_.usable_begin();
        const std::uintptr_t page = from_begin >> kPageShift;
        if (ALLOCSIM_LIKELY(page < buddy_.usable_pages())) {
            const PageDescriptor& d = buddy_.usable_desc(page);
            const SizeClass c = d.size_class;
            if (ALLOCSIM_LIKELY(d.state() == PageState::SlabHead &&
                                table_.is_object_start(c, static_cast<std::uint32_t>(from_begin & (kPageSize - 1))))) {
                // The push's address from the hint, confirmed by the descriptor's class.
                const FreeClassHint& hint = hints_[index_of(cpu)];
                Bin* const guessed = caches_[index_of(cpu)].bin_address(hint.guess(p));
                if (ALLOCSIM_LIKELY(hint.confirms(p, c))) return free_object_to(cpu, c, p, *guessed);
                return free_object(cpu, c, p);
            }
        }
        deallocate_looked_up(cpu, p);
    }

    // Page-level free (Linux mm_page_free). REQUIRES: p from allocate_pages(order).
    void free_pages(CpuId cpu, void* p, Order order) {
        const Lookup l = lookup(p);
        if (l.kind != Lookup::Block || index_of(l.order) != index_of(order)) return invalid_free(cpu, p);
        buddy_.free(cpu, p, order);
    }

    // Resizes in place when the block would serve the new size anyway: an object
    // when the new size maps to its own class; an exact page run when the new size is
    // above the classes and needs no more pages than it has (a shrink gives the tail
    // pages back); a page-level block when the new size is above the classes and
    // needs its order. Anything else moves, so sized free's contract holds after
    // every reallocate() (a shrink to another class moves the object down, as
    // jemalloc's does). Null (and p untouched) when out of memory, or when the core
    // does not own p (an InvalidFree action).
    void* reallocate(CpuId cpu, void* p, std::size_t new_size) {
        if (p == nullptr) return allocate(cpu, new_size);
        const Lookup l = lookup(p);
        std::size_t usable = 0;
        bool in_place = false;
        switch (l.kind) {
            case Lookup::Object: {
                // class_for(new_size) is this class: above the class below, not above this one.
                const std::uint32_t k = index_of(l.size_class);
                usable = table_.size(l.size_class);
                in_place = new_size <= usable && (k == 0 || new_size > table_.size(SizeClass{static_cast<std::uint8_t>(k - 1)}));
                break;
            }
            case Lookup::Block:
                usable = order_bytes(l.order);
                in_place = new_size > max_small_ && index_of(order_for_bytes(new_size)) == index_of(l.order);
                break;
            case Lookup::Large: {
                // An exact run keeps its place while the new size is above the classes
                // and needs no more pages; a shrink gives its tail pages back.
                // With pages.exact off, a run is in place while a new allocation
                // would take as many whole blocks.
                usable = l.pages << kPageShift;
                const std::size_t pages = divide_up(new_size, kPageSize);
                const std::size_t want = config_.exact_page_runs ? pages : buddy_.span_pages(pages, 0);
                if (new_size > max_small_ && want <= l.pages && (config_.exact_page_runs || want == l.pages)) {
                    if (want < l.pages) buddy_.shrink_exact(cpu, p, want);
                    return p;
                }
                break;
            }
            case Lookup::Invalid:
                invalid_free(cpu, p);
                return nullptr;
        }
        return reallocate_in(*this, cpu, p, new_size, usable, in_place);
    }

    // Bytes usable at p (its class or block size); 0 if the core does not own p.
    std::size_t usable_size(const void* p) const {
        const Lookup l = lookup(p);
        switch (l.kind) {
            case Lookup::Object: return table_.size(l.size_class);
            case Lookup::Block: return order_bytes(l.order);
            case Lookup::Large: return l.pages << kPageShift;
            case Lookup::Invalid: return 0;
        }
        return 0;
    }

    // --- maintenance (owner CPU only) -------------------------------------------------

    // Drains every bin of `cpu` back to the slabs.
    void drain_cache(CpuId cpu) {
        for (std::uint32_t c = 0; c < table_.count(); ++c) {
            const SizeClass cls{static_cast<std::uint8_t>(c)};
            const std::uint32_t n = caches_[index_of(cpu)].bin(cls).count;
            if (n > 0) drain(cpu, cls, n);
        }
    }

    // Takes back every object other CPUs freed to `cpu`'s slabs.
    void collect_remote(CpuId cpu) {
        for (std::uint32_t c = 0; c < table_.count(); ++c) owned_slab(cpu, SizeClass{static_cast<std::uint8_t>(c)}).collect();
    }

    // REQUIRES: no concurrent call. Drains all caches, then collects all remote
    // queues: afterwards every free object is back in its run and every fully free
    // run is back in the buddy.
    void quiesce() {
        for (std::uint32_t c = 0; c < config_.cpus; ++c) drain_cache(CpuId{static_cast<std::uint16_t>(c)});
        for (std::uint32_t c = 0; c < config_.cpus; ++c) collect_remote(CpuId{static_cast<std::uint16_t>(c)});
        ALLOCSIM_ASSERT_EXPENSIVE(check().ok);
    }

    // --- introspection (quiescent) ----------------------------------------------------

    const AllocatorConfig& config() const { return config_; }
    const SizeClassTable& size_classes() const { return table_; }
    const ThreadCache& cache(CpuId cpu) const { return caches_[index_of(cpu)]; }
    // The most a bin of class c may hold (its bound grows up to it).
    std::uint32_t bin_bound(SizeClass c) const { return bin_capacity_[index_of(c)]; }
    const Slab& slab(CpuId cpu, SizeClass c) const { return slabs_[index_of(cpu) * table_.count() + index_of(c)]; }
    const Buddy& buddy() const { return buddy_; }
    Buddy& buddy() { return buddy_; }
    Observer& observer() { return observer_; }
    const Observer& observer() const { return observer_; }

    // Visits the free objects of the slab run whose head is `run`.
    template <class F>
    void for_each_run_free_object(PageIndex run, F&& f) const {
        const PageDescriptor& d = buddy_.desc(run);
        std::uint32_t guard = 0;
        for (void* p = d.free_list; p != nullptr && guard < d.free_count; p = next_of(p), ++guard) f(p);
    }

    MemoryStats memory_stats() const;
    FootprintParts footprint_parts() const;
    // What the footprint counts: the pages taken from the buddy and the metadata
    // serving them (the per-CPU structures, one descriptor per page in use). O(1).
    std::size_t footprint_bytes() const {
        const std::size_t used = buddy_.usable_bytes() - buddy_.free_bytes();
        return used + cache_metadata_bytes_ + (used >> kPageShift) * sizeof(PageDescriptor);
    }
    CheckResult check() const;

private:
    struct Lookup {
        enum Kind { Invalid, Object, Block, Large } kind = Invalid;
        SizeClass size_class{};
        Order order{};
        std::size_t pages = 0;  // Large: the exact run's pages
    };

    Slab& owned_slab(CpuId cpu, SizeClass c) { return slabs_[index_of(cpu) * table_.count() + index_of(c)]; }

    // What p is, from its page descriptor: a slab object (on an object boundary of a
    // run), a buddy block or a large run (at its head), or Invalid.
    ALLOCSIM_ALWAYS_INLINE Lookup lookup(const void* p) const {
        Lookup l;
        std::uintptr_t page = buddy_.usable_page_of(p);
        if (ALLOCSIM_UNLIKELY(page >= buddy_.usable_pages())) return l;
        const PageDescriptor* d = &buddy_.usable_desc(page);
        PageState state = d->state();
        if (state == PageState::SlabTail) {
            page = d->link - buddy_.usable_first();
            if (page >= buddy_.usable_pages()) return l;
            d = &buddy_.usable_desc(page);
            state = d->state();
        }
        const std::uintptr_t offset =
            reinterpret_cast<std::uintptr_t>(p) - buddy_.usable_begin() - (page << kPageShift);
        if (ALLOCSIM_LIKELY(state == PageState::SlabHead)) {
            const SizeClass c = d->size_class;
            if (ALLOCSIM_UNLIKELY(!table_.is_object_start(c, static_cast<std::uint32_t>(offset)))) return l;
            l.kind = Lookup::Object;
            l.size_class = c;
            return l;
        }
        if (offset != 0) return l;
        if (state == PageState::BlockHead) {
            l.kind = Lookup::Block;
            l.order = d->order();
        } else if (state == PageState::LargeHead) {
            l.kind = Lookup::Large;
            l.pages = d->link;
        }
        return l;
    }

    ALLOCSIM_NOINLINE void deallocate_out_of_line(CpuId cpu, void* p) { deallocate(cpu, p); }

    // An object's free once its class is known: into the CPU's bin, or the slow path
    // when the bin is full.
    ALLOCSIM_ALWAYS_INLINE void free_object(CpuId cpu, SizeClass c, void* p) {
        free_object_to(cpu, c, p, caches_[index_of(cpu)].bin(c));
    }
    // REQUIRES: bin is this CPU's bin of class c.
    ALLOCSIM_ALWAYS_INLINE void free_object_to(CpuId cpu, SizeClass c, void* p, Bin& bin) {
        if (ALLOCSIM_LIKELY(bin.push(p))) {
            if constexpr (Observer::kEnabled) hit(cpu, ActionKind::CacheFree, c, p);
            return;
        }
        free_small_slow(cpu, c, p);
    }

    // Unsized free's out-of-line half: the whole lookup (see deallocate(cpu, p)).
    ALLOCSIM_NOINLINE void deallocate_looked_up(CpuId cpu, void* p) {
        const Lookup l = lookup(p);
        switch (l.kind) {
            case Lookup::Object: return free_object(cpu, l.size_class, p);
            case Lookup::Block: return buddy_.free(cpu, p, l.order);
            case Lookup::Large: return buddy_.free_exact(cpu, p);
            case Lookup::Invalid:
                if (p != nullptr) invalid_free(cpu, p);  // free(NULL) is a no-op
                return;
        }
    }

    // Inlined: with an enabled observer (the replay) this runs on every operation.
    ALLOCSIM_ALWAYS_INLINE void hit(CpuId cpu, ActionKind kind, SizeClass c, void* p) {
        Action a{kind, cpu};
        a.size_class = c;
        a.nodes = 1;
        a.address = reinterpret_cast<std::uintptr_t>(p);
        observer_.record(a);
    }

    ALLOCSIM_NOINLINE void* allocate_small_slow(CpuId cpu, SizeClass c) {
        if constexpr (Observer::kEnabled) {
            Action miss{ActionKind::CacheMiss, cpu};
            miss.size_class = c;
            observer_.record(miss);
        }
        // With the policies off, the batch is the class's, as it always was.
        const std::uint32_t batch = sizing_ ? batch_for_miss(cpu, c) : refill_[index_of(c)];
        ObjectChain chain;
        const std::uint32_t nodes = owned_slab(cpu, c).take(batch, chain);
        if (chain.count == 0) {
            Action f{ActionKind::AllocFailure, cpu};
            f.size_class = c;
            observer_.record(f);
            return nullptr;
        }
        if constexpr (Observer::kEnabled) {
            Action r{ActionKind::Refill, cpu};
            r.size_class = c;
            r.objects = chain.count;
            r.nodes = nodes + 1;
            r.address = reinterpret_cast<std::uintptr_t>(chain.head);
            observer_.record(r);
        }
        // The first object goes to the caller, the rest to the bin.
        void* p = chain.head;
        chain.head = next_of(p);
        --chain.count;
        caches_[index_of(cpu)].push_chain(c, chain);
        if (config_.cache_trim_every != 0) trim_tick(cpu);
        return p;
    }

    // A miss of class c, with bins sized by use or the idle trim on (bin_sizer.h):
    // the class is active; slow start doubles an adaptive bin's bound, and a refill
    // fills half of it. Returns the refill's batch.
    std::uint32_t batch_for_miss(CpuId cpu, SizeClass c) {
        const std::uint32_t k = index_of(c);
        sizers_[index_of(cpu)].note_miss(k);
        if (!config_.adaptive_bins) return refill_[k];
        std::uint32_t cap = caches_[index_of(cpu)].bin(c).capacity;
        if (cap < bin_capacity_[k]) {
            cap = 2 * cap < bin_capacity_[k] ? 2 * cap : bin_capacity_[k];
            caches_[index_of(cpu)].set_capacity(c, cap);
        }
        return cap / 2 < refill_[k] ? (cap / 2 < 1 ? 1 : cap / 2) : refill_[k];
    }

    // A full bin of class c with the policies on: the drain's size. An adaptive bin
    // that only freed since its last overflow halves its bound and is left a quarter
    // of the old bound full.
    std::uint32_t drain_for_overflow(CpuId cpu, SizeClass c) {
        const std::uint32_t k = index_of(c);
        ThreadCache& cache = caches_[index_of(cpu)];
        const std::uint32_t count = cache.bin(c).count;
        std::uint32_t cap = cache.bin(c).capacity;
        std::uint32_t n = cap < drain_[k] ? cap : drain_[k];
        if (sizers_[index_of(cpu)].overflow_without_miss(k) && config_.adaptive_bins) {
            cap = halved_bound(k, cap);
            cache.set_capacity(c, cap);
            const std::uint32_t keep = cap / 2;
            n = count > keep ? count - keep : 0;
        }
        if (count - n >= cap) n = count - cap + 1;  // room for the object being freed
        return n;
    }

    ALLOCSIM_NOINLINE void free_small_slow(CpuId cpu, SizeClass c, void* p) {
        if constexpr (Observer::kEnabled) {
            Action full{ActionKind::CacheFull, cpu};
            full.size_class = c;
            full.address = reinterpret_cast<std::uintptr_t>(p);
            observer_.record(full);
        }
        drain(cpu, c, sizing_ ? drain_for_overflow(cpu, c) : drain_[index_of(c)]);
        const bool pushed = caches_[index_of(cpu)].push(c, p);
        ALLOCSIM_ASSERT(pushed);
        (void)pushed;
        if (config_.cache_trim_every != 0) trim_tick(cpu);
    }

    // The least an adaptive bin of class k is bound to: min_capacity, or the class's
    // bound if lower (init() keeps both at least 1).
    std::uint32_t bin_floor(std::uint32_t k) const {
        return config_.cache_min_capacity < bin_capacity_[k] ? config_.cache_min_capacity : bin_capacity_[k];
    }

    // Half of an adaptive bin's bound `cap`, not below its floor.
    std::uint32_t halved_bound(std::uint32_t k, std::uint32_t cap) const {
        return cap / 2 > bin_floor(k) ? cap / 2 : bin_floor(k);
    }

    // One slow-path event of `cpu`: the idle trim's visit to the next class, when due
    // (bin_sizer.h). An idle bin gives half its objects back and its bound halves;
    // every visited class's remote queue comes back to its runs.
    void trim_tick(CpuId cpu) {
        bool idle = false;
        const int visit = sizers_[index_of(cpu)].tick(idle);
        if (visit < 0) return;
        const SizeClass c{static_cast<std::uint8_t>(visit)};
        ThreadCache& cache = caches_[index_of(cpu)];
        if (idle) {
            const std::uint32_t count = cache.bin(c).count;
            if (count > 0) drain(cpu, c, (count + 1) / 2);
            if (config_.adaptive_bins) {
                const std::uint32_t bound = halved_bound(index_of(c), cache.bin(c).capacity);
                if (cache.bin(c).count <= bound) cache.set_capacity(c, bound);
            }
        }
        owned_slab(cpu, c).collect();
    }

    // Moves n objects from cpu's bin to their runs: locally into cpu's own runs, and
    // as one batch per owner onto other CPUs' remote queues.
    void drain(CpuId cpu, SizeClass c, std::uint32_t n) {
        ObjectChain chain = caches_[index_of(cpu)].take(c, n);
        // One batch per remote owner. Left uninitialized: only entries whose bit is
        // set in `owners` are ever read, so a drain does not clear 64 of them.
        struct Batch {
            void* head;
            void* tail;
            std::uint32_t count;
        } remote[kMaxCpus];
        std::uint64_t owners = 0;  // bit o set: remote[o] is in use
        std::uint32_t nodes = 0;
        for (void* p = chain.head; p != nullptr;) {
            void* next = next_of(p);
            const PageIndex run = Slab::run_of(buddy_, p);
            const CpuId owner = buddy_.desc(run).owner;
            if (owner == cpu) {
                owned_slab(cpu, c).put_local(run, p);
            } else {
                const std::uint32_t o = index_of(owner);
                if ((owners & (std::uint64_t{1} << o)) == 0) {
                    owners |= std::uint64_t{1} << o;
                    remote[o] = Batch{p, p, 0};
                } else {
                    set_next(remote[o].tail, p);
                    remote[o].tail = p;
                }
                set_next(p, nullptr);
                ++remote[o].count;
            }
            ++nodes;
            p = next;
        }
        if constexpr (Observer::kEnabled) {
            Action d{ActionKind::Drain, cpu};
            d.size_class = c;
            d.objects = chain.count;
            d.nodes = 2 * nodes;
            observer_.record(d);
        }
        while (owners != 0) {
            const std::uint32_t o = static_cast<std::uint32_t>(__builtin_ctzll(owners));
            owners &= owners - 1;
            owned_slab(CpuId{static_cast<std::uint16_t>(o)}, c).put_remote(ObjectChain{remote[o].head, remote[o].tail, remote[o].count});
            if constexpr (Observer::kEnabled) {
                Action r{ActionKind::RemoteFree, cpu};
                r.size_class = c;
                r.other_cpu = CpuId{static_cast<std::uint16_t>(o)};
                r.objects = remote[o].count;
                r.nodes = remote[o].count;
                observer_.record(r);
                observer_.record(Action{ActionKind::AtomicOp, cpu});
            }
        }
    }

    // Sizes above the largest class: an exact page run, its head aligned to `align`
    // (see BuddyAllocator::allocate_exact).
    ALLOCSIM_NOINLINE void* allocate_pages_for(CpuId cpu, std::size_t size, std::size_t align) {
        return buddy_.allocate_exact(cpu, divide_up(size, kPageSize), index_of(order_for_bytes(align)),
                                     config_.exact_page_runs);
    }

    void invalid_free(CpuId cpu, const void* p) {
        Action a{ActionKind::InvalidFree, cpu};
        a.address = reinterpret_cast<std::uintptr_t>(p);
        observer_.record(a);
    }

    SizeClassTable table_;                  // const after init
    std::uint32_t bin_capacity_[kMaxSizeClasses] = {};  // const: each class's bin bound
    std::uint32_t refill_[kMaxSizeClasses] = {};        // const: objects a miss brings, <= the bound
    std::uint32_t drain_[kMaxSizeClasses] = {};         // const: objects a full bin gives back
    std::size_t max_small_ = 0;             // const: table_.max_size(), here for the hit path
    bool sizing_ = false;                   // const: bins sized by use or idle trim (bin_sizer.h)
    ThreadCache* caches_ = nullptr;         // const: [cpus], in the region
    Slab* slabs_ = nullptr;                 // const: [cpus][classes], in the region
    BinSizer* sizers_ = nullptr;            // const: [cpus], in the region
    Buddy buddy_;
    AllocatorConfig config_;                // const
    std::uintptr_t region_ = 0;             // const
    std::size_t region_bytes_ = 0;          // const
    FreeClassHint hints_[kMaxCpus];  // per CPU: the last object a bin handed out (free_class_hint.h)
    std::size_t cache_metadata_bytes_ = 0;  // const: caches, slabs and alignment before the buddy
    Observer observer_;
};

}  // namespace allocsim

#include "alloc/hybrid_allocator_check.h"
