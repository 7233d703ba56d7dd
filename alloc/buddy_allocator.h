// BuddyAllocator: 4 KiB pages in naturally aligned blocks of 2^k pages, k = 0..max_order.
//
// The scheme: a free block of order k sits on free list k. Allocating order k takes
// the first free block of the smallest order j >= k and splits it j-k times, keeping
// the lower half and freeing the upper half one order down each time. Freeing a
// block of order k looks at its buddy (page index XOR 2^k, i.e. block index ^ 1):
// if the buddy is free at order k, the two merge and the merged block tries again at
// order k+1, up to max_order.
//
// The seed searched a vector for the buddy. Here each page has a PageDescriptor, and
// the free lists are intrusive doubly linked lists threaded through the descriptors
// of the blocks' head pages: "is my buddy free, and of which order?" is one load,
// and unlinking a block from the middle of its list is O(1). Free memory itself is
// never written.
//
// Page indices count from `base`, the region start rounded down to the max block
// size, so a block of order k is aligned to 4 KiB << k in absolute addresses.
// Descriptors exist only for the pages of the region; the first ones hold the
// descriptor array itself and are Reserved.
//
// Locking is a configuration choice (BuddyLockMode): one global lock taken once per
// operation, or one lock per order, taken one order at a time while a split walks
// down or a coalesce walks up. In per-order mode a block being split or merged is
// InFlight: on no list, so no other CPU can see it, and FreeHead(k) is only ever set
// or cleared under lock k, which is what makes the buddy check race-free. A request
// can then fail while another CPU holds the only free block in flight; the caller
// sees an ordinary allocation failure.
//
// Requests above the max order take the large-object path: a run of contiguous free
// max-order blocks, found by an address-order scan of the max-order block heads.
//
// Exact page runs (allocate_exact, as Linux's alloc_pages_exact): an object of n
// pages takes the smallest block (or run of max-order blocks) that holds it and
// gives the pages past n back at once, as the aligned power-of-two pieces of that
// tail; freeing the run frees its own pieces, which coalesce with the tail's. The
// rounding of an object above the size classes is then below one page, not up to
// half its block. Its head is LargeHead with `link` = n pages, aligned to 2^order.
// The tails go to the back of their free lists (free_block's `cold`) and are taken
// only when no warm block of the order or any above it is free: a one-page request
// splits a warm block rather than pin a tail, so tails stay free to coalesce with
// their run when it is freed. The run's own pages go back warm when it is freed (what
// merges with a cold tail is warm then too), so freed memory is reused first, as a
// LIFO free list would: freed cold, a freed run sat unused while fresh pages were
// split, and the replay of a python trace touched twice the pages.
//
// Invariants (at quiescence; check() verifies them all):
//   every block is 2^k pages, aligned to its size, inside the managed range;
//   the heads of all blocks (free, allocated, slab, large, reserved) tile the region;
//   list k holds exactly the blocks whose head is FreeHead(k), and count_[k] of them,
//   its warm blocks (descriptor `cold` 0) before its cold ones;
//   no free block of order k < max_order has its buddy free at order k.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <new>

#include "alloc/action.h"
#include "alloc/assert.h"
#include "alloc/config.h"
#include "alloc/page_descriptor.h"

namespace allocsim {

// One block or run of the region as the tile walk sees it.
struct Tile {
    PageIndex head;
    std::size_t pages;
    PageState state;
    Order order;
    const PageDescriptor* descriptor;
};

template <class Observer, class Platform>
class BuddyAllocator {
public:
    using Lock = typename Platform::Lock;

    BuddyAllocator() = default;
    BuddyAllocator(const BuddyAllocator&) = delete;
    BuddyAllocator& operator=(const BuddyAllocator&) = delete;

