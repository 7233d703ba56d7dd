// HybridAllocator's whole-structure walkers: memory_stats() and check(). Both need
// quiescence and run in O(pages + free objects); check() is the expensive assert
// level's walker, called by tests and by the engine's --check-every.
#pragma once

namespace allocsim {

template <class Observer, class Platform>
MemoryStats HybridAllocator<Observer, Platform>::memory_stats() const {
    MemoryStats s;
    s.region_bytes = region_bytes_;
    s.metadata_bytes = cache_metadata_bytes_ + buddy_.metadata_bytes();
    buddy_.for_each_tile([&](const Tile& t) {
        const std::size_t bytes = t.pages << kPageShift;
        switch (t.state) {
            case PageState::FreeHead: s.buddy_free_bytes += bytes; break;
            case PageState::BlockHead: s.block_bytes += bytes; break;
            case PageState::LargeHead: s.large_bytes += bytes; break;
            case PageState::SlabHead: {
                const SizeClass c = t.descriptor->size_class;
                const std::size_t object = table_.size(c);
                s.slab_bytes += bytes;
                s.slab_tail_bytes += bytes - object * table_.objects_per_run(c);
                s.slab_free_bytes += object * t.descriptor->free_count;
                ++s.slab_runs;
                break;
            }
            default: break;
        }
    });
    for (std::uint32_t cpu = 0; cpu < config_.cpus; ++cpu) {
        for (std::uint32_t k = 0; k < table_.count(); ++k) {
            const SizeClass c{static_cast<std::uint8_t>(k)};
            const CpuId id{static_cast<std::uint16_t>(cpu)};
            s.cached_bytes += std::size_t{caches_[cpu].bin(c).count} * table_.size(c);
            slab(id, c).for_each_remote([&](void*) { s.remote_pending_bytes += table_.size(c); });
        }
    }
    s.slab_live_bytes = s.slab_bytes - s.slab_tail_bytes - s.slab_free_bytes - s.remote_pending_bytes - s.cached_bytes;
    s.unusable_bytes = region_bytes_ - s.metadata_bytes - buddy_.usable_bytes();
    return s;
}

template <class Observer, class Platform>
FootprintParts HybridAllocator<Observer, Platform>::footprint_parts() const {
    FootprintParts f;
    std::size_t slab_bytes = 0;
    for (std::uint32_t cpu = 0; cpu < config_.cpus; ++cpu) {
        for (std::uint32_t k = 0; k < table_.count(); ++k) {
            const SizeClass c{static_cast<std::uint8_t>(k)};
            const Slab& sl = slab(CpuId{static_cast<std::uint16_t>(cpu)}, c);
            const std::size_t object = table_.size(c);
            const std::size_t run = table_.run_bytes(c);
            slab_bytes += sl.runs() * run;
            f.run_tail_bytes += sl.runs() * (run - object * table_.objects_per_run(c));
            f.partial_free_bytes += sl.free_objects() * object;
            f.remote_pending_bytes += sl.remote_objects() * object;
            f.cached_bytes += std::size_t{caches_[cpu].bin(c).count} * object;
        }
    }
    f.object_bytes = slab_bytes - f.run_tail_bytes - f.partial_free_bytes - f.remote_pending_bytes - f.cached_bytes;
    const std::size_t used = buddy_.usable_bytes() - buddy_.free_bytes();
    f.page_bytes = used - slab_bytes;
    f.metadata_bytes = footprint_bytes() - used;
    return f;
}

template <class Observer, class Platform>
CheckResult HybridAllocator<Observer, Platform>::check() const {
    if (CheckResult r = buddy_.check(); !r.ok) return r;
    const auto at = [](const void* p) { return reinterpret_cast<std::uintptr_t>(p); };
    CheckResult bad;
    std::uint64_t runs = 0;
    std::uint64_t runs_with_free = 0;

    // Each slab run: its descriptors, its local free list, and its counters.
    buddy_.for_each_tile([&](const Tile& t) {
        if (!bad.ok || t.state != PageState::SlabHead) return;
        const PageDescriptor& d = *t.descriptor;
        const void* base = buddy_.address_of(t.head);
        if (index_of(d.owner) >= config_.cpus || index_of(d.size_class) >= table_.count()) {
            bad = CheckResult::fail("slab run with an invalid owner or size class", at(base));
            return;
        }
        const SizeClass c = d.size_class;
        if (t.pages != table_.run_pages(c) || index_of(t.order) != index_of(table_.run_order(c))) {
            bad = CheckResult::fail_named("slab run's pages differ from its class's run", at(base),
                                          "the class's run pages", table_.run_pages(c), "the run's pages", t.pages);
            return;
        }
        for (std::size_t j = 1; j < t.pages; ++j) {
            const PageDescriptor& tail = buddy_.desc(PageIndex{static_cast<std::uint32_t>(index_of(t.head) + j)});
            if (tail.state() != PageState::SlabTail || tail.link != index_of(t.head) || tail.size_class != c) {
                bad = CheckResult::fail("slab run tail page does not point at its head", at(base), index_of(t.head), tail.link);
                return;
            }
        }
        const std::uint32_t objects = table_.objects_per_run(c);
        if (d.free_count >= objects) {
            bad = CheckResult::fail("fully free slab run was not returned to the buddy", at(base), objects, d.free_count);
            return;
        }
        std::uint32_t n = 0;
        for (void* p = d.free_list; p != nullptr; p = next_of(p)) {
            const Lookup l = lookup(p);
            if (l.kind != Lookup::Object || Slab::run_of(buddy_, p) != t.head) {
                bad = CheckResult::fail("run free list holds an object outside its run", at(p));
                return;
            }
            if (++n > objects) break;
        }
        if (n != d.free_count) {
            bad = CheckResult::fail("run free list length differs from free_count", at(base), d.free_count, n);
            return;
        }
        d.check_scratch = d.free_count;
        ++runs;
        if (d.free_count > 0) ++runs_with_free;
    });
    if (!bad.ok) return bad;

    std::uint64_t slab_runs = 0;
    std::uint64_t partial_runs = 0;
    // An object on a bin (any owner) or on `owner`'s remote queue of class c.
    const auto account = [&](const void* p, SizeClass c, CpuId owner, bool bin) {
        const Lookup l = lookup(p);
        if (l.kind != Lookup::Object) {
            bad = CheckResult::fail_named(bin ? "bin holds a pointer that is not a slab object"
                                              : "remote queue holds a pointer that is not a slab object",
                                          at(p), bin ? "the bin's class size" : "the queue's class size",
                                          table_.size(c), "the pointer's usable size", usable_size(p));
            return false;
        }
        if (index_of(l.size_class) != index_of(c)) {
            bad = CheckResult::fail_named(bin ? "bin holds an object of another size class"
                                              : "remote queue holds an object of another size class",
                                          at(p), bin ? "the bin's class size" : "the queue's class size",
                                          table_.size(c), "the object's class size", table_.size(l.size_class));
            return false;
        }
        const PageDescriptor& run = buddy_.desc(Slab::run_of(buddy_, p));
        if (!bin && run.owner != owner) {
            bad = CheckResult::fail("remote queue holds an object of another CPU's run", at(p),
                                    index_of(owner), index_of(run.owner));
            return false;
        }
        if (++run.check_scratch > table_.objects_per_run(c)) {
            bad = CheckResult::fail("an object is free twice (in more than one list)", at(p));
            return false;
        }
        return true;
    };
    for (std::uint32_t cpu = 0; cpu < config_.cpus && bad.ok; ++cpu) {
        const CpuId id{static_cast<std::uint16_t>(cpu)};
        for (std::uint32_t k = 0; k < table_.count() && bad.ok; ++k) {
            const SizeClass c{static_cast<std::uint8_t>(k)};
            // The bin: length, capacity, and every object a free slot of its class.
            const Bin& bin = caches_[cpu].bin(c);
            if (bin.count > bin.capacity) return CheckResult::fail("bin holds more than its capacity", 0, bin.capacity, bin.count);
            // bin_sizer.h: the bound moves between min(min_capacity, the class's bound) and that bound.
            if (bin.capacity > bin_capacity_[k] || bin.capacity < bin_floor(k))
                return CheckResult::fail_named("bin's bound is outside its class's range", 0, "the class's bound",
                                               bin_capacity_[k], "the bin's bound", bin.capacity);
            std::uint32_t n = 0;
            for (void* p = bin.head; p != nullptr && bad.ok; p = next_of(p)) {
                if (++n > bin.capacity) break;
                account(p, c, id, true);
            }
            if (!bad.ok) return bad;
            if (n != bin.count) return CheckResult::fail("bin length differs from its count", 0, bin.count, n);
            // The slab: its remote queue and its partial list.
            const Slab& s = slab(id, c);
            s.for_each_remote([&](void* p) {
                if (bad.ok) account(p, c, id, false);
            });
            if (!bad.ok) return bad;
            std::uint32_t partial = 0;
            PageIndex last = kNoPage;
            for (PageIndex r = s.partial_head(); r != kNoPage; r = buddy_.desc(r).next) {
                last = r;
                const PageDescriptor& d = buddy_.desc(r);
                if (d.state() != PageState::SlabHead || d.owner != id || d.size_class != c || d.free_count == 0)
                    return CheckResult::fail("partial list holds a run that is not a partial run of this slab",
                                             at(buddy_.address_of(r)));
                if (++partial > s.partial_runs()) break;
            }
            if (partial != s.partial_runs())
                return CheckResult::fail("partial list length differs from its count", 0, s.partial_runs(), partial);
            if (last != s.partial_tail())
                return CheckResult::fail("partial list's tail is not its last run", 0, index_of(last), index_of(s.partial_tail()));
            slab_runs += s.runs();
            partial_runs += s.partial_runs();
        }
    }
    if (!bad.ok) return bad;
    if (slab_runs != runs) return CheckResult::fail("slab run counts differ from the runs in the region", 0, slab_runs, runs);
    if (partial_runs != runs_with_free)
        return CheckResult::fail("runs with free objects differ from the partial lists", 0, runs_with_free, partial_runs);

    // Every byte accounted for: free, cached and live bytes add up to the region.
    const MemoryStats s = memory_stats();
    const std::size_t parts = s.metadata_bytes + s.unusable_bytes + s.buddy_free_bytes + s.slab_free_bytes +
                              s.remote_pending_bytes + s.cached_bytes + s.slab_tail_bytes + s.live_bytes();
    if (parts != s.region_bytes) return CheckResult::fail("free, cached and live bytes do not add up to the region", 0, s.region_bytes, parts);
    if (s.buddy_free_bytes != buddy_.free_bytes())
        return CheckResult::fail("free blocks in the region differ from the free lists", 0, buddy_.free_bytes(), s.buddy_free_bytes);
    // The counters behind footprint_parts() agree with the walk.
    const FootprintParts f = footprint_parts();
    if (f.partial_free_bytes != s.slab_free_bytes)
        return CheckResult::fail_named("slabs' free-object counters differ from their runs' free lists", 0,
                                       "bytes on the runs' lists", s.slab_free_bytes, "bytes counted", f.partial_free_bytes);
    if (f.remote_pending_bytes != s.remote_pending_bytes)
        return CheckResult::fail_named("slabs' remote counters differ from their remote queues", 0,
                                       "bytes on the queues", s.remote_pending_bytes, "bytes counted", f.remote_pending_bytes);
    if (f.run_tail_bytes != s.slab_tail_bytes || f.object_bytes != s.slab_live_bytes ||
        f.page_bytes != s.block_bytes + s.large_bytes || f.total() != footprint_bytes())
        return CheckResult::fail_named("footprint parts differ from the page walk", 0, "footprint",
                                       footprint_bytes(), "parts", f.total());
    return CheckResult{};
}

}  // namespace allocsim
