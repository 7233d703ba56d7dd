// CpuSlab: one per (CPU, size class). It owns slab runs (2^r pages from the buddy,
// carved into objects of one class) and hands objects to its CPU's ThreadCache in
// batches.
//
// Each run's state lives in its head page's descriptor: the local intrusive free
// list, its length (free_count), the owner and the class. Runs with free objects
// are on the slab's partial list (doubly linked through the descriptors); full runs
// are on no list and are found again through the descriptor of any object freed.
// A run whose objects are all free again goes straight back to the buddy.
//
// Remote frees (see docs/DESIGN.md): only the owner touches a run's free list.
// A CPU that drains objects of a run it does not own groups them by owner and
// pushes each group as one chain onto the owner CpuSlab's remote queue with one
// compare-and-swap (batched messages, as in snmalloc). The owner takes the whole
// queue with one exchange when it runs out of partial runs, before it carves a new
// one, and frees the objects into their runs locally; with eager collection it
// also takes the queue at every refill, so freed objects wait at most until the
// owner's next miss of the class (or its next idle-trim visit, bin_sizer.h).
//
// Partial-list order (fullest_first): a run that becomes partial goes to the
// front, and one whose free objects pass half the run goes to the back. Refills
// take from the front, so they fill the fuller runs, and the emptier runs get the
// time to drain completely and go back to the buddy (jemalloc and mimalloc prefer
// full pages for the same reason). One compare per local free.
//
// Invariant per run:  objects_per_run == free_count + |on remote queue| + |in bins| + live
//                     free_count > 0  <=>  the run is on the partial list
// Per slab (at quiescence): free_objects() == sum of free_count over its runs and
//                           remote_objects() == |remote queue|; check() verifies both.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/action.h"
#include "alloc/buddy_allocator.h"
#include "alloc/object_chain.h"
#include "alloc/size_classes.h"

namespace allocsim {

template <class Observer, class Platform>
class CpuSlab {
public:
    using Buddy = BuddyAllocator<Observer, Platform>;

    void init(CpuId owner, SizeClass cls, const SizeClassTable& table, Buddy* buddy, Observer* observer,
              bool eager_collect = false, bool fullest_first = false) {
        owner_ = owner;
        eager_collect_ = eager_collect;
        fullest_first_ = fullest_first;
        class_ = cls;
        object_size_ = table.size(cls);
        run_order_ = table.run_order(cls);
        run_pages_ = table.run_pages(cls);
        objects_per_run_ = table.objects_per_run(cls);
        buddy_ = buddy;
        observer_ = observer;
    }

    // Owner only. Appends up to `want` objects to `out`, carving new runs as needed.
    // Returns the free-list nodes touched. Fewer than `want` objects means the buddy
    // is out of memory.
    std::uint32_t take(std::uint32_t want, ObjectChain& out) {
        std::uint32_t nodes = 0;
        if (eager_collect_ && remote_.load(std::memory_order_relaxed) != nullptr) nodes += collect();
        while (out.count < want) {
            if (partial_ == kNoPage) {
                if (remote_.load(std::memory_order_relaxed) != nullptr) {
                    nodes += collect();
                    continue;
                }
                if (!carve()) break;
            }
            PageDescriptor& d = buddy_->desc(partial_);
            void* first = d.free_list;
            void* last = first;
            std::uint32_t n = 1;
            while (out.count + n < want && next_of(last) != nullptr) {
                last = next_of(last);
                ++n;
            }
            d.free_list = next_of(last);
            d.free_count = static_cast<std::uint16_t>(d.free_count - n);
            free_objects_ -= n;
            nodes += n;
            if (d.free_count == 0) unlink_partial(partial_);
            out.append(first, last, n);
        }
        return nodes;
    }

    // Owner only: an object of run `run` (owned here) is free again.
    void put_local(PageIndex run, void* object) {
        PageDescriptor& d = buddy_->desc(run);
        ALLOCSIM_ASSERT_INTERNAL(d.owner == owner_ && d.size_class == class_);
        set_next(object, d.free_list);
        d.free_list = object;
        ++free_objects_;
        if (d.free_count++ == 0) push_partial(run);
        else if (fullest_first_ && d.free_count == objects_per_run_ / 2 + 1 && run != partial_tail_) move_to_back(run);
        if (d.free_count == objects_per_run_) release(run);
    }