    // Carves [start, start + size) into the descriptor array, then into the largest
    // aligned free blocks. `observer` may be null only if Observer is stateless.
    //
    // `initial` (0: all of it): the bytes managed from the start; the rest is managed
    // as the buddy runs out (grow()), its descriptors written only then, so that a
    // large reservation costs memory only as it is used (a process's malloc).
    InitError init(void* start, std::size_t size, std::uint32_t max_order, BuddyLockMode mode,
                   Observer* observer, std::size_t initial = 0) {
        if (max_order > kMaxOrderLimit) return InitError::BadMaxOrder;
        max_order_ = max_order;
        lock_mode_ = mode;
        observer_ = observer;
        const std::uintptr_t begin = align_up(reinterpret_cast<std::uintptr_t>(start), kPageSize);
        const std::uintptr_t end =
            align_down(reinterpret_cast<std::uintptr_t>(start) + size, kPageSize);
        if (end <= begin) return InitError::RegionTooSmall;
        base_ = align_down(begin, order_bytes(Order{static_cast<std::uint8_t>(max_order)}));
        first_ = static_cast<std::uint32_t>((begin - base_) >> kPageShift);
        end_ = static_cast<std::uint32_t>((end - base_) >> kPageShift);
        const std::size_t pages = end_ - first_;
        const std::size_t meta_pages =
            (pages * sizeof(PageDescriptor) + kPageSize - 1) >> kPageShift;
        if (meta_pages + 1 > pages) return InitError::RegionTooSmall;
        descriptors_ = reinterpret_cast<PageDescriptor*>(begin);
        usable_first_ = first_ + static_cast<std::uint32_t>(meta_pages);
        usable_begin_ = base_ + (std::uintptr_t{usable_first_} << kPageShift);
        usable_descriptors_ = descriptors_ + (usable_first_ - first_);
        limit_ = end_;
        if (initial != 0) {
            // Up to a max-order boundary at least `initial` bytes past the descriptors,
            // so that the roots grow() adds later are the ones for_each_root gives.
            const std::uint64_t want = std::uint64_t{usable_first_} + divide_up(initial, kPageSize);
            const std::uint64_t top = std::uint64_t{1} << max_order;
            const std::uint64_t at = (want + top - 1) / top * top;
            if (at < limit_) end_ = static_cast<std::uint32_t>(at);
        }
        for (std::uint32_t i = first_; i < end_; ++i) new (&desc(PageIndex{i})) PageDescriptor{};
        usable_pages_.store(end_ - usable_first_, std::memory_order_relaxed);
        for (FreeList& list : lists_) {
            list.head.store(kNoPage, std::memory_order_relaxed);
            list.tail = kNoPage;
            list.count = 0;
        }
        for (std::uint32_t i = first_; i < usable_first_; ++i) desc(PageIndex{i}).set(PageState::Reserved);
        add_roots(usable_first_, end_.load(std::memory_order_relaxed));
        return InitError::None;
    }

    // A block of 2^order pages, or null (an AllocFailure action) if none is free.
    void* allocate(CpuId cpu, Order order) {
        if (index_of(order) > max_order_) return fail(cpu, order);
        // Out of blocks with the reservation not all managed: manage more, once.
        void* p = with_growth(std::size_t{1} << index_of(order), [&] { return take(cpu, order); });
        return p != nullptr ? p : fail(cpu, order);
    }

    // Manages at least `pages` more pages of the reservation (in steps of 64 MiB, or
    // what is left): their descriptors written, their max-order blocks freed. False if
    // the reservation is all managed. Takes every lock: no operation is inside.
    bool grow(std::size_t pages) {
        lock_all();
        const std::uint32_t old_end = end_.load(std::memory_order_relaxed);
        bool grew = false;
        if (old_end < limit_) {
            const std::uint64_t top = std::uint64_t{1} << max_order_;
            const std::uint64_t chunk = (std::uint64_t{64} << 20) >> kPageShift;
            const std::uint64_t step = chunk > top ? chunk : top;
            std::uint64_t at = old_end + (pages > step ? pages : step);
            at = (at + top - 1) / top * top;
            const std::uint32_t new_end = at < limit_ ? static_cast<std::uint32_t>(at) : limit_;
            for (std::uint32_t i = old_end; i < new_end; ++i) new (&desc(PageIndex{i})) PageDescriptor{};
            end_.store(new_end, std::memory_order_relaxed);
            add_roots(old_end, new_end);
            // Published last: a pointer into the new pages is only looked up once the
            // program had it from an allocation, after this.
            usable_pages_.store(new_end - usable_first_, std::memory_order_release);
            grew = true;
        }
        unlock_all();
        return grew;
    }

    // The bytes of the reservation the buddy may still take on (grow()).
    std::size_t unmanaged_bytes() const {
        return std::size_t{limit_ - end_.load(std::memory_order_relaxed)} << kPageShift;
    }


