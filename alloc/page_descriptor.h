// PageDescriptor: one per 4 KiB page of the managed region, in one array.
//
// It answers in O(1) the questions the seed answered by searching: "is my buddy
// free, and of which order?", "which size class and CPU does this pointer's page
// belong to?" (free without size), and it carries the intrusive links of both the
// buddy free lists and the slabs' partial lists, so unlinking is O(1) and free
// memory itself is never touched by the buddy.
//
// Only the head page of a block carries meaning; interior pages keep whatever they
// held before (they are never read), except slab-run tails, which point at their
// head so an object in any page of a run finds its class.
//
// Invariants (at quiescence):
//   the heads tile the managed range: walking from the first page and skipping each
//   head's extent lands exactly on the next head and ends exactly at the end;
//   state FreeHead(k)  <=>  the block is on the buddy's free list of order k;
//   FreeHead is only set or cleared while holding the lock of its order.
#pragma once

#include <atomic>
#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

enum class PageState : std::uint8_t {
    Reserved,   // not managed: metadata, or outside the region
    FreeHead,   // head of a free buddy block of `order`
    InFlight,   // head of a block being split or coalesced (never seen at quiescence)
    Interior,   // inside a block whose head says what it is
    BlockHead,  // head of an allocated buddy block of `order` (page-level or mid-size allocation)
    SlabHead,   // head of a slab run of `link` pages (an exact run), aligned to 2^order
    SlabTail,   // another page of a slab run; `link` is the head's index
    LargeHead,  // head of an exact page run of `link` pages, aligned to 2^order pages
};

struct PageDescriptor {
    // State and order are one atomic so a reader holding order k's lock sees a
    // consistent pair, even while another CPU rewrites it under another order's lock.
    std::atomic<std::uint16_t> state_order{0};  // state | order << 8
    SizeClass size_class{};                     // SlabHead/SlabTail: the run's class
    std::uint8_t cold = 0;                      // FreeHead: on the back of its list (buddy_allocator.h)
    CpuId owner{};                              // SlabHead: the CpuSlab's CPU
    std::uint16_t free_count = 0;               // SlabHead: objects on free_list
    PageIndex prev = kNoPage;                   // FreeHead: buddy list; SlabHead: partial list
    PageIndex next = kNoPage;
    void* free_list = nullptr;                  // SlabHead: local intrusive free list
    std::uint32_t link = 0;                     // SlabTail: head index; SlabHead, LargeHead: pages
    mutable std::uint32_t check_scratch = 0;    // SlabHead: a counter only check() uses

    PageState state() const {
        return static_cast<PageState>(state_order.load(std::memory_order_relaxed) & 0xFF);
    }
    Order order() const {
        return Order{static_cast<std::uint8_t>(state_order.load(std::memory_order_relaxed) >> 8)};
    }
    bool is(PageState s, Order o) const {
        return state_order.load(std::memory_order_relaxed) == encode(s, o);
    }
    void set(PageState s, Order o = Order{0}) {
        state_order.store(encode(s, o), std::memory_order_relaxed);
    }
    static constexpr std::uint16_t encode(PageState s, Order o) {
        return static_cast<std::uint16_t>(static_cast<std::uint16_t>(s) | (index_of(o) << 8));
    }
};

static_assert(sizeof(PageDescriptor) == 32, "descriptors are 32 bytes: 0.8% of the region");

// The result of a whole-structure check: the first violation found, if any.
struct CheckResult {
    bool ok = true;
    const char* what = nullptr;      // a sentence naming the broken invariant
    std::uintptr_t address = 0;      // where it was found
    std::uint64_t expected = 0;      // the two sides of the broken equation, if any
    std::uint64_t actual = 0;
    // What the two sides are ("the bin's class size", ...), for a message a user can
    // read; the defaults suit an equation whose sentence says what is compared.
    const char* expected_name = "expected";
    const char* actual_name = "found";

    static CheckResult fail(const char* what, std::uintptr_t address = 0,
                            std::uint64_t expected = 0, std::uint64_t actual = 0) {
        return CheckResult{false, what, address, expected, actual};
    }
    static CheckResult fail_named(const char* what, std::uintptr_t address, const char* expected_name,
                                  std::uint64_t expected, const char* actual_name, std::uint64_t actual) {
        return CheckResult{false, what, address, expected, actual, expected_name, actual_name};
    }
};

}  // namespace allocsim