    // Any CPU: hands a chain of this slab's objects to the owner, with one CAS.
    void put_remote(const ObjectChain& chain) {
        // Counted before the push, so the count never lags the queue at quiescence.
        remote_objects_.fetch_add(chain.count, std::memory_order_relaxed);
        void* old = remote_.load(std::memory_order_relaxed);
        do {
            set_next(chain.tail, old);
        } while (!remote_.compare_exchange_weak(old, chain.head, std::memory_order_release,
                                                std::memory_order_relaxed));
    }

    // Owner only: takes the remote queue back into the runs' local free lists.
    // Returns the objects collected.
    std::uint32_t collect() {
        void* p = remote_.exchange(nullptr, std::memory_order_acquire);
        if (p == nullptr) return 0;
        std::uint32_t n = 0;
        while (p != nullptr) {
            void* next = next_of(p);
            put_local(run_of(*buddy_, p), p);
            p = next;
            ++n;
        }
        remote_objects_.fetch_sub(n, std::memory_order_relaxed);
        Action a{ActionKind::AtomicOp, owner_};
        a.size_class = class_;
        observe(a);
        Action c{ActionKind::RemoteCollect, owner_};
        c.size_class = class_;
        c.objects = n;
        c.nodes = n;
        observe(c);
        return n;
    }

    // The head page of the slab run holding `object`. REQUIRES: object is in a run.
    static PageIndex run_of(const Buddy& buddy, const void* object) {
        const PageIndex page = buddy.page_of(object);
        const PageDescriptor& d = buddy.desc(page);
        return d.state() == PageState::SlabTail ? PageIndex{d.link} : page;
    }

    // --- introspection (quiescent) ---------------------------------------------------
    CpuId owner() const { return owner_; }
    SizeClass size_class() const { return class_; }
    std::uint32_t runs() const { return runs_; }
    std::uint32_t partial_runs() const { return partial_count_; }
    // Objects on the local free lists of this slab's runs (the sum of their free_count).
    std::uint64_t free_objects() const { return free_objects_; }
    // Objects other CPUs pushed onto the remote queue, not yet collected.
    std::uint64_t remote_objects() const { return remote_objects_.load(std::memory_order_relaxed); }
    PageIndex partial_head() const { return partial_; }
    PageIndex partial_tail() const { return partial_tail_; }
    template <class F>
    void for_each_remote(F&& f) const {
        for (void* p = remote_.load(std::memory_order_acquire); p != nullptr; p = next_of(p)) f(p);
    }

private:
    // Takes a run from the buddy (a block of run_order_, or with exact runs an exact
    // page run: the block, its pages past run_pages_ given back) and threads a free list through all its
    // objects in address order, so a fresh run is handed out front to back. The head
    // keeps its pages in `link`.
    bool carve() {
        void* base = pow2_run() ? buddy_->allocate(owner_, run_order_) : buddy_->allocate_exact(owner_, run_pages_, 0);
        if (base == nullptr) return false;
        const PageIndex head = buddy_->page_of(base);
        PageDescriptor& d = buddy_->desc(head);
        d.size_class = class_;
        d.owner = owner_;
        d.link = run_pages_;
        for (std::uint32_t j = 1; j < run_pages_; ++j) {
            PageDescriptor& tail = buddy_->desc(PageIndex{index_of(head) + j});
            tail.size_class = class_;
            tail.link = index_of(head);
            tail.set(PageState::SlabTail);
        }
        char* object = static_cast<char*>(base);
        for (std::uint32_t i = 0; i + 1 < objects_per_run_; ++i, object += object_size_)
            set_next(object, object + object_size_);
        set_next(object, nullptr);
        d.free_list = base;
        d.free_count = static_cast<std::uint16_t>(objects_per_run_);
        free_objects_ += objects_per_run_;
        d.set(PageState::SlabHead, run_order_);
        push_partial(head);
        ++runs_;
        Action a{ActionKind::SlabCarve, owner_};
        a.size_class = class_;
        a.order = run_order_;
        a.objects = objects_per_run_;
        a.nodes = objects_per_run_;
        a.address = reinterpret_cast<std::uintptr_t>(base);
        observe(a);
        return true;
    }