    // REQUIRES: `block` came from allocate(order) (its head says BlockHead, SlabHead or
    // InFlight of that order) and is not used any more.
    void free(CpuId cpu, void* block_address, Order order) { free_block(cpu, block_address, order, false); }

    // free(), and with `cold` the block (or what it merges into) goes to the back of
    // its list, so allocations take it last: give_back's tails, which then stay free
    // longer and coalesce again when their run is freed, instead of being taken by a
    // small long-lived block that would keep the max-order block split for good.
    void free_block(CpuId cpu, void* block_address, Order order, bool cold) {
        PageIndex block = page_of(block_address);
        ALLOCSIM_ASSERT(block != kNoPage);
        ALLOCSIM_ASSERT_OP(index_of(order), <=, max_order_);
        GlobalGuard global(*this, cpu);
        record(cpu, ActionKind::BuddyFree, order, address_of(block), 0);
        std::uint32_t k = index_of(order);
        desc(block).set(PageState::InFlight, order);
        for (;;) {
            OrderGuard guard(*this, cpu, k);
            if (k < max_order_) {
                const PageIndex buddy = PageIndex{index_of(block) ^ (1u << k)};
                if (managed(buddy) && desc(buddy).is(PageState::FreeHead, order_of(k))) {
                    unlink(buddy, k);
                    guard.release();
                    // Merge: the lower of the two heads leads the block of order k+1.
                    const PageIndex lower = index_of(buddy) < index_of(block) ? buddy : block;
                    const PageIndex upper = lower == buddy ? block : buddy;
                    desc(upper).set(PageState::Interior);
                    desc(lower).set(PageState::InFlight, order_of(k + 1));
                    record(cpu, ActionKind::BuddyCoalesce, order_of(k), address_of(lower), 3);
                    block = lower;
                    ++k;
                    continue;
                }
            }
            desc(block).set(PageState::FreeHead, order_of(k));
            if (cold) push_back(block, k);
            else push(block, k);
            return;
        }
    }

    // An exact run of `pages` pages whose head is aligned to 2^align_order pages, or
    // null (an AllocFailure action). Takes the smallest block of at least that order
    // holding it, or a run of max-order blocks, then frees the pages past `pages`;
    // without `trim` the run keeps the whole block or blocks.
    void* allocate_exact(CpuId cpu, std::size_t pages, std::uint32_t align_order, bool trim = true) {
        if (pages == 0 || align_order > max_order_) return fail(cpu, Order{0});
        const std::size_t top = std::size_t{1} << max_order_;
        const std::size_t span = span_pages(pages, align_order);
        std::uint32_t order = max_order_;
        void* base = nullptr;
        if (pages <= top) {
            order = static_cast<std::uint32_t>(__builtin_ctzll(span));
            base = allocate(cpu, order_of(order));
        } else {
            if (span / top > 0xFFFFFFFFu) return fail(cpu, max_order());
            base = allocate_run(cpu, static_cast<std::uint32_t>(span / top));
        }
        if (base == nullptr) return nullptr;
        if (!trim) pages = span;
        const PageIndex head = page_of(base);
        // Interior pages say so: a pointer into the run is then no object or block
        // (a stale head from an earlier life could say otherwise).
        for (std::size_t j = 1; j < pages; ++j) desc(PageIndex{index_of(head) + static_cast<std::uint32_t>(j)}).set(PageState::Interior);
        PageDescriptor& d = desc(head);
        d.link = static_cast<std::uint32_t>(pages);
        d.set(PageState::LargeHead, order_of(order));
        give_back(cpu, index_of(head) + pages, index_of(head) + span);
        return base;
    }

    // Frees an exact run (allocate_exact; a slab run cut from one says SlabHead): its
    // whole max-order blocks straight onto the top list, the rest as aligned pieces
    // that coalesce.
    void free_exact(CpuId cpu, void* run) {
        const PageIndex head = page_of(run);
        ALLOCSIM_ASSERT(head != kNoPage && (desc(head).state() == PageState::LargeHead ||
                                            desc(head).state() == PageState::SlabHead));
        const std::size_t pages = desc(head).link;
        const std::uint32_t blocks = static_cast<std::uint32_t>(pages >> max_order_);
        if (blocks > 0) free_blocks_of_run(cpu, head, blocks);
        give_back(cpu, index_of(head) + (std::size_t{blocks} << max_order_), index_of(head) + pages, false);
    }

