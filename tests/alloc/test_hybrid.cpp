// The three levels together: free without size, remote frees, aligned and
// page-level allocation, realloc, out of memory, invalid frees, and check()
// catching real corruption.
#include <cstring>

#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {
std::uint64_t count(Hybrid& a, ActionKind k) { return a.observer().total()[k]; }
std::uintptr_t addr(const void* p) { return reinterpret_cast<std::uintptr_t>(p); }

void require_back_to_roots(Hybrid& a) {
    a.quiesce();
    REQUIRE_VALID(a);
    CHECK(a.memory_stats().live_bytes() == 0);
    CHECK(a.memory_stats().footprint_bytes() == 0);
    CHECK(free_blocks_of(a.buddy()) == roots_of(a.buddy()));
}
}  // namespace

TEST_CASE("init rejects bad configurations with a reason") {
    Region region(4 << 20);
    Hybrid a;
    AllocatorConfig c;
    c.cpus = 0;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadCpuCount);
    c.cpus = kMaxCpus + 1;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadCpuCount);
    c = AllocatorConfig{};
    c.cache_capacity = 0;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadCacheCapacity);
    c = AllocatorConfig{};
    c.refill_batch = 65;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadBatch);
    c = AllocatorConfig{};
    c.drain_batch = 0;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadBatch);
    c.drain_batch = 1000;  // more than the bin holds: a drain empties the bin
    CHECK(a.init(region.data(), region.size(), c) == InitError::None);
    c = AllocatorConfig{};
    c.buddy_max_order = 21;
    CHECK(a.init(region.data(), region.size(), c) == InitError::BadMaxOrder);
    c = AllocatorConfig{};
    CHECK(a.init(region.data(), 8192, c) == InitError::RegionTooSmall);
    CHECK(std::string(init_error_name(InitError::BadBatch)).find("batch") != std::string::npos);
}

