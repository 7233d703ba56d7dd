// BuddyAllocator: orders, split and coalesce, and invariants in the spirit of the
// Linux DRM buddy tests (drm_buddy_test.c): every block is a power of two, aligned
// to its size, its buddy at offset XOR size, the roots sum to the region; and the
// pathological, pessimistic, optimistic and random scenarios.
#include <algorithm>
#include <map>
#include <set>

#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {

struct BuddyFixture {
    explicit BuddyFixture(std::size_t bytes, std::uint32_t max_order = 8,
                          BuddyLockMode mode = BuddyLockMode::PerOrder, std::size_t offset = 0)
        : region(bytes + offset) {
        REQUIRE(buddy.init(region.data() + offset, bytes, max_order, mode, &observer) == InitError::None);
    }
    std::size_t count(ActionKind k) const { return observer.total()[k]; }

    // Takes every free block below the max order (the roots init() carved around the
    // descriptors and at the region's end), so that only whole max-order blocks are
    // free and split counts are exact. Resets the counters.
    std::vector<std::pair<void*, unsigned>> reserve_partial_roots() {
        std::vector<std::pair<void*, unsigned>> taken;
        for (unsigned k = 0; k < index_of(buddy.max_order()); ++k)
            while (buddy.free_blocks(order(k)) > 0) taken.emplace_back(buddy.allocate(cpu(0), order(k)), k);
        observer.reset();
        return taken;
    }

    Region region;
    CountingObserver observer;
    Buddy buddy;
};

std::uintptr_t addr(void* p) { return reinterpret_cast<std::uintptr_t>(p); }

}  // namespace

TEST_CASE("buddy order: bytes to order") {
    CHECK(index_of(order_for_bytes(1)) == 0);
    CHECK(index_of(order_for_bytes(4096)) == 0);
    CHECK(index_of(order_for_bytes(4097)) == 1);
    CHECK(index_of(order_for_bytes(8192)) == 1);
    CHECK(index_of(order_for_bytes(1 << 20)) == 8);
    CHECK(index_of(order_for_bytes((1 << 20) + 1)) == 9);
    // No wrap near SIZE_MAX (bytes + 4095 would make it order 0).
    CHECK(index_of(order_for_bytes(SIZE_MAX)) == 52);
    CHECK(index_of(order_for_bytes(SIZE_MAX - 4095)) == 52);
    CHECK(order_bytes(order(8)) == (1u << 20));
}