    // Shrinks an exact run in place to `pages` (at least 1, at most its length):
    // the pages past it go back to the buddy.
    void shrink_exact(CpuId cpu, void* run, std::size_t pages) {
        const PageIndex head = page_of(run);
        PageDescriptor& d = desc(head);
        ALLOCSIM_ASSERT(d.state() == PageState::LargeHead && pages >= 1 && pages <= d.link);
        const std::size_t old = d.link;
        d.link = static_cast<std::uint32_t>(pages);
        give_back(cpu, index_of(head) + pages, index_of(head) + old);
    }

    // The pages of the block, or run of max-order blocks, that allocate_exact takes
    // for `pages` pages aligned to 2^align_order (before it gives the tail back).
    std::size_t span_pages(std::size_t pages, std::uint32_t align_order) const {
        const std::size_t top = std::size_t{1} << max_order_;
        if (pages > top) return divide_up(pages, top) * top;
        std::size_t span = std::size_t{1} << align_order;
        while (span < pages) span <<= 1;
        return span;
    }

    // The pages of an exact run. REQUIRES: run came from allocate_exact.
    std::size_t exact_pages(const void* run) const { return desc(page_of(run)).link; }

    // The large-object path: `blocks` contiguous max-order blocks, or null. The run is
    // a LargeHead of blocks << max_order pages.
    void* allocate_run(CpuId cpu, std::uint32_t blocks) {
        if (blocks == 0) return fail(cpu, Order{0});
        // No run that long: manage enough more of the reservation for one at its end.
        void* p = with_growth(std::size_t{blocks} << max_order_, [&] { return take_run(cpu, blocks); });
        return p != nullptr ? p : fail(cpu, max_order());
    }


    // Puts the first `blocks` max-order blocks of the run at `head` on the top list.
    void free_blocks_of_run(CpuId cpu, PageIndex head, std::uint32_t blocks) {
        GlobalGuard global(*this, cpu);
        OrderGuard guard(*this, cpu, max_order_);
        const std::uint32_t step = 1u << max_order_;
        for (std::uint32_t j = 0; j < blocks; ++j) {
            const PageIndex b = PageIndex{index_of(head) + j * step};
            desc(b).set(PageState::FreeHead, max_order());
            push(b, max_order_);
        }
        Action a{ActionKind::LargeFree, cpu};
        a.order = max_order();
        a.objects = blocks;
        a.nodes = 2 * blocks;
        a.address = addr(head);
        observe(a);
    }

    // --- addresses and descriptors -------------------------------------------------

    // The page holding `p`, or kNoPage if `p` is outside the usable range.
    PageIndex page_of(const void* p) const {
        const std::uintptr_t i = usable_page_of(p);
        return i < usable_pages() ? PageIndex{static_cast<std::uint32_t>(i) + usable_first_} : kNoPage;
    }
    // The hot-path form of page_of: p's page counted from the first usable page, and
    // at least usable_pages() if p is outside (below the range, the subtraction wraps).
    std::uintptr_t usable_page_of(const void* p) const {
        return (reinterpret_cast<std::uintptr_t>(p) - usable_begin_) >> kPageShift;
    }
    std::uintptr_t usable_pages() const { return usable_pages_.load(std::memory_order_acquire); }
    const PageDescriptor& usable_desc(std::uintptr_t i) const { return usable_descriptors_[i]; }
    std::uint32_t usable_first() const { return usable_first_; }
    void* address_of(PageIndex i) const {
        return reinterpret_cast<void*>(base_ + (std::uintptr_t{index_of(i)} << kPageShift));
    }
    PageDescriptor& desc(PageIndex i) { return descriptors_[index_of(i) - first_]; }
    const PageDescriptor& desc(PageIndex i) const { return descriptors_[index_of(i) - first_]; }
    bool managed(PageIndex i) const { return index_of(i) >= usable_first_ && index_of(i) < end_; }

    // --- introspection --------------------------------------------------------------

    Order max_order() const { return order_of(max_order_); }
    BuddyLockMode lock_mode() const { return lock_mode_; }

