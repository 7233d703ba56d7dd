// Allocator instances and checks shared by the allocsim benchmarks.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include <fmt/format.h>

#include "alloc/buddy_allocator.h"
#include "alloc/counting_observer.h"
#include "alloc/hybrid_allocator.h"
#include "alloc/linked_list_allocator.h"
#include "alloc/platform/host/host_platform.h"
#include "bench/bench.h"
#include "engine/replay/check_text.h"

namespace allocsim::bench {

using HybridN = HybridAllocator<NullObserver, HostPlatform>;       // timed runs
using HybridC = HybridAllocator<CountingObserver, HostPlatform>;   // counted runs
using BuddyN = BuddyAllocator<NullObserver, HostPlatform>;
using BuddyC = BuddyAllocator<CountingObserver, HostPlatform>;
using ListN = LinkedListAllocator<NullObserver, HostPlatform>;
using ListC = LinkedListAllocator<CountingObserver, HostPlatform>;

inline constexpr CpuId kCpu0{0};

inline CpuId cpu_id(std::uint32_t c) { return CpuId{static_cast<std::uint16_t>(c)}; }

[[noreturn]] inline void fatal(const std::string& what) {
    std::fprintf(stderr, "allocsim-bench: %s\n", what.c_str());
    std::exit(2);
}

// A fresh allocator over the shared region (allocators are tens of KiB: heap).
template <class A>
std::unique_ptr<A> make_over_region(const AllocatorConfig& config = AllocatorConfig{}) {
    auto a = std::make_unique<A>();
    const InitError e = a->init(region(), kRegionBytes, config);
    if (e != InitError::None) fatal(fmt::format("allocator init failed: {}", init_error_name(e)));
    return a;
}

inline double hit_rate(const ActionCounts& c) {
    const double hits = static_cast<double>(c[ActionKind::CacheHit]);
    const double misses = static_cast<double>(c[ActionKind::CacheMiss]);
    return hits + misses == 0 ? 0.0 : hits / (hits + misses);
}

inline ActionCounts minus(const ActionCounts& after, const ActionCounts& before) {
    ActionCounts d;
    for (int i = 0; i < kActionKindCount; ++i) {
        d.count[i] = after.count[i] - before.count[i];
        d.objects[i] = after.objects[i] - before.objects[i];
        d.nodes[i] = after.nodes[i] - before.nodes[i];
    }
    d.contended_locks = after.contended_locks - before.contended_locks;
    return d;
}

inline std::string describe(const CheckResult& c) { return engine::check_text(c); }

// After a benchmark freed everything it allocated: quiesce, check() every invariant,
// and see that nothing is live or held in slabs any more. Failures are allocator
// bugs, reported under the table and in the JSON.
template <class A>
void verify_empty(Report& r, const char* where, A& a) {
    a.quiesce();
    const CheckResult c = a.check();
    if (!c.ok) r.problems.push_back(fmt::format("{}: check() failed: {}", where, describe(c)));
    const MemoryStats s = a.memory_stats();
    if (s.live_bytes() != 0 || s.slab_bytes != 0 || s.cached_bytes != 0)
        r.problems.push_back(fmt::format("{}: after freeing everything and quiesce(): live {} B, slab {} B, cached {} B",
                                         where, s.live_bytes(), s.slab_bytes, s.cached_bytes));
}

template <class A>
void verify_valid(Report& r, const char* where, const A& a) {
    const CheckResult c = a.check();
    if (!c.ok) r.problems.push_back(fmt::format("{}: check() failed: {}", where, describe(c)));
}

inline Stats scaled(Stats s, double k) {
    s.median *= k;
    s.p99 *= k;
    s.mean *= k;
    s.min *= k;
    s.max *= k;
    return s;
}

inline std::string pct(double rate) { return fmt::format("{:.2f}%", 100.0 * rate); }

}  // namespace allocsim::bench