    // A run whose objects are all free goes back to the buddy.
    void release(PageIndex run) {
        unlink_partial(run);
        --runs_;
        PageDescriptor& d = buddy_->desc(run);
        free_objects_ -= d.free_count;
        d.free_list = nullptr;
        d.free_count = 0;
        Action a{ActionKind::PageReturn, owner_};
        a.size_class = class_;
        a.order = run_order_;
        a.address = reinterpret_cast<std::uintptr_t>(buddy_->address_of(run));
        observe(a);
        if (pow2_run()) {
            buddy_->free(owner_, buddy_->address_of(run), run_order_);
        } else {
            // An exact run of d.link pages: its pieces go back as its tail did,
            // cold, to coalesce with it.
            buddy_->free_exact(owner_, buddy_->address_of(run));
        }
    }

    // A run of a power of two pages is one buddy block, taken and freed as one.
    bool pow2_run() const { return run_pages_ == (1u << index_of(run_order_)); }

    void push_partial(PageIndex run) {
        PageDescriptor& d = buddy_->desc(run);
        d.prev = kNoPage;
        d.next = partial_;
        if (partial_ != kNoPage) buddy_->desc(partial_).prev = run;
        else partial_tail_ = run;
        partial_ = run;
        ++partial_count_;
    }

    void unlink_partial(PageIndex run) {
        PageDescriptor& d = buddy_->desc(run);
        if (d.prev != kNoPage) buddy_->desc(d.prev).next = d.next;
        else partial_ = d.next;
        if (d.next != kNoPage) buddy_->desc(d.next).prev = d.prev;
        else partial_tail_ = d.prev;
        d.prev = d.next = kNoPage;
        --partial_count_;
    }

    // REQUIRES: run is on the partial list and is not its last (so the list stays
    // non-empty after the unlink).
    void move_to_back(PageIndex run) {
        unlink_partial(run);
        PageDescriptor& d = buddy_->desc(run);
        d.prev = partial_tail_;
        d.next = kNoPage;
        buddy_->desc(partial_tail_).next = run;
        partial_tail_ = run;
        ++partial_count_;
    }

    void observe(const Action& a) {
        if constexpr (Observer::kEnabled) observer_->record(a);
    }

    PageIndex partial_ = kNoPage;       // owner only: runs with free_count > 0
    PageIndex partial_tail_ = kNoPage;  // owner only: the partial list's last run
    std::uint32_t partial_count_ = 0;   // owner only
    std::uint32_t runs_ = 0;            // owner only: all runs this slab holds
    std::uint64_t free_objects_ = 0;    // owner only: == the sum of free_count over runs_
    CpuId owner_{};                     // const
    SizeClass class_{};                 // const
    Order run_order_{};                 // const: the block a run is cut from
    std::uint32_t run_pages_ = 0;       // const: a run's pages (<= 2^run_order_)
    std::uint32_t object_size_ = 0;     // const
    std::uint32_t objects_per_run_ = 0; // const
    bool eager_collect_ = false;        // const: collect the remote queue at every refill
    bool fullest_first_ = false;        // const: runs over half free go to the partial list's back
    Buddy* buddy_ = nullptr;            // const
    Observer* observer_ = nullptr;      // const
    // Any CPU pushes, the owner takes: a Treiber stack of object chains. Its own
    // cache line, so remote pushes do not bounce the owner's fields above.
    alignas(64) std::atomic<void*> remote_{nullptr};
    // == the objects on remote_ at quiescence: pushers add before pushing, the owner
    // subtracts what it collected. For the footprint's breakdown without a walk.
    std::atomic<std::uint64_t> remote_objects_{0};
};

}  // namespace allocsim