    // Every lock held, so that no other thread is inside the buddy (a malloc's
    // fork(): the child must not inherit a lock held by a thread it does not have).
    // Operations take at most one lock at a time, so taking them all in one order
    // cannot deadlock with them.
    void lock_all() {
        global_lock_.lock();
        for (Lock& l : order_locks_) l.lock();
    }
    void unlock_all() {
        for (Lock& l : order_locks_) l.unlock();
        global_lock_.unlock();
    }
    std::uint32_t free_blocks(Order o) const { return index_of(o) <= max_order_ ? lists_[index_of(o)].count : 0; }
    std::size_t free_bytes() const {
        std::size_t bytes = 0;
        for (std::uint32_t k = 0; k <= max_order_ && k <= kMaxOrderLimit; ++k) bytes += std::size_t{lists_[k].count} << (k + kPageShift);
        return bytes;
    }
    std::uintptr_t usable_begin() const { return usable_begin_; }
    std::uintptr_t usable_end() const { return base_ + (std::uintptr_t{end_} << kPageShift); }
    std::size_t usable_bytes() const { return usable_end() - usable_begin(); }
    std::size_t metadata_bytes() const { return std::size_t{usable_first_ - first_} << kPageShift; }

    // The blocks init() carved, in address order: the largest aligned block at each
    // position. After every allocation is freed, the free lists hold exactly these.
    template <class F>
    void for_each_root(F&& f) const {
        for_each_root_in(usable_first_, end_.load(std::memory_order_relaxed), f);
    }
    // The same over [from, to): from usable_first_ or a max-order boundary (grow()).
    template <class F>
    void for_each_root_in(std::uint32_t from, std::uint32_t to, F&& f) const {
        std::uint32_t i = from;
        while (i < to) {
            std::uint32_t k = max_order_;
            while (k > 0 && ((i & ((1u << k) - 1)) != 0 || i + (1u << k) > to)) --k;
            f(PageIndex{i}, order_of(k));
            i += 1u << k;
        }
    }

    // Visits the free blocks of order `o`, list order (most recently freed first).
    template <class F>
    void for_each_free_block(Order o, F&& f) const {
        if (index_of(o) > max_order_ || index_of(o) > kMaxOrderLimit) return;
        std::uint32_t guard = 0;
        for (PageIndex i = lists_[index_of(o)].first(); i != kNoPage && guard <= end_; i = desc(i).next, ++guard)
            f(address_of(i));
    }

    // Visits every block and run in address order. Returns false if the heads do not
    // tile the range (a head's extent runs into the next head, or an interior page is
    // met where a head should be); `f` has been called for everything before that.
    template <class F>
    bool for_each_tile(F&& f) const {
        std::uint32_t i = usable_first_;
        while (i < end_) {
            const PageDescriptor& d = desc(PageIndex{i});
            const PageState s = d.state();
            std::size_t pages = 0;
            switch (s) {
                case PageState::FreeHead:
                case PageState::InFlight:
                case PageState::BlockHead: pages = std::size_t{1} << index_of(d.order()); break;
                case PageState::SlabHead:  // exact runs, as LargeHead
                case PageState::LargeHead: pages = d.link; break;
                case PageState::Reserved: pages = 1; break;
                case PageState::Interior:
                case PageState::SlabTail: return false;
            }
            if (pages == 0 || i + pages > end_) return false;
            f(Tile{PageIndex{i}, pages, s, d.order(), &d});
            i += static_cast<std::uint32_t>(pages);
        }
        return i == end_;
    }

