// Benchmark 3: the hybrid allocator against the linked-list baseline, one workload.
// Benchmark 4: the 100k-cycle stress test with mixed sizes.
//
// Both replay a precomputed, seeded sequence of (slot, size) steps over a window of
// live objects: a step frees whatever the slot holds and allocates a new object
// into it. The sequence is generated before timing, so the PRNG is not timed.
#include <vector>

#include "bench/common.h"

namespace allocsim::bench {
namespace {

// --- 3: hybrid vs linked list -----------------------------------------------------------

constexpr std::uint32_t kWindow = 1024;
constexpr std::size_t kSteps = std::size_t{1} << 16;
constexpr std::size_t kStepsPerBatch = 250;

struct Step {
    std::uint32_t slot;
    std::uint32_t size;
};

std::vector<Step> mixed_workload() {
    Rng rng(kSeed);
    std::vector<Step> steps(kSteps);
    for (Step& s : steps) s = Step{rng.below(kWindow), rng.range(16, 512)};
    return steps;
}

struct Live {
    void* p = nullptr;
    std::uint32_t size = 0;
};

template <bool kSized, class A>
ALLOCSIM_ALWAYS_INLINE void run_steps(A& a, const std::vector<Step>& steps, std::size_t& cursor, std::size_t n,
                                      std::vector<Live>& live, std::size_t& failures) {
    for (std::size_t i = 0; i < n; ++i) {
        const Step s = steps[cursor];
        cursor = cursor + 1 == steps.size() ? 0 : cursor + 1;
        Live& l = live[s.slot];
        if (l.p != nullptr) {
            if constexpr (kSized) a.deallocate(kCpu0, l.p, l.size);
            else a.deallocate(kCpu0, l.p);
        }
        l.p = a.allocate(kCpu0, s.size);
        escape(l.p);
        l.size = s.size;
        failures += l.p == nullptr;
    }
}

template <class A>
void fill(A& a, std::vector<Live>& live) {
    Rng rng(kSeed ^ 0xF111);
    for (Live& l : live) {
        l.size = rng.range(16, 512);
        l.p = a.allocate(kCpu0, l.size);
    }
}

template <class A>
void empty(A& a, std::vector<Live>& live) {
    for (Live& l : live)
        if (l.p != nullptr) a.deallocate(kCpu0, l.p);
    for (Live& l : live) l = Live{};
}

// Timed run: fill the window, one untimed pass of the sequence, then `batches`
// batches of kStepsPerBatch steps (2 ops each).
template <bool kSized, class A>
Stats timed_mixed(A& a, const std::vector<Step>& steps, std::size_t batches, std::size_t& failures) {
    std::vector<Live> live(kWindow);
    fill(a, live);
    std::size_t cursor = 0;
    run_steps<kSized>(a, steps, cursor, steps.size(), live, failures);
    const Stats s = time_batches(batches, 0, 2.0 * kStepsPerBatch,
                                 [&] { run_steps<kSized>(a, steps, cursor, kStepsPerBatch, live, failures); });
    empty(a, live);
    return s;
}

// Counted run: the same steps as the timed run, counted.
template <class A>
ActionCounts counted_mixed(A& a, const std::vector<Step>& steps, std::size_t batches) {
    std::vector<Live> live(kWindow);
    std::size_t failures = 0;
    fill(a, live);
    std::size_t cursor = 0;
    run_steps<true>(a, steps, cursor, steps.size(), live, failures);
    const ActionCounts before = a.observer().total();
    run_steps<true>(a, steps, cursor, batches * kStepsPerBatch, live, failures);
    const ActionCounts d = minus(a.observer().total(), before);
    empty(a, live);
    return d;
}

}  // namespace

void bench_hybrid_vs_list(const Options& o, Report& r) {
    const std::vector<Step> steps = mixed_workload();
    const std::size_t hybrid_batches = o.scaled(40000, 1200);
    const std::size_t list_batches = o.scaled(8000, 240);
    std::size_t failures = 0;

    Stats hybrid, hybrid_unsized, list;
    {
        auto a = make_over_region<HybridN>();
        hybrid = timed_mixed<true>(*a, steps, hybrid_batches, failures);
        verify_empty(r, "hybrid_vs_list (hybrid)", *a);
    }
    {
        auto a = make_over_region<HybridN>();
        hybrid_unsized = timed_mixed<false>(*a, steps, hybrid_batches, failures);
        verify_empty(r, "hybrid_vs_list (hybrid, unsized)", *a);
    }
    {
        auto a = make_over_region<ListN>();
        list = timed_mixed<true>(*a, steps, list_batches, failures);
        verify_empty(r, "hybrid_vs_list (linked list)", *a);
    }
    ActionCounts hc, lc;
    {
        auto a = make_over_region<HybridC>();
        hc = counted_mixed(*a, steps, hybrid_batches);
    }
    {
        auto a = make_over_region<ListC>();
        lc = counted_mixed(*a, steps, list_batches);
    }
    if (failures) r.problems.push_back(fmt::format("hybrid_vs_list: {} allocations failed", failures));

    const double speedup = list.median / hybrid.median;
    const double speedup_unsized = list.median / hybrid_unsized.median;
    const double speedup_mean = list.mean / hybrid.mean;
    const double list_allocs = static_cast<double>(lc[ActionKind::BuddyAlloc]);
    const double list_nodes = static_cast<double>(lc.nodes[static_cast<int>(ActionKind::BuddyAlloc)]);

    Json& j = r.json["hybrid_vs_linked_list"];
    j["workload"] = "sizes 16..512 B uniform, 1024 live slots, each step frees a random slot and refills it";
    j["seed"] = static_cast<unsigned long>(kSeed);
    j["hybrid_per_op"] = stats_json(hybrid);
    j["hybrid_unsized_free_per_op"] = stats_json(hybrid_unsized);
    j["linked_list_per_op"] = stats_json(list);
    j["speedup_median"] = rounded(speedup);
    j["speedup_mean"] = rounded(speedup_mean);
    j["speedup_median_unsized_free"] = rounded(speedup_unsized);
    j["hybrid_hit_rate"] = rounded(hit_rate(hc), 6);
    j["linked_list_free_blocks_scanned_per_alloc"] = rounded(list_allocs > 0 ? list_nodes / list_allocs : 0.0);
    j["allocation_failures"] = static_cast<unsigned long>(failures);

    r.row("3 mixed 16-512 B: hybrid, sized free, per op", "-",
          fmt::format("{}; hit rate {}", ticks_text(hybrid), pct(hit_rate(hc))), "info");
    r.row("3 mixed 16-512 B: hybrid, unsized free, per op", "-", ticks_text(hybrid_unsized), "info");
    r.row("3 mixed 16-512 B: linked list, per op", "-",
          fmt::format("{}; {:.1f} free blocks scanned per alloc", ticks_text(list),
                      list_allocs > 0 ? list_nodes / list_allocs : 0.0),
          "info");
    std::string v = verdict_at_least(speedup, 5.0);
    if (speedup < 5.0 && speedup > 3.0) v += " (meets the validated > 3x)";
    r.row("3 speedup hybrid vs linked list (median per op)", "5-15x (validated > 3x)",
          fmt::format("{:.1f}x sized free, {:.1f}x unsized (mean: {:.1f}x)", speedup, speedup_unsized, speedup_mean), v);
}

// --- 4: 100k-cycle stress -----------------------------------------------------------------

namespace {

constexpr std::uint32_t kStressCycles = 100000;
constexpr std::uint32_t kStressSlots = 1000;
constexpr std::uint32_t kStressCyclesPerBatch = 250;

struct StressStep {
    std::uint32_t slot;
    std::uint32_t size;  // bytes, or the order for a page allocation
    bool pages;
};

// 60% 8..256 B, 25% 257..2048 B, 13% 2 KiB..16 KiB, 2% page blocks of order 0..2.
std::vector<StressStep> stress_workload() {
    Rng rng(kSeed ^ 0x57AE55);
    std::vector<StressStep> steps(kStressCycles);
    for (StressStep& s : steps) {
        s.slot = rng.below(kStressSlots);
        const std::uint32_t pick = rng.below(100);
        s.pages = pick >= 98;
        if (pick < 60) s.size = rng.range(8, 256);
        else if (pick < 85) s.size = rng.range(257, 2048);
        else if (pick < 98) s.size = rng.range(2049, 16384);
        else s.size = rng.below(3);
    }
    return steps;
}

struct StressLive {
    void* p = nullptr;
    std::uint32_t size = 0;
    bool pages = false;
};

struct StressCounts {
    std::uint64_t attempts = 0, successes = 0, ops = 0;
    std::uint64_t small_attempts = 0, page_attempts = 0;
};

template <class A>
ALLOCSIM_ALWAYS_INLINE void stress_steps(A& a, const StressStep* s, std::uint32_t n, std::vector<StressLive>& live,
                                         StressCounts& c) {
    for (std::uint32_t i = 0; i < n; ++i, ++s) {
        StressLive& l = live[s->slot];
        if (l.p != nullptr) {
            if (l.pages) a.free_pages(kCpu0, l.p, Order{static_cast<std::uint8_t>(l.size)});
            else a.deallocate(kCpu0, l.p, l.size);
            ++c.ops;
        }
        l.p = s->pages ? a.allocate_pages(kCpu0, Order{static_cast<std::uint8_t>(s->size)})
                       : a.allocate(kCpu0, s->size);
        escape(l.p);
        l.size = s->size;
        l.pages = s->pages;
        ++c.ops;
        ++c.attempts;
        c.successes += l.p != nullptr;
        c.page_attempts += s->pages;
    }
}

template <class A>
void stress_release(A& a, std::vector<StressLive>& live) {
    for (StressLive& l : live) {
        if (l.p == nullptr) continue;
        if (l.pages) a.free_pages(kCpu0, l.p, Order{static_cast<std::uint8_t>(l.size)});
        else a.deallocate(kCpu0, l.p, l.size);
        l = StressLive{};
    }
}

}  // namespace

void bench_stress(const Options& o, Report& r) {
    const std::vector<StressStep> steps = stress_workload();
    const std::size_t reps = o.scaled(50, 3);

    // Counted run.
    StressCounts counted;
    ActionCounts ac;
    {
        auto a = make_over_region<HybridC>();
        std::vector<StressLive> live(kStressSlots);
        stress_steps(*a, steps.data(), kStressCycles, live, counted);
        ac = a->observer().total();
        stress_release(*a, live);
        verify_empty(r, "stress (counted)", *a);
    }
    // Timed runs: each a fresh allocator replaying all 100k cycles, in batches of 250.
    std::vector<double> samples;
    std::vector<double> whole_run;  // mean ticks per op of each whole 100k run
    StressCounts timed_counts;
    for (std::size_t rep = 0; rep < reps + 1; ++rep) {  // rep 0: warm-up
        auto a = make_over_region<HybridN>();
        std::vector<StressLive> live(kStressSlots);
        StressCounts c;
        std::uint64_t total_ticks = 0;
        for (std::uint32_t b = 0; b < kStressCycles; b += kStressCyclesPerBatch) {
            const std::uint64_t ops_before = c.ops;
            const std::uint64_t t0 = ticks();
            stress_steps(*a, steps.data() + b, kStressCyclesPerBatch, live, c);
            const std::uint64_t t1 = ticks();
            total_ticks += t1 - t0;
            if (rep > 0) samples.push_back(per_op(t0, t1, static_cast<double>(c.ops - ops_before)));
        }
        if (rep > 0) {
            whole_run.push_back(static_cast<double>(total_ticks) / static_cast<double>(c.ops));
            timed_counts.attempts += c.attempts;
            timed_counts.successes += c.successes;
        }
        stress_release(*a, live);
        if (rep == 1) verify_empty(r, "stress (timed)", *a);
    }
    const Stats per = summarize(samples);
    const Stats runs = summarize(whole_run);
    const double success = static_cast<double>(counted.successes) / static_cast<double>(counted.attempts);
    const double hits = hit_rate(ac);

    Json& j = r.json["stress"];
    j["cycles"] = static_cast<unsigned long>(kStressCycles);
    j["slots"] = static_cast<unsigned long>(kStressSlots);
    j["workload"] = "60% 8..256 B, 25% 257..2048 B, 13% 2049..16384 B, 2% pages of order 0..2";
    j["reps"] = static_cast<unsigned long>(reps);
    j["attempts"] = static_cast<unsigned long>(counted.attempts);
    j["successes"] = static_cast<unsigned long>(counted.successes);
    j["success_rate"] = rounded(success, 6);
    j["timed_success_rate"] = rounded(
        timed_counts.attempts ? static_cast<double>(timed_counts.successes) / static_cast<double>(timed_counts.attempts)
                              : 0.0,
        6);
    j["hit_rate"] = rounded(hits, 6);
    j["cache_hits"] = static_cast<unsigned long>(ac[ActionKind::CacheHit]);
    j["cache_misses"] = static_cast<unsigned long>(ac[ActionKind::CacheMiss]);
    j["drains"] = static_cast<unsigned long>(ac[ActionKind::Drain]);
    j["slab_carves"] = static_cast<unsigned long>(ac[ActionKind::SlabCarve]);
    j["page_returns"] = static_cast<unsigned long>(ac[ActionKind::PageReturn]);
    j["buddy_allocs"] = static_cast<unsigned long>(ac[ActionKind::BuddyAlloc]);
    j["per_op_batches_of_250_cycles"] = stats_json(per);
    j["per_op_whole_run"] = stats_json(runs);

    r.row("4 stress 100k cycles: success rate", "> 90%",
          fmt::format("{} ({} of {})", pct(success), counted.successes, counted.attempts), verdict_at_least(success, 0.9));
    r.row("4 stress 100k cycles: hit rate", "> 85%", pct(hits), verdict_at_least(hits, 0.85));
    r.row("4 stress 100k cycles: latency per op (batches of 250 cycles)", "< 30 cycles",
          fmt::format("{}; whole-run mean {:.1f}", ticks_text(per), runs.median), verdict_at_most(per.median, 30));
}

}  // namespace allocsim::bench