TEST_CASE("free without size: every class, pages and large runs find their size from the descriptor") {
    Region region(64 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    const SizeClassTable& t = a->size_classes();
    std::vector<void*> objs;
    for (std::uint32_t k = 0; k < t.count(); ++k) {
        const std::size_t size = t.size(size_class(k));
        for (std::size_t request : {size - 7, size}) {
            void* p = a->allocate(cpu(0), request);
            REQUIRE(p != nullptr);
            CHECK(a->usable_size(p) == size);
            std::memset(p, 0x5A, request);
            objs.push_back(p);
        }
    }
    void* page_block = a->allocate(cpu(0), 20000);  // above 16 KiB: an exact run of 5 pages
    REQUIRE(page_block != nullptr);
    CHECK(a->usable_size(page_block) == 5 * 4096);
    void* large = a->allocate(cpu(1), (3 << 20) + 5);  // above 1 MiB: 769 pages of a run of 4 max blocks
    REQUIRE(large != nullptr);
    CHECK(a->usable_size(large) == (3u << 20) + 4096);
    CHECK(count(*a, ActionKind::LargeAlloc) == 1);
    std::memset(large, 1, (3 << 20) + 5);
    REQUIRE_VALID(*a);
    for (void* p : objs) a->deallocate(cpu(1), p);  // freed on the other CPU, without sizes
    a->deallocate(cpu(0), page_block);
    a->deallocate(cpu(0), large);
    CHECK(count(*a, ActionKind::LargeFree) == 1);
    CHECK(count(*a, ActionKind::InvalidFree) == 0);
    require_back_to_roots(*a);
}

TEST_CASE("remote frees: objects freed on another CPU go back to their owner in batches") {
    Region region(16 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    const SizeClass c = a->size_classes().class_for(64);
    std::vector<void*> objs;
    for (int i = 0; i < 200; ++i) objs.push_back(a->allocate(cpu(0), 64));
    for (void* p : objs) a->deallocate(cpu(1), p, 64);
    // cpu1's bin filled and drained batches of drain_batch (32) to cpu0's remote queue.
    CHECK(count(*a, ActionKind::RemoteFree) > 0);
    CHECK(a->observer().total().objects[static_cast<int>(ActionKind::RemoteFree)] ==
          a->config().drain_batch * count(*a, ActionKind::Drain));
    CHECK(a->memory_stats().remote_pending_bytes > 0);
    CHECK(a->cache(cpu(1)).bin(c).count <= 64);
    REQUIRE_VALID(*a);
    // The owner takes them back when it needs objects: its own bin still has some.
    a->collect_remote(cpu(0));
    CHECK(count(*a, ActionKind::RemoteCollect) == 1);
    CHECK(a->memory_stats().remote_pending_bytes == 0);
    REQUIRE_VALID(*a);
    require_back_to_roots(*a);
}

TEST_CASE("remote frees are collected lazily when the owner runs out, and their memory reused") {
    Region region(16 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    std::vector<void*> objs;
    for (int i = 0; i < 64 * 20; ++i) objs.push_back(a->allocate(cpu(0), 64));
    CHECK(a->memory_stats().slab_runs == 20);
    for (void* p : objs) a->deallocate(cpu(1), p, 64);
    a->drain_cache(cpu(1));
    CHECK(a->memory_stats().remote_pending_bytes == 64 * 64 * 20);
    CHECK(count(*a, ActionKind::RemoteCollect) == 0);
    // cpu0's bin is empty and all its runs are full: the next refill collects the
    // remote queue first. Fully free runs go back to the buddy, and are carved again.
    for (int i = 0; i < 64 * 10; ++i) REQUIRE(a->allocate(cpu(0), 64) != nullptr);
    CHECK(count(*a, ActionKind::RemoteCollect) == 1);
    CHECK(a->memory_stats().remote_pending_bytes == 0);
    CHECK(a->memory_stats().slab_runs == 10);
    REQUIRE_VALID(*a);
}

TEST_CASE("aligned allocation: small classes, pages and blocks aligned as asked") {
    Region region(32 << 20);
    auto a = make_hybrid(region);
    std::vector<void*> objs;
    for (std::size_t align = 16; align <= (256 << 10); align *= 2) {
        for (std::size_t size : {1u, 48u, 100u, 3000u, 20000u}) {
            void* p = a->allocate_aligned(cpu(0), size, align);
            REQUIRE(p != nullptr);
            INFO("size " << size << " align " << align);
            CHECK(addr(p) % align == 0);
            CHECK(a->usable_size(p) >= size);
            objs.push_back(p);
        }
    }
    REQUIRE_VALID(*a);
    // Half freed with their size and alignment, half without.
    std::size_t i = 0;
    for (std::size_t align = 16; align <= (256 << 10); align *= 2)
        for (std::size_t size : {1u, 48u, 100u, 3000u, 20000u}) {
            if (i % 2 == 0) a->deallocate_aligned(cpu(0), objs[i], size, align);
            else a->deallocate(cpu(0), objs[i]);
            ++i;
        }
    CHECK(count(*a, ActionKind::InvalidFree) == 0);
    require_back_to_roots(*a);
}

TEST_CASE("introspection: bins, slab runs and buddy free lists agree with the stats") {
    Region region(16 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    std::vector<void*> objs;
    for (int i = 0; i < 300; ++i) objs.push_back(a->allocate(cpu(i % 2), 24 + (i % 5) * 100));
    void* pages = a->allocate_pages(cpu(1), order(3));
    for (int i = 0; i < 300; i += 3) a->deallocate(cpu(0), objs[i]);
    const SizeClassTable& t = a->size_classes();
    const MemoryStats s = a->memory_stats();

    // The bins: object addresses, as many as each count says, all of the bin's class.
    std::size_t cached = 0;
    for (unsigned c = 0; c < 2; ++c)
        for (unsigned k = 0; k < t.count(); ++k) {
            std::size_t n = 0;
            a->cache(cpu(c)).for_each_cached(size_class(k), [&](void* p) {
                CHECK(a->usable_size(p) == t.size(size_class(k)));
                ++n;
            });
            CHECK(n == a->cache(cpu(c)).bin(size_class(k)).count);
            cached += n * t.size(size_class(k));
        }
    CHECK(cached == s.cached_bytes);

    // The tiles: every slab run with its free list, the page block, the free blocks.
    std::size_t runs = 0, slab_free = 0, blocks = 0, free_bytes = 0;
    const bool tiled = a->buddy().for_each_tile([&](const Tile& tile) {
        if (tile.state == PageState::SlabHead) {
            ++runs;
            std::size_t n = 0;
            a->for_each_run_free_object(tile.head, [&](void*) { ++n; });
            CHECK(n == tile.descriptor->free_count);
            slab_free += n * t.size(tile.descriptor->size_class);
        } else if (tile.state == PageState::BlockHead) {
            ++blocks;
            CHECK(a->buddy().address_of(tile.head) == pages);
            CHECK(tile.pages == 8);
        } else if (tile.state == PageState::FreeHead) {
            free_bytes += tile.pages * 4096;
        }
    });
    CHECK(tiled);
    CHECK(runs == s.slab_runs);
    CHECK(slab_free == s.slab_free_bytes);
    CHECK(blocks == 1);
    CHECK(free_bytes == s.buddy_free_bytes);
    std::size_t listed = 0;
    for (unsigned k = 0; k <= 8; ++k)
        a->buddy().for_each_free_block(order(k), [&](void*) { listed += std::size_t{4096} << k; });
    CHECK(listed == free_bytes);
    REQUIRE_VALID(*a);
}

TEST_CASE("reallocate keeps the contents, in place when it fits") {
    Region region(16 << 20);
    auto a = make_hybrid(region);
    auto* p = static_cast<unsigned char*>(a->allocate(cpu(0), 100));
    for (int i = 0; i < 100; ++i) p[i] = static_cast<unsigned char>(i);
    CHECK(a->reallocate(cpu(0), p, 110) == p);  // same 112-byte class
    auto* q = static_cast<unsigned char*>(a->reallocate(cpu(0), p, 5000));
    REQUIRE(q != nullptr);
    for (int i = 0; i < 100; ++i) REQUIRE(q[i] == i);
    auto* r = static_cast<unsigned char*>(a->reallocate(cpu(0), q, 10));
    for (int i = 0; i < 10; ++i) REQUIRE(r[i] == i);
    CHECK(a->usable_size(r) == 16);
    auto* s = static_cast<unsigned char*>(a->reallocate(cpu(0), nullptr, 30));
    REQUIRE(s != nullptr);
    a->deallocate(cpu(0), r);
    a->deallocate(cpu(0), s);
    require_back_to_roots(*a);
}

// The contract of sized free (hybrid_allocator.h): the size last given to allocate()
// or reallocate() maps to the object's class, on every reallocate path.
TEST_CASE("sized free after reallocate: in place, moved, across classes and the small/large boundary, aligned") {
    Region region(64 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    const SizeClassTable& t = a->size_classes();
    // Frees p with `size` and checks every invariant, naming the path on failure.
    const auto sized_free = [&](void* p, std::size_t size, const char* path) {
        a->deallocate(cpu(1), p, size);
        const CheckResult r = a->check();
        INFO(path << ", size " << size << ": " << describe(r));
        REQUIRE(r.ok);
    };
    SUBCASE("the three-event reproduction: alloc 10, realloc 1, sized free") {
        void* p = a->allocate(cpu(0), 10);
        void* q = a->reallocate(cpu(0), p, 1);
        REQUIRE(q != nullptr);
        CHECK(a->usable_size(q) == 8);  // moved down to the 8-byte class
        sized_free(q, 1, "shrink across one class");
    }
    SUBCASE("every class boundary, both ways") {
        for (std::uint32_t k = 1; k < t.count(); ++k) {
            const std::size_t below = t.size(size_class(k - 1));  // the largest size of class k-1
            const std::size_t top = t.size(size_class(k));
            auto* p = static_cast<unsigned char*>(a->allocate(cpu(0), top));
            std::memset(p, 0xA5, top);
            auto* q = static_cast<unsigned char*>(a->reallocate(cpu(0), p, below + 1));  // still class k
            CHECK(q == p);
            q = static_cast<unsigned char*>(a->reallocate(cpu(0), q, below));  // class k-1: moves
            REQUIRE(q != nullptr);
            CHECK(a->usable_size(q) == below);
            for (std::size_t i = 0; i < below; ++i) REQUIRE(q[i] == 0xA5);
            sized_free(q, below, "shrink to the class below");
            auto* r = static_cast<unsigned char*>(a->allocate(cpu(0), below));
            std::memset(r, 0x3C, below);
            r = static_cast<unsigned char*>(a->reallocate(cpu(0), r, below + 1));  // grows into class k
            REQUIRE(r != nullptr);
            CHECK(a->usable_size(r) == top);
            for (std::size_t i = 0; i < below; ++i) REQUIRE(r[i] == 0x3C);
            sized_free(r, below + 1, "grow to the class above");
        }
    }
    SUBCASE("the small/large boundary and large runs") {
        const std::size_t max_small = t.max_size();
        void* p = a->allocate(cpu(0), max_small);
        p = a->reallocate(cpu(0), p, max_small + 1);  // into a buddy block
        REQUIRE(p != nullptr);
        CHECK(a->usable_size(p) > max_small);
        void* q = a->reallocate(cpu(0), p, max_small + 100);  // the same block
        CHECK(q == p);
        q = a->reallocate(cpu(0), q, max_small);  // back into the largest class: moves
        REQUIRE(q != nullptr);
        CHECK(a->usable_size(q) == max_small);
        sized_free(q, max_small, "block back to a class");
        void* big = a->allocate(cpu(0), (3u << 20) + 5);  // four max blocks
        void* same = a->reallocate(cpu(0), big, (3u << 20) + 4096);  // the same four
        CHECK(same == big);
        void* smaller = a->reallocate(cpu(0), same, 100);  // a large run down to an object
        REQUIRE(smaller != nullptr);
        CHECK(a->usable_size(smaller) == t.size(t.class_for(100)));
        sized_free(smaller, 100, "large run down to an object");
    }
    SUBCASE("an aligned object reallocated loses its alignment class") {
        void* p = a->allocate_aligned(cpu(0), 40, 64);  // class 64 for its alignment
        REQUIRE(p != nullptr);
        CHECK(addr(p) % 64 == 0);
        void* q = a->reallocate(cpu(0), p, 48);  // class 48: moves
        REQUIRE(q != nullptr);
        CHECK(a->usable_size(q) == 48);
        sized_free(q, 48, "aligned object shrunk");
        void* r = a->allocate_aligned(cpu(0), 40, 64);
        void* s = a->reallocate(cpu(0), r, 60);  // class 64 itself: stays
        CHECK(s == r);
        sized_free(s, 60, "aligned object kept in place");
    }
    a->quiesce();
    REQUIRE_VALID(*a);
    CHECK(a->memory_stats().live_bytes() == 0);
}

TEST_CASE("check() names both classes when an object sits in another class's bin") {
    Region region(8 << 20);
    auto a = make_hybrid(region);
    void* p = a->allocate(cpu(0), 16);
    // What a sized free with a size of another class did before reallocate() kept the
    // contract (deallocate(p, 1) on a 16-byte object); the debug levels assert on it
    // in deallocate itself, so the test puts the object in the 8-byte bin directly.
    REQUIRE(const_cast<ThreadCache&>(a->cache(cpu(0))).push(a->size_classes().class_for(1), p));
    const CheckResult r = a->check();
    REQUIRE_FALSE(r.ok);
    CHECK(std::string(r.what) == "bin holds an object of another size class");
    CHECK(r.address == addr(p));
    CHECK(std::string(r.expected_name) == "the bin's class size");
    CHECK(r.expected == 8);
    CHECK(std::string(r.actual_name) == "the object's class size");
    CHECK(r.actual == 16);
}

TEST_CASE("page-level allocation goes straight to the buddy") {
    Region region(8 << 20);
    auto a = make_hybrid(region);
    void* p = a->allocate_pages(cpu(0), order(3));
    REQUIRE(p != nullptr);
    CHECK(addr(p) % 32768 == 0);
    CHECK(count(*a, ActionKind::CacheMiss) == 0);
    a->free_pages(cpu(0), p, order(2));  // wrong order: refused, nothing changes
    CHECK(count(*a, ActionKind::InvalidFree) == 1);
    REQUIRE_VALID(*a);
    a->free_pages(cpu(0), p, order(3));
    require_back_to_roots(*a);
}

TEST_CASE("invalid frees are reported and ignored, never corrupt anything") {
    Region region(8 << 20);
    auto a = make_hybrid(region);
    alignas(16) unsigned char on_stack[64] = {};
    auto* obj = static_cast<char*>(a->allocate(cpu(0), 64));
    auto* block = static_cast<char*>(a->allocate(cpu(0), 50000));
    a->deallocate(cpu(0), on_stack);     // not in the region
    a->deallocate(cpu(0), obj + 8);       // not an object boundary
    a->deallocate(cpu(0), block + 4096);  // inside a block
    a->deallocate(cpu(0), nullptr);       // a no-op, as free(NULL)
    CHECK(count(*a, ActionKind::InvalidFree) == 3);
    CHECK(a->usable_size(on_stack) == 0);
    REQUIRE_VALID(*a);
    a->deallocate(cpu(0), obj);
    a->deallocate(cpu(0), block);
    require_back_to_roots(*a);
}

TEST_CASE("out of memory: null, a counted failure, and every structure still valid") {
    Region region(2 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    std::vector<void*> objs;
    while (void* p = a->allocate(cpu(objs.size() % 2), 1000)) objs.push_back(p);
    CHECK(count(*a, ActionKind::AllocFailure) >= 1);
    CHECK(a->allocate(cpu(0), 1 << 20) == nullptr);
    CHECK(a->allocate(cpu(0), 8 << 20) == nullptr);
    CHECK(a->allocate_pages(cpu(1), order(0)) == nullptr);
    REQUIRE_VALID(*a);
    // Free one object: the cache of the CPU that frees it can serve again.
    void* back = objs.back();
    objs.pop_back();
    a->deallocate(cpu(0), back);
    CHECK(a->allocate(cpu(0), 1000) == back);
    objs.push_back(back);
    for (void* p : objs) a->deallocate(cpu(1), p);
    require_back_to_roots(*a);
}

// Found by fuzz.core: SIZE_MAX rounded up to pages wrapped to order 0, so
// allocate(SIZE_MAX) returned one 4 KiB page, and a size a little lower wrapped in
// the count of large-run blocks; reallocate then copied a whole large run into it.
TEST_CASE("sizes near SIZE_MAX fail, in allocate, allocate_aligned and reallocate") {
    Region region(8 << 20);
    auto a = make_hybrid(region);
    const std::size_t huge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, SIZE_MAX - 4096, SIZE_MAX - (1 << 20),
                                SIZE_MAX / 2 + 1};
    for (std::size_t n : huge) {
        INFO(n);
        CHECK(a->allocate(cpu(0), n) == nullptr);
        CHECK(a->allocate_aligned(cpu(0), n, 64) == nullptr);
        CHECK(a->reallocate(cpu(0), nullptr, n) == nullptr);
    }
    // A slab object, a buddy block and a large run stay where they are, untouched.
    for (std::size_t size : {std::size_t{100}, std::size_t{50000}, std::size_t{3} << 20}) {
        auto* p = static_cast<unsigned char*>(a->allocate(cpu(0), size));
        REQUIRE(p != nullptr);
        std::memset(p, 0x5A, size);
        for (std::size_t n : huge) {
            INFO(size << " -> " << n);
            CHECK(a->reallocate(cpu(0), p, n) == nullptr);
        }
        CHECK(a->usable_size(p) >= size);
        CHECK(std::count(p, p + size, 0x5A) == static_cast<std::ptrdiff_t>(size));
        REQUIRE_VALID(*a);
        a->deallocate(cpu(0), p, size);
    }
    CHECK(count(*a, ActionKind::AllocFailure) == 6 * 3 + 3 * 6);
    require_back_to_roots(*a);
}

TEST_CASE("check() catches a double free, a corrupted bin and a lost run") {
    Region region(8 << 20);
    SUBCASE("double free") {
        auto a = make_hybrid(region);
        void* p = a->allocate(cpu(0), 64);
        a->deallocate(cpu(0), p);
        a->deallocate(cpu(0), p);  // the core cannot see this on the fast path...
        const CheckResult r = a->check();  // ...but check() does
        CHECK_FALSE(r.ok);
        MESSAGE(describe(r));
    }
    SUBCASE("a bin count that lies") {
        auto a = make_hybrid(region);
        void* p = a->allocate(cpu(0), 64);
        a->deallocate(cpu(0), p);
        const_cast<Bin&>(a->cache(cpu(0)).bin(a->size_classes().class_for(64))).count += 1;
        const CheckResult r = a->check();
        CHECK_FALSE(r.ok);
        MESSAGE(describe(r));
    }
    SUBCASE("a slab run descriptor with a wrong free count") {
        auto a = make_hybrid(region);
        void* p = a->allocate(cpu(0), 64);
        a->drain_cache(cpu(0));
        PageDescriptor& d = a->buddy().desc(a->buddy().page_of(p));
        d.free_count = static_cast<std::uint16_t>(d.free_count + 1);
        const CheckResult r = a->check();
        CHECK_FALSE(r.ok);
        MESSAGE(describe(r));
    }
}

TEST_CASE("exact_page_runs off: objects above the classes take whole power-of-two blocks, as the first core did") {
    Region region(16 << 20);
    AllocatorConfig config;
    config.exact_page_runs = false;
    auto a = make_hybrid(region, config);
    void* block = a->allocate(cpu(0), 20000);
    REQUIRE(block != nullptr);
    CHECK(a->usable_size(block) == 32768);
    void* run = a->allocate(cpu(0), (3 << 20) + 5);
    REQUIRE(run != nullptr);
    CHECK(a->usable_size(run) == (4u << 20));
    CHECK(a->reallocate(cpu(0), block, 30000) == block);  // the same block would serve it
    void* smaller = a->reallocate(cpu(0), block, 17000);  // 5 pages: still an order-3 block
    CHECK(smaller == block);
    void* grown = a->reallocate(cpu(0), smaller, 40000);  // order 4: moves
    REQUIRE(grown != nullptr);
    CHECK(grown != block);
    CHECK(a->usable_size(grown) == 65536);
    smaller = grown;
    REQUIRE_VALID(*a);
    a->deallocate(cpu(0), smaller);
    a->deallocate(cpu(0), run);
    require_back_to_roots(*a);
}