    // Verifies every buddy invariant. REQUIRES: no concurrent operation.
    CheckResult check() const {
        std::uint32_t tiles_free[kMaxOrderLimit + 1] = {};
        CheckResult bad;
        const bool tiled = for_each_tile([&](const Tile& t) {
            if (!bad.ok) return;
            const std::uint32_t head = index_of(t.head);
            if (t.state == PageState::InFlight)
                bad = CheckResult::fail("block in flight at quiescence", addr(t.head));
            else if (t.state != PageState::Reserved && t.state != PageState::LargeHead &&
                     t.state != PageState::SlabHead && index_of(t.order) > max_order_)
                bad = CheckResult::fail("block order above max_order", addr(t.head), max_order_, index_of(t.order));
            else if (t.state != PageState::Reserved && t.state != PageState::LargeHead && t.state != PageState::SlabHead &&
                     (head & (t.pages - 1)) != 0)
                bad = CheckResult::fail("block not aligned to its size", addr(t.head), t.pages, head);
            else if ((t.state == PageState::LargeHead || t.state == PageState::SlabHead) &&
                     ((head & ((1u << index_of(t.order)) - 1)) != 0 || index_of(t.order) > max_order_))
                bad = CheckResult::fail_named("page run not aligned to its order", addr(t.head), "the run's order",
                                              index_of(t.order), "the head page", head);
            else if (t.state == PageState::FreeHead)
                ++tiles_free[index_of(t.order)];
        });
        if (!bad.ok) return bad;
        if (!tiled) return CheckResult::fail("block heads do not tile the region (overlap or hole)");
        for (std::uint32_t k = 0; k <= max_order_; ++k) {
            std::uint32_t n = 0;
            PageIndex prev = kNoPage;
            for (PageIndex i = lists_[k].first(); i != kNoPage; i = desc(i).next) {
                if (!managed(i)) return CheckResult::fail("free list entry outside the region", addr(i));
                const PageDescriptor& d = desc(i);
                if (!d.is(PageState::FreeHead, order_of(k)))
                    return CheckResult::fail("free list entry is not a free head of its order", addr(i), k, index_of(d.order()));
                if (d.prev != prev) return CheckResult::fail("free list prev link broken", addr(i));
                if (prev != kNoPage && desc(prev).cold != 0 && d.cold == 0)
                    return CheckResult::fail("free list holds a warm block after a cold one", addr(i), k, 0);
                if ((index_of(i) & ((1u << k) - 1)) != 0)
                    return CheckResult::fail("free block not aligned to its size", addr(i));
                if (k < max_order_) {
                    const PageIndex buddy = PageIndex{index_of(i) ^ (1u << k)};
                    if (managed(buddy) && desc(buddy).is(PageState::FreeHead, order_of(k)))
                        return CheckResult::fail("free block's buddy is free at the same order (missed coalesce)", addr(i));
                }
                if (++n > lists_[k].count) break;
                prev = i;
            }
            if (n != lists_[k].count) return CheckResult::fail("free list length differs from its count", 0, lists_[k].count, n);
            if (prev != lists_[k].tail && n == lists_[k].count)
                return CheckResult::fail("free list tail is not its last block", addr(lists_[k].tail));
            if (n != tiles_free[k]) return CheckResult::fail("free heads in the region differ from free list length", 0, tiles_free[k], n);
        }
        return CheckResult{};
    }

private:
    // A free block of 2^order pages (split from a larger one if need be), or null.
    void* take(CpuId cpu, Order order) {
        GlobalGuard global(*this, cpu);
        PageIndex block = kNoPage;
        std::uint32_t k = index_of(order);
        // Cold blocks (the tails exact runs gave back) are the last resort: a warm
        // block of any order at or above `order` is split first, so the tails stay
        // free to coalesce with their runs. Warm blocks come before cold ones on
        // every list, so a list's first block is cold only if all of them are.
        bool cold = false;
        for (int pass = 0; pass < 2 && block == kNoPage; ++pass) {
            for (k = index_of(order); k <= max_order_; ++k) {
                // In per-order mode, skip an empty order without taking its lock: a
                // block pushed there meanwhile only means we split a larger one instead.
                if (lock_mode_ == BuddyLockMode::PerOrder && lists_[k].first() == kNoPage) continue;
                OrderGuard guard(*this, cpu, k);
                const PageIndex first = lists_[k].first();
                if (first != kNoPage && (pass == 1 || desc(first).cold == 0)) {
                    block = first;
                    cold = desc(block).cold != 0;
                    unlink(block, k);
                    desc(block).set(PageState::InFlight, order_of(k));
                    break;
                }
            }
        }
        if (block == kNoPage) return nullptr;
        // Split the block from order k down: keep the lower half, free the upper (as
        // cold as the block was).
        while (k > index_of(order)) {
            --k;
            const PageIndex upper = PageIndex{index_of(block) + (1u << k)};
            record(cpu, ActionKind::BuddySplit, order_of(k + 1), address_of(block), 2);
            OrderGuard guard(*this, cpu, k);
            desc(upper).set(PageState::FreeHead, order_of(k));
            if (cold) push_back(upper, k);
            else push(upper, k);
        }
        desc(block).set(PageState::BlockHead, order);
        record(cpu, ActionKind::BuddyAlloc, order, address_of(block), 0);
        return address_of(block);
    }

