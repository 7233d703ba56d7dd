// The core's memory policies, each a --set parameter (docs/DESIGN.md, "Memory"):
// exact slab runs, bins sized by use, the idle trim, eager remote collection and
// the fullest-first partial list. Each test shows the policy doing what it says and
// check() holding, and where it has an "off", that off behaves as before.
#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {
std::uint64_t count(Hybrid& a, ActionKind k) { return a.observer().total()[k]; }
std::size_t used_bytes(const Hybrid& a) { return a.buddy().usable_bytes() - a.buddy().free_bytes(); }
}  // namespace

TEST_CASE("exact slab runs: the 3, 6 and 12 KiB classes take 3 pages each, powers of two without them") {
    SizeClassTable exact, pow2;
    REQUIRE(exact.init(nullptr, 0, 8, 125, true) == InitError::None);
    REQUIRE(pow2.init(nullptr, 0, 8, 125, false) == InitError::None);
    struct Row { std::uint32_t size, exact_pages, exact_objects, pow2_pages, pow2_objects; };
    for (const Row r : {Row{6144, 3, 2, 8, 5}, Row{12288, 3, 1, 16, 5}, Row{3072, 3, 4, 4, 5},
                        Row{64, 1, 64, 1, 64}, Row{16384, 4, 1, 4, 1}}) {
        CAPTURE(r.size);
        const SizeClass c = exact.class_for(r.size);
        REQUIRE(exact.size(c) == r.size);
        CHECK(exact.run_pages(c) == r.exact_pages);
        CHECK(exact.objects_per_run(c) == r.exact_objects);
        CHECK(pow2.run_pages(c) == r.pow2_pages);
        CHECK(pow2.objects_per_run(c) == r.pow2_objects);
        // Every run is within the tail bound, and its order is the block it is cut from.
        CHECK((exact.run_bytes(c) % r.size) * 1000 <= exact.run_bytes(c) * 125);
        CHECK((1u << index_of(exact.run_order(c))) >= exact.run_pages(c));
        CHECK((1u << index_of(exact.run_order(c))) < 2 * exact.run_pages(c));
    }
}

TEST_CASE("exact slab runs: a 12 KiB object holds 3 pages, its block's last page goes back, all coalesce at the end") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(1);
    config.exact_slab_runs = true;
    auto a = make_hybrid(region, config);
    const std::size_t free_at_start = a->buddy().free_bytes();
    void* p = a->allocate(cpu(0), 12288);
    REQUIRE(p != nullptr);
    CHECK(used_bytes(*a) == 3 * kPageSize);  // one run of 3 pages, not a 16-page run of five
    CHECK(a->usable_size(p) == 12288);
    std::memset(p, 0x5A, 12288);
    REQUIRE_VALID(*a);
    // Each run of the class holds its own 3 pages, whatever block it was cut from.
    std::vector<void*> more;
    for (int i = 0; i < 7; ++i) more.push_back(a->allocate(cpu(0), 12000));
    for (void* q : more) REQUIRE(q != nullptr);
    CHECK(used_bytes(*a) == 8 * 3 * kPageSize);
    REQUIRE_VALID(*a);
    a->deallocate(cpu(0), p);
    for (void* q : more) a->deallocate(cpu(0), q, 12000);
    a->quiesce();
    CHECK(a->buddy().free_bytes() == free_at_start);
    CHECK(a->buddy().free_blocks(a->buddy().max_order()) == free_at_start >> (kPageShift + index_of(a->buddy().max_order())));
    REQUIRE_VALID(*a);

    config.exact_slab_runs = false;  // the first core's 16-page run of five
    Region other(16 << 20);
    auto b = make_hybrid(other, config);
    REQUIRE(b->allocate(cpu(0), 12288) != nullptr);
    CHECK(used_bytes(*b) == 16 * kPageSize);
    REQUIRE_VALID(*b);
}

