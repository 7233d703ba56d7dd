// The ThreadCache level, as the seed's unit tests described it: cache init, cache
// alloc/free, cache stats, bin capacity 64, hit rate, repeated allocations, slab
// stats. Counts come from a CountingObserver on the real core.
#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {
std::uint64_t count(Hybrid& a, ActionKind k) { return a.observer().total()[k]; }
}  // namespace

TEST_CASE("cache init: every CPU has empty bins of the configured capacity") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(4);
    config.cache_capacity = 64;
    auto a = make_hybrid(region, config);
    for (unsigned c = 0; c < 4; ++c) {
        const ThreadCache& tc = a->cache(cpu(c));
        CHECK(a->size_classes().count() == kDefaultSizeClassCount);
        for (unsigned k = 0; k < kMaxSizeClasses; ++k) {
            CAPTURE(k);
            if (k >= kDefaultSizeClassCount) {  // bins past the table never take objects
                CHECK(tc.bin(size_class(k)).capacity == 0);
                continue;
            }
            CHECK(tc.bin(size_class(k)).head == nullptr);
            CHECK(tc.bin(size_class(k)).count == 0);
            // 64 objects, or as many as cache_bin_bytes holds (at least one).
            const std::uint32_t size = a->size_classes().size(size_class(k));
            CHECK(tc.bin(size_class(k)).capacity == std::max<std::uint32_t>(1, std::min<std::uint32_t>(64, config.cache_bin_bytes / size)));
        }
    }
    const MemoryStats s = a->memory_stats();
    CHECK(s.live_bytes() == 0);
    CHECK(s.cached_bytes == 0);
    CHECK(s.footprint_bytes() == 0);
    REQUIRE_VALID(*a);
}

TEST_CASE("cache alloc/free: a miss refills a batch, the next allocations hit, frees go to the bin") {
    Region region(16 << 20);
    auto a = make_hybrid(region);
    const SizeClass c64 = a->size_classes().class_for(64);
    void* first = a->allocate(cpu(0), 64);
    REQUIRE(first != nullptr);
    CHECK(count(*a, ActionKind::CacheMiss) == 1);
    CHECK(count(*a, ActionKind::Refill) == 1);
    CHECK(a->observer().total().objects[static_cast<int>(ActionKind::Refill)] == 32);
    CHECK(a->cache(cpu(0)).bin(c64).count == 31);
    std::vector<void*> more;
    for (int i = 0; i < 31; ++i) more.push_back(a->allocate(cpu(0), 64));
    CHECK(count(*a, ActionKind::CacheHit) == 31);
    CHECK(count(*a, ActionKind::CacheMiss) == 1);
    CHECK(a->cache(cpu(0)).bin(c64).count == 0);
    a->deallocate(cpu(0), first, 64);
    for (void* p : more) a->deallocate(cpu(0), p);
    CHECK(count(*a, ActionKind::CacheFree) == 32);
    CHECK(a->cache(cpu(0)).bin(c64).count == 32);
    // LIFO: the most recently freed object comes back first.
    CHECK(a->allocate(cpu(0), 64) == more.back());
    REQUIRE_VALID(*a);
}

TEST_CASE("cache stats: hits, misses, refills, drains add up for a known sequence") {
    Region region(16 << 20);
    auto a = make_hybrid(region);
    std::vector<void*> objs;
    for (int i = 0; i < 100; ++i) objs.push_back(a->allocate(cpu(0), 40));
    // 100 allocations with batches of 32: misses at 0, 32, 64, 96.
    CHECK(count(*a, ActionKind::CacheMiss) == 4);
    CHECK(count(*a, ActionKind::CacheHit) == 96);
    CHECK(count(*a, ActionKind::Refill) == 4);
    for (void* p : objs) a->deallocate(cpu(0), p, 40);
    // The bin held 28; frees fill it to 64, then each full bin drains 32.
    const std::uint64_t drains = count(*a, ActionKind::Drain);
    CHECK(drains == 2);
    CHECK(a->observer().total().objects[static_cast<int>(ActionKind::Drain)] == 64);
    CHECK(count(*a, ActionKind::CacheFull) == drains);
    CHECK(count(*a, ActionKind::CacheFree) == 100 - drains);
    CHECK(a->cache(cpu(0)).bin(a->size_classes().class_for(40)).count == 28 + 100 - 64);
    REQUIRE_VALID(*a);
}

TEST_CASE("bin capacity 64: a bin never holds more than its capacity, drains keep it bounded") {
    Region region(16 << 20);
    auto a = make_hybrid(region);
    const SizeClass c = a->size_classes().class_for(64);
    std::vector<void*> objs;
    for (int i = 0; i < 500; ++i) objs.push_back(a->allocate(cpu(0), 64));
    std::uint32_t highest = 0;
    for (void* p : objs) {
        a->deallocate(cpu(0), p, 64);
        highest = std::max(highest, a->cache(cpu(0)).bin(c).count);
        REQUIRE(a->cache(cpu(0)).bin(c).count <= 64);
    }
    CHECK(highest == 64);
    CHECK(count(*a, ActionKind::Drain) > 0);
    REQUIRE_VALID(*a);

    // A configured capacity is honoured too.
    Region region2(16 << 20);
    AllocatorConfig config;
    config.cache_capacity = 128;
    config.refill_batch = 64;
    config.drain_batch = 64;
    auto b = make_hybrid(region2, config);
    objs.clear();
    for (int i = 0; i < 500; ++i) objs.push_back(b->allocate(cpu(0), 64));
    highest = 0;
    for (void* p : objs) {
        b->deallocate(cpu(0), p, 64);
        highest = std::max(highest, b->cache(cpu(0)).bin(c).count);
    }
    CHECK(highest == 128);
}