    // A run of `blocks` contiguous free max-order blocks, or null.
    void* take_run(CpuId cpu, std::uint32_t blocks) {
        GlobalGuard global(*this, cpu);
        OrderGuard guard(*this, cpu, max_order_);
        const std::uint32_t step = 1u << max_order_;
        std::uint32_t run_head = 0;
        std::uint32_t run = 0;
        std::uint32_t scanned = 0;
        for (std::uint32_t i = static_cast<std::uint32_t>(align_up(usable_first_, step));
             i + step <= end_ && run < blocks; i += step) {
            ++scanned;
            if (desc(PageIndex{i}).is(PageState::FreeHead, max_order())) {
                if (run++ == 0) run_head = i;
            } else {
                run = 0;
            }
        }
        if (run < blocks) return nullptr;
        for (std::uint32_t j = 0; j < blocks; ++j) {
            const PageIndex b = PageIndex{run_head + j * step};
            unlink(b, max_order_);
            desc(b).set(PageState::Interior);
        }
        PageDescriptor& head = desc(PageIndex{run_head});
        head.link = blocks << max_order_;
        head.set(PageState::LargeHead, max_order());
        Action a{ActionKind::LargeAlloc, cpu};
        a.order = max_order();
        a.objects = blocks;
        a.nodes = scanned + 3 * blocks;
        a.address = addr(PageIndex{run_head});
        observe(a);
        return address_of(PageIndex{run_head});
    }

    // The largest aligned blocks that tile [from, to), freed: the region at init, the
    // pages grow() takes on.
    void add_roots(std::uint32_t from, std::uint32_t to) {
        for_each_root_in(from, to, [this](PageIndex head, Order o) {
            desc(head).set(PageState::FreeHead, o);
            push(head, index_of(o));
        });
    }

    // `attempt()`, and if it found nothing while part of the reservation is not
    // managed yet, again once after grow(pages).
    template <class Attempt>
    void* with_growth(std::size_t pages, Attempt attempt) {
        void* p = attempt();
        if (p == nullptr && end_.load(std::memory_order_relaxed) < limit_ && grow(pages)) p = attempt();
        return p;
    }

    struct FreeList {
        // Most recently pushed block, kNoPage if empty. Written under the order's lock;
        // atomic only so that allocate() may peek at it without the lock.
        std::atomic<PageIndex> head{kNoPage};
        PageIndex tail = kNoPage;   // least recently pushed at the front, or pushed at the back
        std::uint32_t count = 0;    // blocks on the list
        PageIndex first() const { return head.load(std::memory_order_relaxed); }
    };

    // In global mode, holds the one lock for a whole operation; else does nothing.
    class GlobalGuard {
    public:
        GlobalGuard(BuddyAllocator& b, CpuId cpu) : b_(b) {
            if (b_.lock_mode_ == BuddyLockMode::Global) b_.acquire(cpu, b_.global_lock_, LockId::BuddyGlobal);
        }
        ~GlobalGuard() {
            if (b_.lock_mode_ == BuddyLockMode::Global) b_.global_lock_.unlock();
        }
    private:
        BuddyAllocator& b_;
    };

    // In per-order mode, holds order k's lock until release() or scope end.
    class OrderGuard {
    public:
        OrderGuard(BuddyAllocator& b, CpuId cpu, std::uint32_t k) : b_(b), k_(k) {
            held_ = b_.lock_mode_ == BuddyLockMode::PerOrder;
            if (held_) b_.acquire(cpu, b_.order_locks_[k], buddy_order_lock(order_of(k)));
        }
        ~OrderGuard() { release(); }
        void release() {
            if (held_) b_.order_locks_[k_].unlock();
            held_ = false;
        }
    private:
        BuddyAllocator& b_;
        std::uint32_t k_;
        bool held_;
    };

    static Order order_of(std::uint32_t k) { return Order{static_cast<std::uint8_t>(k)}; }
    std::uintptr_t addr(PageIndex i) const { return reinterpret_cast<std::uintptr_t>(address_of(i)); }

    void acquire(CpuId cpu, Lock& lock, LockId id) {
        bool contended = false;
        if (!lock.try_lock()) {
            contended = true;
            lock.lock();
        }
        Action a{ActionKind::LockAcquire, cpu};
        a.lock = id;
        a.contended = contended;
        observe(a);
    }