TEST_CASE("adaptive bins: a bin starts at min_capacity, doubles at each miss, halves when it only frees") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(2);
    config.adaptive_bins = true;
    config.cache_min_capacity = 4;
    auto a = make_hybrid(region, config);
    const SizeClass c = a->size_classes().class_for(64);
    const Bin& bin0 = a->cache(cpu(0)).bin(c);
    CHECK(bin0.capacity == 4);
    CHECK(a->bin_bound(c) == 64);
    // Misses double the bound: 8, 16, 32, 64, then it stays; a refill brings half.
    std::vector<void*> live;
    const std::uint32_t expected[] = {8, 16, 32, 64, 64};
    for (std::uint32_t want : expected) {
        const std::uint64_t misses = count(*a, ActionKind::CacheMiss);
        while (count(*a, ActionKind::CacheMiss) == misses) live.push_back(a->allocate(cpu(0), 64));
        CHECK(bin0.capacity == want);
        CHECK(bin0.count == want / 2 - 1);
        REQUIRE_VALID(*a);
    }
    // CPU 1 only frees (a consumer): at each overflow its bound halves, down to 4.
    const Bin& bin1 = a->cache(cpu(1)).bin(c);
    CHECK(bin1.capacity == 4);
    std::uint32_t most = 0;
    for (void* p : live) {
        a->deallocate(cpu(1), p, 64);
        most = std::max(most, bin1.count);
        CHECK(bin1.capacity == 4);
    }
    CHECK(most == 4);
    REQUIRE_VALID(*a);

    // Off: every bin holds its bound from the start.
    config.adaptive_bins = false;
    Region other(16 << 20);
    auto b = make_hybrid(other, config);
    CHECK(b->cache(cpu(0)).bin(c).capacity == 64);
}

TEST_CASE("adaptive bins: a grown bin that overflows twice without a miss halves, and is left a quarter full") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(1);
    config.adaptive_bins = true;
    auto a = make_hybrid(region, config);
    const SizeClass c = a->size_classes().class_for(32);
    std::vector<void*> live;
    for (int i = 0; i < 400; ++i) live.push_back(a->allocate(cpu(0), 32));
    const Bin& bin = a->cache(cpu(0)).bin(c);
    REQUIRE(bin.capacity == 64);
    std::vector<std::uint32_t> caps;
    for (void* p : live) {
        const std::uint32_t before = bin.capacity;
        a->deallocate(cpu(0), p, 32);
        if (bin.capacity != before) caps.push_back(bin.capacity);
    }
    // The first overflow clears the miss; each later one halves: 32, 16, 8, 4.
    CHECK(caps == std::vector<std::uint32_t>{32, 16, 8, 4});
    CHECK(bin.count <= 4);
    REQUIRE_VALID(*a);
}

TEST_CASE("idle trim: a bin with no slow-path event between two visits gives half its objects back") {
    Region region(16 << 20);
    AllocatorConfig config = config_with_cpus(1);
    config.cache_trim_every = 1;  // a visit at every slow-path event
    auto a = make_hybrid(region, config);
    const SizeClass idle = a->size_classes().class_for(128);
    void* p = a->allocate(cpu(0), 128);  // one miss: the 128 B bin holds a refill
    const std::uint32_t held = a->cache(cpu(0)).bin(idle).count;
    REQUIRE(held > 8);
    // Slow-path events of another class drive the visits round the classes.
    std::vector<void*> live;
    const std::uint32_t classes = a->size_classes().count();
    while (count(*a, ActionKind::CacheMiss) < 2 * classes + 2) live.push_back(a->allocate(cpu(0), 8));
    CHECK(a->cache(cpu(0)).bin(idle).count < held);
    CHECK(a->cache(cpu(0)).bin(idle).count <= (held + 1) / 2);
    CHECK(count(*a, ActionKind::Drain) >= 1);
    REQUIRE_VALID(*a);

    config.cache_trim_every = 0;  // never
    Region other(16 << 20);
    auto b = make_hybrid(other, config);
    b->allocate(cpu(0), 128);
    live.clear();
    while (b->observer().total()[ActionKind::CacheMiss] < 2 * classes + 2) live.push_back(b->allocate(cpu(0), 8));
    CHECK(b->cache(cpu(0)).bin(idle).count == held);
    a->deallocate(cpu(0), p);
}