TEST_CASE("init carves the largest aligned blocks, the roots tile and sum to the region") {
    // An awkward region: not aligned, not a power of two.
    BuddyFixture f((5 << 20) + 7 * 4096 + 123, 8, BuddyLockMode::PerOrder, 3 * 4096 + 17);
    const auto roots = roots_of(f.buddy);
    REQUIRE(!roots.empty());
    std::size_t sum = 0;
    std::uintptr_t expect = f.buddy.usable_begin();
    for (const auto& [a, k] : roots) {
        const std::size_t size = std::size_t{4096} << k;
        CHECK(a == expect);                 // contiguous, no overlap, no hole
        CHECK(a % size == 0);               // aligned to its size
        CHECK(k <= 8);
        sum += size;
        expect = a + size;
    }
    CHECK(expect == f.buddy.usable_end());
    CHECK(sum == f.buddy.usable_bytes());
    CHECK(sum == f.buddy.free_bytes());
    CHECK(free_blocks_of(f.buddy) == roots);
    // Everything else is descriptors or slack.
    CHECK(f.buddy.usable_bytes() + f.buddy.metadata_bytes() <= (5u << 20) + 7 * 4096 + 123);
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("split/coalesce cycle: one page from a fresh max-order block splits 8 times, and merges back") {
    BuddyFixture f(4 << 20);
    f.reserve_partial_roots();
    const auto before = free_blocks_of(f.buddy);
    const std::uint32_t max_blocks = f.buddy.free_blocks(order(8));
    REQUIRE(max_blocks >= 2);
    REQUIRE(f.buddy.free_blocks(order(0)) == 0);

    void* p = f.buddy.allocate(cpu(0), order(0));
    REQUIRE(p != nullptr);
    CHECK(f.count(ActionKind::BuddySplit) == 8);
    for (unsigned k = 0; k < 8; ++k) CHECK(f.buddy.free_blocks(order(k)) == 1);
    CHECK(f.buddy.free_blocks(order(8)) == max_blocks - 1);
    REQUIRE_VALID(f.buddy);

    f.buddy.free(cpu(0), p, order(0));
    CHECK(f.count(ActionKind::BuddyCoalesce) == 8);
    CHECK(free_blocks_of(f.buddy) == before);
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("buddy stats: free block counts and bytes follow every operation") {
    BuddyFixture f(2 << 20);
    f.reserve_partial_roots();
    const std::size_t total = f.buddy.free_bytes();
    void* a = f.buddy.allocate(cpu(0), order(2));
    void* b = f.buddy.allocate(cpu(0), order(2));
    REQUIRE((a != nullptr && b != nullptr));
    CHECK(f.buddy.free_bytes() == total - 2 * 16384);
    CHECK(addr(b) == (addr(a) ^ 16384));  // the second is the first's buddy
    CHECK(f.count(ActionKind::BuddyAlloc) == 2);
    CHECK(f.count(ActionKind::BuddySplit) == 6);  // 8->2 for a; b was a's free buddy
    f.buddy.free(cpu(0), a, order(2));
    CHECK(f.count(ActionKind::BuddyCoalesce) == 0);  // b still allocated
    f.buddy.free(cpu(0), b, order(2));
    CHECK(f.count(ActionKind::BuddyCoalesce) == 6);
    CHECK(f.buddy.free_bytes() == total);
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("full split and coalesce: every page of the region, then all back in random order") {
    for (BuddyLockMode mode : {BuddyLockMode::PerOrder, BuddyLockMode::Global}) {
        BuddyFixture f(2 << 20, 8, mode);
        const auto before = free_blocks_of(f.buddy);
        const std::size_t pages = f.buddy.free_bytes() / 4096;
        std::vector<void*> all;
        for (std::size_t i = 0; i < pages; ++i) {
            void* p = f.buddy.allocate(cpu(0), order(0));
            REQUIRE(p != nullptr);
            all.push_back(p);
        }
        CHECK(f.buddy.free_bytes() == 0);
        CHECK(f.buddy.allocate(cpu(0), order(0)) == nullptr);  // out of memory: null, and still valid
        REQUIRE_VALID(f.buddy);
        std::set<std::uintptr_t> distinct;
        for (void* p : all) distinct.insert(addr(p));
        CHECK(distinct.size() == pages);
        std::shuffle(all.begin(), all.end(), std::mt19937_64(42));
        for (void* p : all) f.buddy.free(cpu(0), p, order(0));
        CHECK(free_blocks_of(f.buddy) == before);
        REQUIRE_VALID(f.buddy);
        if (mode == BuddyLockMode::Global) CHECK(f.observer.total()[ActionKind::LockAcquire] == 2 * pages + 1);
    }
}

TEST_CASE("every allocated block is a power of two, aligned to its size, its buddy at offset XOR size") {
    BuddyFixture f(8 << 20);
    std::mt19937_64 rng(7);
    std::vector<std::pair<void*, unsigned>> live;
    for (int i = 0; i < 300; ++i) {
        const unsigned k = static_cast<unsigned>(rng() % 9);
        void* p = f.buddy.allocate(cpu(0), order(k));
        if (p == nullptr) continue;
        const std::size_t size = std::size_t{4096} << k;
        CHECK(addr(p) % size == 0);
        CHECK(f.buddy.desc(f.buddy.page_of(p)).is(PageState::BlockHead, order(k)));
        live.emplace_back(p, k);
    }
    // No two live blocks overlap.
    std::map<std::uintptr_t, std::uintptr_t> ranges;
    for (auto [p, k] : live) ranges[addr(p)] = addr(p) + (std::size_t{4096} << k);
    std::uintptr_t end = 0;
    for (auto [b, e] : ranges) {
        CHECK(b >= end);
        end = e;
    }
    // Free the lower half of every pair whose buddy is also live: the buddy sits at
    // offset XOR size and they coalesce only when both are free.
    std::set<std::uintptr_t> starts;
    for (auto [p, k] : live) starts.insert(addr(p));
    REQUIRE_VALID(f.buddy);
    for (auto [p, k] : live) f.buddy.free(cpu(0), p, order(k));
    REQUIRE_VALID(f.buddy);
    CHECK(free_blocks_of(f.buddy) == roots_of(f.buddy));
}

TEST_CASE("pathological: free every other page, nothing may merge, then the rest, everything merges") {
    BuddyFixture f(1 << 20 << 1);
    const std::size_t pages = f.buddy.free_bytes() / 4096;
    std::vector<void*> all;
    for (std::size_t i = 0; i < pages; ++i) all.push_back(f.buddy.allocate(cpu(0), order(0)));
    std::sort(all.begin(), all.end());
    for (std::size_t i = 0; i < pages; i += 2) f.buddy.free(cpu(0), all[i], order(0));
    CHECK(f.observer.total()[ActionKind::BuddyCoalesce] == 0);
    CHECK(f.buddy.free_blocks(order(0)) == pages / 2);
    // Half the memory is free, yet no order-1 block exists: external fragmentation.
    CHECK(f.buddy.allocate(cpu(0), order(1)) == nullptr);
    REQUIRE_VALID(f.buddy);
    for (std::size_t i = 1; i < pages; i += 2) f.buddy.free(cpu(0), all[i], order(0));
    CHECK(free_blocks_of(f.buddy) == roots_of(f.buddy));
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("pessimistic: fill with pages, free all but one per max block, no max-order block may form") {
    BuddyFixture f(4 << 20);
    std::vector<void*> all;
    while (void* p = f.buddy.allocate(cpu(0), order(0))) all.push_back(p);
    std::sort(all.begin(), all.end());
    std::vector<void*> kept;
    std::uintptr_t last_mib = ~std::uintptr_t{0};
    for (void* p : all) {
        if ((addr(p) >> 20) != last_mib) {  // keep the lowest page of each 1 MiB
            last_mib = addr(p) >> 20;
            kept.push_back(p);
        } else {
            f.buddy.free(cpu(0), p, order(0));
        }
    }
    CHECK(f.buddy.free_blocks(order(8)) == 0);
    CHECK(f.buddy.free_bytes() == (all.size() - kept.size()) * 4096);
    CHECK(f.buddy.allocate(cpu(0), order(8)) == nullptr);
    REQUIRE_VALID(f.buddy);
    for (void* p : kept) f.buddy.free(cpu(0), p, order(0));
    CHECK(free_blocks_of(f.buddy) == roots_of(f.buddy));
}

TEST_CASE("optimistic: take every max-order block, free one, every smaller order fits in it") {
    BuddyFixture f(4 << 20);
    std::vector<void*> big;
    while (void* p = f.buddy.allocate(cpu(0), order(8))) big.push_back(p);
    REQUIRE(big.size() >= 3);
    CHECK(f.buddy.free_bytes() < (1u << 20));  // only sub-max roots left, if any
    f.buddy.free(cpu(0), big.back(), order(8));
    big.pop_back();
    std::vector<std::pair<void*, unsigned>> small;
    for (int k = 7; k >= 0; --k) {
        void* p = f.buddy.allocate(cpu(0), order(static_cast<unsigned>(k)));
        REQUIRE(p != nullptr);
        small.emplace_back(p, static_cast<unsigned>(k));
    }
    REQUIRE_VALID(f.buddy);
    for (auto [p, k] : small) f.buddy.free(cpu(0), p, order(k));
    for (void* p : big) f.buddy.free(cpu(0), p, order(8));
    CHECK(free_blocks_of(f.buddy) == roots_of(f.buddy));
}

TEST_CASE("random: mixed orders with a check after every step, both lock modes") {
    for (BuddyLockMode mode : {BuddyLockMode::PerOrder, BuddyLockMode::Global}) {
        BuddyFixture f((3 << 20) + 5 * 4096, 8, mode);
        std::mt19937_64 rng(1234);
        std::vector<std::pair<void*, unsigned>> live;
        std::size_t failures = 0;
        for (int step = 0; step < 4000; ++step) {
            if (live.empty() || rng() % 3 != 0) {
                const unsigned k = static_cast<unsigned>(rng() % 6);
                if (void* p = f.buddy.allocate(cpu(0), order(k))) live.emplace_back(p, k);
                else ++failures;
            } else {
                const std::size_t i = rng() % live.size();
                f.buddy.free(cpu(0), live[i].first, order(live[i].second));
                live[i] = live.back();
                live.pop_back();
            }
            if (step % 16 == 0) REQUIRE_VALID(f.buddy);
        }
        CHECK(failures > 0);  // the region is small: some requests must fail, cleanly
        CHECK(f.observer.total()[ActionKind::AllocFailure] == failures);
        for (auto [p, k] : live) f.buddy.free(cpu(0), p, order(k));
        REQUIRE_VALID(f.buddy);
        CHECK(free_blocks_of(f.buddy) == roots_of(f.buddy));
    }
}

TEST_CASE("max order is configurable: order 10 gives 4 MiB blocks") {
    BuddyFixture f(9 << 20, 10);
    CHECK(index_of(f.buddy.max_order()) == 10);
    void* p = f.buddy.allocate(cpu(0), order(10));
    REQUIRE(p != nullptr);
    CHECK(addr(p) % (4 << 20) == 0);
    CHECK(f.buddy.allocate(cpu(0), order(11)) == nullptr);
    f.buddy.free(cpu(0), p, order(10));
    REQUIRE_VALID(f.buddy);
    Buddy bad;
    CountingObserver o;
    Region r(1 << 20);
    CHECK(bad.init(r.data(), r.size(), kMaxOrderLimit + 1, BuddyLockMode::Global, &o) == InitError::BadMaxOrder);
}

TEST_CASE("large-object path: runs of contiguous max-order blocks") {
    BuddyFixture f(8 << 20);
    const auto before = free_blocks_of(f.buddy);
    void* run = f.buddy.allocate_run(cpu(0), 3);
    REQUIRE(run != nullptr);
    CHECK(addr(run) % (1 << 20) == 0);
    CHECK(f.buddy.desc(f.buddy.page_of(run)).state() == PageState::LargeHead);
    REQUIRE_VALID(f.buddy);
    CHECK(f.buddy.allocate_run(cpu(0), 100) == nullptr);
    f.buddy.free_exact(cpu(0), run);  // a run is an exact run of whole blocks
    CHECK(free_blocks_of(f.buddy) == before);
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("exact page runs: the tail goes back at once, shrinks in place, and all of it coalesces when freed") {
    for (BuddyLockMode mode : {BuddyLockMode::Global, BuddyLockMode::PerOrder}) {
        BuddyFixture f(8 << 20, 8, mode);
        const auto before = free_blocks_of(f.buddy);
        const std::size_t free_before = f.buddy.free_bytes();
        for (std::size_t pages : {1, 2, 3, 5, 7, 8, 9, 100, 255, 256, 257, 300, 600, 1000}) {
            INFO("pages " << pages);
            void* run = f.buddy.allocate_exact(cpu(0), pages, 0);
            REQUIRE(run != nullptr);
            const std::size_t kept = pages;
            CHECK(f.buddy.exact_pages(run) == kept);
            CHECK(f.buddy.free_bytes() == free_before - kept * 4096);  // not a page more
            CHECK(addr(run) % (std::size_t{4096} << (pages > 256 ? 8 : index_of(order_for_bytes(pages * 4096)))) == 0);
            REQUIRE_VALID(f.buddy);
            if (pages > 2) {
                f.buddy.shrink_exact(cpu(0), run, pages / 2);
                CHECK(f.buddy.exact_pages(run) == pages / 2);
                CHECK(f.buddy.free_bytes() == free_before - (pages / 2) * 4096);
                REQUIRE_VALID(f.buddy);
            }
            f.buddy.free_exact(cpu(0), run);
            REQUIRE_VALID(f.buddy);
            CHECK(free_blocks_of(f.buddy) == before);  // coalesced back to the roots
        }
        // An aligned run: 3 pages on a 64 KiB boundary.
        void* aligned = f.buddy.allocate_exact(cpu(0), 3, 4);
        REQUIRE(aligned != nullptr);
        CHECK(addr(aligned) % 65536 == 0);
        CHECK(f.buddy.free_bytes() == free_before - 3 * 4096);
        REQUIRE_VALID(f.buddy);
        f.buddy.free_exact(cpu(0), aligned);
        CHECK(free_blocks_of(f.buddy) == before);
        CHECK(f.buddy.allocate_exact(cpu(0), 5000, 0) == nullptr);  // more than the region
        REQUIRE_VALID(f.buddy);
    }
}

TEST_CASE("exact page runs: the tails go to the back of their lists, so allocations take them last") {
    BuddyFixture f(8 << 20, 8, BuddyLockMode::Global);
    void* first = f.buddy.allocate(cpu(0), order(0));  // splits a max block: a free page beside it
    REQUIRE(first != nullptr);
    void* run = f.buddy.allocate_exact(cpu(0), 5, 0);  // an order-3 block, pages 5..7 given back
    REQUIRE(run != nullptr);
    const std::uintptr_t tail_page = addr(run) + 5 * 4096;
    void* page = f.buddy.allocate(cpu(0), order(0));
    REQUIRE(page != nullptr);
    CHECK(addr(page) != tail_page);  // the older free page first
    CHECK(addr(page) == addr(first) + 4096);
    REQUIRE_VALID(f.buddy);
    f.buddy.free(cpu(0), page, order(0));
    f.buddy.free(cpu(0), first, order(0));
    f.buddy.free_exact(cpu(0), run);
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("check() finds a corrupted buddy: a block on the wrong list, a missed coalesce") {
    BuddyFixture f(2 << 20);
    void* p = f.buddy.allocate(cpu(0), order(0));
    REQUIRE(p != nullptr);
    REQUIRE_VALID(f.buddy);
    // Pretend the allocated page is a free head: it is on no list, so counts differ.
    PageDescriptor& d = f.buddy.desc(f.buddy.page_of(p));
    d.set(PageState::FreeHead, order(0));
    const CheckResult r = f.buddy.check();
    CHECK_FALSE(r.ok);
    MESSAGE("check() said: " << describe(r));
    d.set(PageState::BlockHead, order(0));
    REQUIRE_VALID(f.buddy);
}

TEST_CASE("cold blocks last: a page request splits a warm block before it takes an exact run's cold tail") {
    for (const BuddyLockMode mode : {BuddyLockMode::Global, BuddyLockMode::PerOrder}) {
        BuddyFixture f(4 << 20, 8, mode);
        f.reserve_partial_roots();
        // A 3-page exact run: the order-2 block's last page goes back cold.
        void* run = f.buddy.allocate_exact(cpu(0), 3, 0);
        REQUIRE(run != nullptr);
        REQUIRE(f.buddy.free_blocks(order(0)) == 1);
        const std::uintptr_t tail = addr(run) + 3 * kPageSize;
        // One page: a warm block is free (the split's halves), so the tail stays free.
        void* page = f.buddy.allocate(cpu(0), order(0));
        REQUIRE(page != nullptr);
        CHECK(addr(page) != tail);
        REQUIRE_VALID(f.buddy);
        // Freeing the run coalesces it with its tail into the order-2 block again.
        f.buddy.free_exact(cpu(0), run);
        REQUIRE_VALID(f.buddy);
        f.buddy.free(cpu(0), page, order(0));
        CHECK(f.buddy.free_blocks(order(0)) == 0);
        REQUIRE_VALID(f.buddy);

        // With nothing warm left, the cold tail is taken rather than failing.
        std::vector<void*> pages;
        while (void* p = f.buddy.allocate(cpu(0), order(0))) pages.push_back(p);
        void* again = nullptr;
        for (void*& p : pages) {  // free one page at the end of a 4-page group, cold
            if ((addr(p) / kPageSize) % 4 == 3) {
                f.buddy.free_block(cpu(0), p, order(0), true);
                again = p;
                p = nullptr;
                break;
            }
        }
        REQUIRE(again != nullptr);
        CHECK(f.buddy.allocate(cpu(0), order(0)) == again);
        REQUIRE_VALID(f.buddy);
    }
}

TEST_CASE("grow: a buddy that starts with part of its region takes on the rest as it runs out, as if it had it all") {
    // 40 MiB reserved, 2 MiB managed at first; an awkward end (not a max-order multiple).
    const std::size_t bytes = (40u << 20) + 5 * 4096 + 100;
    Region region(bytes);
    CountingObserver observer;
    Buddy grown;
    REQUIRE(grown.init(region.data(), bytes, 8, BuddyLockMode::PerOrder, &observer, 2u << 20) == InitError::None);
    Region whole_region(bytes);
    CountingObserver whole_observer;
    Buddy whole;
    REQUIRE(whole.init(whole_region.data(), bytes, 8, BuddyLockMode::PerOrder, &whole_observer) == InitError::None);
    CHECK(grown.usable_bytes() < (4u << 20));
    CHECK(grown.unmanaged_bytes() > (35u << 20));
    REQUIRE_VALID(grown);
    // Take everything, pages and runs of blocks: each grows when it must.
    std::vector<std::pair<void*, unsigned>> blocks;
    for (unsigned k : {0u, 3u, 8u, 5u}) {
        while (void* p = grown.allocate(cpu(0), order(k))) {
            blocks.emplace_back(p, k);
            REQUIRE_VALID(grown);
            if (blocks.size() > 100000) break;
        }
    }
    CHECK(grown.unmanaged_bytes() == 0);
    CHECK(grown.usable_bytes() == whole.usable_bytes());  // all of it, in the end
    CHECK(grown.free_bytes() == 0);
    CHECK(observer.total()[ActionKind::AllocFailure] == 4);  // one per order, at the very end
    for (auto it = blocks.rbegin(); it != blocks.rend(); ++it) grown.free(cpu(0), it->first, order(it->second));
    REQUIRE_VALID(grown);
    // Back to the roots of a buddy that had it all from the start.
    CHECK(grown.free_bytes() == whole.free_bytes());
    CHECK(free_blocks_of(grown).size() == free_blocks_of(whole).size());
    // A run of max-order blocks longer than anything managed yet grows to fit.
    Region region2(bytes);
    CountingObserver observer2;
    Buddy runs;
    REQUIRE(runs.init(region2.data(), bytes, 8, BuddyLockMode::Global, &observer2, 1u << 20) == InitError::None);
    void* run = runs.allocate_run(cpu(0), 30);  // 30 MiB
    REQUIRE(run != nullptr);
    REQUIRE_VALID(runs);
    runs.free_exact(cpu(0), run);
    REQUIRE_VALID(runs);
}