    // Frees the pages [from, to) of an allocation as the aligned power-of-two blocks
    // that tile them, lowest first; each coalesces as free() does, cold (a tail given
    // back at allocation) or warm (a run being freed). REQUIRES: from is
    // aligned to the largest block that fits before `to`, as every tail of a block
    // and every prefix of an aligned run is.
    void give_back(CpuId cpu, std::size_t from, std::size_t to, bool cold = true) {
        std::size_t i = from;
        while (i < to) {
            std::uint32_t k = max_order_;
            while (k > 0 && ((i & ((std::size_t{1} << k) - 1)) != 0 || i + (std::size_t{1} << k) > to)) --k;
            free_block(cpu, address_of(PageIndex{static_cast<std::uint32_t>(i)}), order_of(k), cold);
            i += std::size_t{1} << k;
        }
    }

    // Push onto the head of list k. REQUIRES: lock k held; desc(i) already FreeHead(k).
    void push(PageIndex i, std::uint32_t k) {
        PageDescriptor& d = desc(i);
        d.cold = 0;
        d.prev = kNoPage;
        d.next = lists_[k].first();
        if (d.next != kNoPage) desc(d.next).prev = i;
        else lists_[k].tail = i;
        lists_[k].head.store(i, std::memory_order_relaxed);
        ++lists_[k].count;
    }

    // Append to the back of list k. REQUIRES: lock k held; desc(i) already FreeHead(k).
    void push_back(PageIndex i, std::uint32_t k) {
        PageDescriptor& d = desc(i);
        d.cold = 1;
        d.next = kNoPage;
        d.prev = lists_[k].tail;
        if (d.prev != kNoPage) desc(d.prev).next = i;
        else lists_[k].head.store(i, std::memory_order_relaxed);
        lists_[k].tail = i;
        ++lists_[k].count;
    }

    // O(1) removal from anywhere in list k. REQUIRES: lock k held; i on list k.
    void unlink(PageIndex i, std::uint32_t k) {
        PageDescriptor& d = desc(i);
        if (d.prev != kNoPage) desc(d.prev).next = d.next;
        else lists_[k].head.store(d.next, std::memory_order_relaxed);
        if (d.next != kNoPage) desc(d.next).prev = d.prev;
        else lists_[k].tail = d.prev;
        d.prev = d.next = kNoPage;
        --lists_[k].count;
    }

    void* fail(CpuId cpu, Order order) {
        Action a{ActionKind::AllocFailure, cpu};
        a.order = order;
        observe(a);
        return nullptr;
    }

    void record(CpuId cpu, ActionKind kind, Order order, void* address, std::uint32_t nodes) {
        Action a{kind, cpu};
        a.order = order;
        a.nodes = nodes;
        a.address = reinterpret_cast<std::uintptr_t>(address);
        observe(a);
    }
    void observe(const Action& a) {
        if constexpr (Observer::kEnabled) observer_->record(a);
    }

    PageDescriptor* descriptors_ = nullptr;  // const: [first_, limit_) pages, at the region start; written to end_
    std::uintptr_t base_ = 0;                // const: page index 0; aligned to the max block
    std::uint32_t first_ = 0;                // const: first page of the region
    std::uint32_t usable_first_ = 0;         // const: first page after the descriptors
    // One past the last page managed: the reservation's end, or less until grow()
    // takes on the rest (under every lock; read without one only where a stale value
    // is harmless: a pointer past it was never handed out).
    std::atomic<std::uint32_t> end_{0};
    std::uint32_t limit_ = 0;                // const: one past the last page of the reservation
    std::uintptr_t usable_begin_ = 0;        // const: address of usable_first_
    std::atomic<std::uintptr_t> usable_pages_{0};  // end_ - usable_first_
    PageDescriptor* usable_descriptors_ = nullptr;  // const: the descriptor of usable_first_
    std::uint32_t max_order_ = 8;            // const
    BuddyLockMode lock_mode_ = BuddyLockMode::PerOrder;  // const
    Observer* observer_ = nullptr;           // const
    FreeList lists_[kMaxOrderLimit + 1];     // list k guarded by order_locks_[k] (or global_lock_)
    Lock order_locks_[kMaxOrderLimit + 1];
    Lock global_lock_;
};

}  // namespace allocsim