TEST_CASE("eager collection: remote frees come back to their runs at the owner's next refill") {
    for (const bool eager : {false, true}) {
        CAPTURE(eager);
        Region region(16 << 20);
        AllocatorConfig config = config_with_cpus(2);
        config.eager_remote_collect = eager;
        config.cache_bin_bytes = 0;
        config.refill_batch = 8;
        auto a = make_hybrid(region, config);
        const SizeClass c = a->size_classes().class_for(64);
        std::vector<void*> objs;
        for (int i = 0; i < 64; ++i) objs.push_back(a->allocate(cpu(0), 64));  // the whole run, 8 a refill
        for (int i = 0; i < 24; ++i) {  // 24 stay CPU 0's, freed into the bin
            a->deallocate(cpu(0), objs.back(), 64);
            objs.pop_back();
        }
        for (void* p : objs) a->deallocate(cpu(1), p, 64);
        a->drain_cache(cpu(1));  // onto CPU 0's remote queue
        REQUIRE(a->slab(cpu(0), c).remote_objects() == 40);
        a->drain_cache(cpu(0));  // CPU 0's 24 cached objects back to their run: it has free objects
        REQUIRE(a->slab(cpu(0), c).partial_runs() == 1);
        REQUIRE(a->allocate(cpu(0), 64) != nullptr);  // a miss: 8 of the run's 24 free objects
        // The run still has free objects, so only eager collection takes the queue now.
        CHECK(a->slab(cpu(0), c).remote_objects() == (eager ? 0u : 40u));
        REQUIRE_VALID(*a);
    }
}

TEST_CASE("fullest first: a run more than half free goes to the back of the partial list") {
    for (const bool fullest : {false, true}) {
        CAPTURE(fullest);
        Region region(16 << 20);
        AllocatorConfig config = config_with_cpus(1);
        config.fullest_runs_first = fullest;
        config.cache_capacity = 1;  // every free goes straight back to its run
        config.refill_batch = 1;
        config.drain_batch = 1;
        auto a = make_hybrid(region, config);
        const SizeClass c = a->size_classes().class_for(512);  // 8 objects a page
        REQUIRE(a->size_classes().objects_per_run(c) == 8);
        std::vector<void*> objs;
        for (int i = 0; i < 24; ++i) objs.push_back(a->allocate(cpu(0), 512));  // three full runs A, B, C
        const PageIndex run_a = a->buddy().page_of(objs[0]);
        const PageIndex run_b = a->buddy().page_of(objs[8]);
        // One of B's objects (B becomes partial), then 5 of A's: A becomes partial
        // after B, so it is first, until its fifth free object passes half the run.
        a->deallocate(cpu(0), objs[8], 512);
        for (int i = 0; i < 5; ++i) a->deallocate(cpu(0), objs[i], 512);
        a->drain_cache(cpu(0));
        REQUIRE(a->slab(cpu(0), c).partial_runs() == 2);
        const PageIndex head = a->slab(cpu(0), c).partial_head();
        const PageIndex tail = a->slab(cpu(0), c).partial_tail();
        CHECK(head == (fullest ? run_b : run_a));
        CHECK(tail == (fullest ? run_a : run_b));
        // The next refill takes from the front: B's one free object when fullest first.
        void* next = a->allocate(cpu(0), 512);
        CHECK(a->buddy().page_of(next) == (fullest ? run_b : run_a));
        REQUIRE_VALID(*a);
    }
}
