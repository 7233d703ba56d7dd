// The linked-list baseline, and one body run against both allocators (typed
// tests, as tcmalloc and ns-3 do) to pin the shared interface.
#include <cstring>
#include <map>

#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

TEST_CASE("linked list: first fit, split, and coalescing on both sides") {
    Region region(1 << 20);
    LinkedList a;
    REQUIRE(a.init(region.data(), region.size(), AllocatorConfig{}) == InitError::None);
    void* x = a.allocate(cpu(0), 100);
    void* y = a.allocate(cpu(0), 100);
    void* z = a.allocate(cpu(0), 100);
    REQUIRE((x && y && z));
    CHECK(reinterpret_cast<std::uintptr_t>(y) - reinterpret_cast<std::uintptr_t>(x) == 128);  // 16 header + 112
    REQUIRE_VALID(a);
    a.deallocate(cpu(0), x);
    a.deallocate(cpu(0), z);  // merges with the free tail
    CHECK(a.observer().total()[ActionKind::BuddyCoalesce] == 1);
    a.deallocate(cpu(0), y);  // merges with both neighbours
    CHECK(a.observer().total()[ActionKind::BuddyCoalesce] == 3);
    REQUIRE_VALID(a);
    const MemoryStats s = a.memory_stats();
    CHECK(s.buddy_free_bytes + s.unusable_bytes == region.size());
    // First fit reuses the lowest hole.
    CHECK(a.allocate(cpu(0), 50) == x);
}

TEST_CASE("linked list: out of memory and invalid frees") {
    Region region(64 << 10);
    LinkedList a;
    REQUIRE(a.init(region.data(), region.size(), AllocatorConfig{}) == InitError::None);
    std::vector<void*> objs;
    while (void* p = a.allocate(cpu(0), 1000)) objs.push_back(p);
    CHECK(objs.size() == (64 << 10) / 1024);
    CHECK(a.observer().total()[ActionKind::AllocFailure] == 1);
    alignas(16) unsigned char local[64] = {};
    a.deallocate(cpu(0), local + 16);
    CHECK(a.observer().total()[ActionKind::InvalidFree] == 1);
    for (void* p : objs) a.deallocate(cpu(0), p);
    REQUIRE_VALID(a);
    CHECK(a.memory_stats().block_bytes == 0);
}

TEST_CASE("check() catches a broken boundary tag in the linked list") {
    Region region(1 << 20);
    LinkedList a;
    REQUIRE(a.init(region.data(), region.size(), AllocatorConfig{}) == InitError::None);
    auto* p = static_cast<std::size_t*>(a.allocate(cpu(0), 64));
    REQUIRE_VALID(a);
    p[-2] += 16;  // the header's size word
    CHECK_FALSE(a.check().ok);
    p[-2] -= 16;
    REQUIRE_VALID(a);
}

// --- the shared interface -------------------------------------------------------------

namespace {
template <class A>
std::unique_ptr<A> make(Region& region, std::uint32_t cpus) {
    auto a = std::make_unique<A>();
    REQUIRE(a->init(region.data(), region.size(), config_with_cpus(cpus)) == InitError::None);
    return a;
}
}  // namespace

TEST_CASE_TEMPLATE("both allocators: objects never overlap, contents survive, everything comes back", A, Hybrid,
                   LinkedList) {
    Region region(32 << 20);
    auto a = make<A>(region, 2);
    const std::size_t free_at_start = a->memory_stats().buddy_free_bytes;
    std::mt19937_64 rng(3);
    std::map<std::uintptr_t, std::pair<std::size_t, unsigned char>> live;  // address -> size, fill byte
    for (int step = 0; step < 20000; ++step) {
        if (live.empty() || rng() % 5 < 3) {
            const std::size_t size = rng() % 8 == 0 ? 1 + rng() % 100000 : 1 + rng() % 600;
            auto* p = static_cast<unsigned char*>(a->allocate(cpu(step % 2), size));
            if (p == nullptr) continue;
            const auto at = reinterpret_cast<std::uintptr_t>(p);
            auto next = live.lower_bound(at);
            if (next != live.end()) REQUIRE(at + size <= next->first);
            if (next != live.begin()) {
                auto prev = std::prev(next);
                REQUIRE(prev->first + prev->second.first <= at);
            }
            const auto fill = static_cast<unsigned char>(rng());
            std::memset(p, fill, size);
            live[at] = {size, fill};
        } else {
            auto it = live.begin();
            std::advance(it, static_cast<long>(rng() % std::min<std::size_t>(live.size(), 64)));
            auto* p = reinterpret_cast<unsigned char*>(it->first);
            for (std::size_t i = 0; i < it->second.first; i += 61) REQUIRE(p[i] == it->second.second);
            if (step % 4 == 0) {  // grow or shrink first: the contents must follow
                const std::size_t new_size = 1 + rng() % 2000;
                const std::size_t keep = std::min<std::size_t>({it->second.first, new_size, 32});
                auto* q = static_cast<unsigned char*>(a->reallocate(cpu(step % 2), p, new_size));
                if (q == nullptr) {  // out of memory: the old block stays as it was
                    q = p;
                    REQUIRE(a->usable_size(p) >= it->second.first);
                }
                for (std::size_t i = 0; i < keep; ++i)
                    REQUIRE(q[i] == it->second.second);
                p = q;
            }
            a->deallocate(cpu((step + 1) % 2), p);
            live.erase(it);
        }
        if (step % 1000 == 0) REQUIRE_VALID(*a);
    }
    for (auto& [at, info] : live) a->deallocate(cpu(0), reinterpret_cast<void*>(at));
    a->quiesce();
    REQUIRE_VALID(*a);
    CHECK(a->memory_stats().buddy_free_bytes == free_at_start);
}