TEST_CASE("hit rate: a steady 64 B alloc/free loop hits the cache more than 90% of the time") {
    Region region(16 << 20);
    auto a = make_hybrid(region);
    std::vector<void*> window;
    std::mt19937_64 rng(5);
    for (int i = 0; i < 100000; ++i) {
        if (window.size() < 16 || (window.size() < 48 && rng() % 2 == 0)) {
            window.push_back(a->allocate(cpu(0), 64));
        } else {
            const std::size_t j = rng() % window.size();
            a->deallocate(cpu(0), window[j], 64);
            window[j] = window.back();
            window.pop_back();
        }
    }
    const ActionCounts t = a->observer().total();
    const double allocs = static_cast<double>(t[ActionKind::CacheHit] + t[ActionKind::CacheMiss]);
    const double hit_rate = static_cast<double>(t[ActionKind::CacheHit]) / allocs;
    MESSAGE("hit rate " << hit_rate * 100 << "% over " << allocs << " allocations");
    CHECK(hit_rate > 0.90);
    REQUIRE_VALID(*a);
}

TEST_CASE("repeated allocations: 20 cycles of 2000 mixed allocations reach a steady footprint") {
    // Cycles alternate between two CPUs, so both caches are warm after two cycles;
    // from then on the footprint must not keep growing.
    Region region(64 << 20);
    auto a = make_hybrid(region, config_with_cpus(2));
    std::mt19937_64 rng(11);
    std::size_t footprint_warm = 0;
    for (int cycle = 0; cycle < 20; ++cycle) {
        std::vector<std::pair<void*, std::size_t>> objs;
        std::mt19937_64 sizes(99);  // the same sizes every cycle
        for (int i = 0; i < 2000; ++i) {
            const std::size_t size = 1 + sizes() % 2048;
            void* p = a->allocate(cpu(cycle % 2), size);
            REQUIRE(p != nullptr);
            std::memset(p, 0xAB, size);
            objs.emplace_back(p, size);
        }
        std::shuffle(objs.begin(), objs.end(), rng);
        for (auto [p, size] : objs) a->deallocate(cpu(cycle % 2), p, size);
        REQUIRE_VALID(*a);
        const std::size_t footprint = a->memory_stats().footprint_bytes();
        if (cycle == 1) footprint_warm = footprint;
        if (cycle > 1) CHECK(footprint <= footprint_warm + footprint_warm / 8);
        CHECK(a->memory_stats().live_bytes() == 0);
    }
    a->quiesce();
    CHECK(a->memory_stats().footprint_bytes() == 0);
    CHECK(free_blocks_of(a->buddy()) == roots_of(a->buddy()));
}

TEST_CASE("slab stats: a run is carved on the first miss and returned when all its objects are free") {
    Region region(16 << 20);
    AllocatorConfig config;
    config.cache_bin_bytes = 0;  // bins of 64 objects whatever their size: refills of 32
    auto a = make_hybrid(region, config);
    const SizeClass c = a->size_classes().class_for(256);
    const std::uint32_t per_run = a->size_classes().objects_per_run(c);
    CHECK(per_run == 16);  // 4096 / 256
    void* p = a->allocate(cpu(0), 256);
    // The refill batch (32) is two runs' worth: both are carved and emptied.
    CHECK(count(*a, ActionKind::SlabCarve) == 2);
    MemoryStats s = a->memory_stats();
    CHECK(s.slab_runs == 2);
    CHECK(s.slab_bytes == 8192);
    CHECK(s.cached_bytes == 31 * 256);
    CHECK(s.slab_live_bytes == 256);
    CHECK(s.slab_free_bytes == 0);
    CHECK(a->slab(cpu(0), c).runs() == 2);
    CHECK(a->slab(cpu(0), c).partial_runs() == 0);  // all their objects are out
    a->deallocate(cpu(0), p);
    a->quiesce();
    s = a->memory_stats();
    CHECK(count(*a, ActionKind::PageReturn) == 2);
    CHECK(s.slab_runs == 0);
    CHECK(a->slab(cpu(0), c).runs() == 0);
    CHECK(s.footprint_bytes() == 0);
    REQUIRE_VALID(*a);
}

TEST_CASE("bins bounded in bytes: a large class's bin holds bin_bytes of objects, its batches half of that") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(1);
    config.cache_bin_bytes = 16384;
    auto a = make_hybrid(region, config);
    const SizeClass c = a->size_classes().class_for(4096);
    CHECK(a->cache(cpu(0)).bin(c).capacity == 4);
    CHECK(a->cache(cpu(0)).bin(a->size_classes().class_for(64)).capacity == 64);  // 16 KiB / 64 B is more than 64
    CHECK(a->cache(cpu(0)).bin(a->size_classes().class_for(16384)).capacity == 1);
    std::vector<void*> objs;
    for (int i = 0; i < 10; ++i) objs.push_back(a->allocate(cpu(0), 4096));
    CHECK(count(*a, ActionKind::Refill) == 5);  // 2 objects a refill: 1 to the caller, 1 to the bin
    for (void* p : objs) a->deallocate(cpu(0), p);
    CHECK(a->cache(cpu(0)).bin(c).count <= 4);
    CHECK(a->memory_stats().cached_bytes <= 16384);
    REQUIRE_VALID(*a);

    config.cache_bin_bytes = 0;  // objects only: every bin holds cache_capacity
    Region other(16 << 20);
    auto b = make_hybrid(other, config);
    for (std::uint32_t k = 0; k < b->size_classes().count(); ++k) CHECK(b->cache(cpu(0)).bin(size_class(k)).capacity == 64);
}
