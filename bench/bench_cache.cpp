// Benchmark 1: the thread-cache hit path, 64 B alloc/free.
// Benchmark 5: cache pollution and recovery.
// Benchmark 6: the two kinds of cache miss: refill from a partial run, carve a new run.
#include <array>
#include <vector>

#include "bench/common.h"
#include "bench/loops.h"

namespace allocsim::bench {
namespace {

// --- allocsim behind malloc/free-shaped calls ---------------------------------------
// noipa: not inlined, not cloned for the constant size, not analysed across the call,
// like a call into a shared library's malloc. The CPU comes from a thread_local
// (one %fs-relative load), as a malloc finds its thread cache through TLS.
HybridN* g_call_target = nullptr;

}  // namespace

// External linkage, so the compiler cannot fold the TLS read to a constant.
thread_local CpuId t_bench_cpu{0};

namespace {

__attribute__((noipa)) void* call_allocate(std::size_t size) { return g_call_target->allocate(t_bench_cpu, size); }
__attribute__((noipa)) void call_deallocate_sized(void* p, std::size_t size) {
    g_call_target->deallocate(t_bench_cpu, p, size);
}
__attribute__((noipa)) void call_deallocate(void* p) { g_call_target->deallocate(t_bench_cpu, p); }

}  // namespace

AllocsimLoops measure_allocsim_loops(const Options& o, Report& r) {
    AllocsimLoops out;
    {
        auto a = make_over_region<HybridN>();
        HybridN& h = *a;
        const LoopStats inl = measure_loops(
            o.quick, [&h](std::size_t n) { return h.allocate(kCpu0, n); },
            [&h](void* p, std::size_t n) { h.deallocate(kCpu0, p, n); });
        g_call_target = &h;
        const LoopStats sized = measure_loops(
            o.quick, [](std::size_t n) { return call_allocate(n); },
            [](void* p, std::size_t n) { call_deallocate_sized(p, n); });
        const LoopStats unsized = measure_loops(
            o.quick, [](std::size_t n) { return call_allocate(n); }, [](void* p, std::size_t) { call_deallocate(p); });
        g_call_target = nullptr;
        out.inline_loop = inl.pair;
        out.inline_batch = inl.batch;
        out.call_sized_loop = sized.pair;
        out.call_sized_batch = sized.batch;
        out.call_unsized_loop = unsized.pair;
        out.call_unsized_batch = unsized.batch;
        verify_empty(r, "thread_cache loops", h);
    }
    {
        // The same pair loop, counted: as many rounds as the timed run did.
        auto a = make_over_region<HybridC>();
        HybridC& h = *a;
        auto alloc = [&h](std::size_t n) { return h.allocate(kCpu0, n); };
        auto release = [&h](void* p, std::size_t n) { h.deallocate(kCpu0, p, n); };
        const std::size_t batches = o.quick ? 1320 : 88000;  // warm-up + timed, as in measure_loops
        for (std::size_t b = 0; b < batches; ++b) pair_rounds(kPairsPerBatch, alloc, release);
        out.hit_rate = hit_rate(h.observer().total());
        verify_empty(r, "thread_cache counted loop", h);
    }
    return out;
}

void bench_thread_cache(const Options& o, Report& r) {
    const AllocsimLoops l = measure_allocsim_loops(o, r);
    Json& j = r.json["thread_cache"];
    j["size_bytes"] = static_cast<int>(kLoopSize);
    j["ops_per_batch"] = static_cast<int>(2 * kPairsPerBatch);
    j["per_op_inline"] = stats_json(l.inline_loop);
    j["pair_inline"] = stats_json(scaled(l.inline_loop, 2));
    j["per_op_call_sized_free"] = stats_json(l.call_sized_loop);
    j["per_op_call_unsized_free"] = stats_json(l.call_unsized_loop);
    j["batch32_per_op_inline"] = stats_json(l.inline_batch);
    j["batch32_per_op_call_sized_free"] = stats_json(l.call_sized_batch);
    j["batch32_per_op_call_unsized_free"] = stats_json(l.call_unsized_batch);
    j["hit_rate"] = rounded(l.hit_rate, 6);

    const char* target = "5-10 cycles/hit";
    r.row("1 thread cache 64 B, per op, inlined", target, ticks_text(l.inline_loop),
          verdict_at_most(l.inline_loop.median, 10));
    r.row("1 thread cache 64 B, alloc+free pair, inlined", "-", ticks_text(scaled(l.inline_loop, 2)), "info");
    r.row("1 thread cache 64 B, per op, noipa call, sized free", target, ticks_text(l.call_sized_loop),
          verdict_at_most(l.call_sized_loop.median, 10));
    r.row("1 thread cache 64 B, per op, noipa call, unsized free", target, ticks_text(l.call_unsized_loop),
          verdict_at_most(l.call_unsized_loop.median, 10));
    r.row("1 thread cache 64 B, 32 alloc then 32 free, per op, inlined", target, ticks_text(l.inline_batch),
          verdict_at_most(l.inline_batch.median, 10));
    r.row("1 thread cache hit rate (CountingObserver run)", "> 90%", pct(l.hit_rate), verdict_at_least(l.hit_rate, 0.9));
}

// --- 5: pollution and recovery --------------------------------------------------------

namespace {

struct PollutionResult {
    double warm_hit_rate = 0;
    double pollution_hit_rate = 0;
    double recovery_hit_rate = 0;
    double recovery_ticks_per_alloc = 0;  // timed runs only
};

constexpr std::uint32_t kWorkingSet = 256;
constexpr std::uint32_t kWarmCycles = 2000;
constexpr std::uint32_t kPolluters = 500;
constexpr std::uint32_t kRecovery = 1000;

template <class A>
PollutionResult pollution_once(A& a, std::uint64_t seed, bool counted) {
    PollutionResult out;
    Rng rng(seed);
    struct Slot {
        void* p = nullptr;
        std::uint32_t size = 0;
    };
    std::array<Slot, kWorkingSet> ws{};
    const auto totals = [&]() -> ActionCounts {
        if constexpr (requires { a.observer().total(); }) return a.observer().total();
        else return ActionCounts{};
    };
    // A: the working set warms the cache (16..512 B, alloc/free cycles over 256 slots).
    ActionCounts before = totals();
    for (std::uint32_t i = 0; i < kWarmCycles; ++i) {
        Slot& s = ws[rng.below(kWorkingSet)];
        if (s.p != nullptr) a.deallocate(kCpu0, s.p, s.size);
        s.size = rng.range(16, 512);
        s.p = a.allocate(kCpu0, s.size);
        escape(s.p);
    }
    ActionCounts after = totals();
    if (counted) out.warm_hit_rate = hit_rate(minus(after, before));
    // B: 500 allocations of 8 B..4 KiB pollute many bins, then all are freed.
    std::array<void*, kPolluters> polluters{};
    std::array<std::uint32_t, kPolluters> polluter_sizes{};
    before = totals();
    for (std::uint32_t i = 0; i < kPolluters; ++i) {
        polluter_sizes[i] = rng.range(8, 4096);
        polluters[i] = a.allocate(kCpu0, polluter_sizes[i]);
        escape(polluters[i]);
    }
    for (std::uint32_t i = 0; i < kPolluters; ++i)
        if (polluters[i] != nullptr) a.deallocate(kCpu0, polluters[i], polluter_sizes[i]);
    after = totals();
    if (counted) out.pollution_hit_rate = hit_rate(minus(after, before));
    // C: recovery, 1000 working-set allocations (16..512 B), held. One timed batch.
    std::array<std::uint32_t, kRecovery> sizes{};
    for (std::uint32_t& s : sizes) s = rng.range(16, 512);
    std::array<void*, kRecovery> held{};
    before = totals();
    const std::uint64_t t0 = ticks();
    for (std::uint32_t i = 0; i < kRecovery; ++i) {
        held[i] = a.allocate(kCpu0, sizes[i]);
        escape(held[i]);
    }
    const std::uint64_t t1 = ticks();
    after = totals();
    if (counted) out.recovery_hit_rate = hit_rate(minus(after, before));
    out.recovery_ticks_per_alloc = per_op(t0, t1, kRecovery);
    for (std::uint32_t i = 0; i < kRecovery; ++i)
        if (held[i] != nullptr) a.deallocate(kCpu0, held[i], sizes[i]);
    for (Slot& s : ws)
        if (s.p != nullptr) a.deallocate(kCpu0, s.p, s.size);
    return out;
}

}  // namespace

void bench_pollution(const Options& o, Report& r) {
    const std::size_t reps = o.scaled(1000, 20);
    std::vector<double> warm, pollution, recovery;
    std::vector<double> recovery_ticks;
    {
        auto a = make_over_region<HybridN>();  // warm-up: code and region
        pollution_once(*a, kSeed, false);
    }
    for (std::size_t rep = 0; rep < reps; ++rep) {
        const std::uint64_t seed = kSeed + rep;
        {
            auto a = make_over_region<HybridC>();
            const PollutionResult c = pollution_once(*a, seed, true);
            warm.push_back(c.warm_hit_rate);
            pollution.push_back(c.pollution_hit_rate);
            recovery.push_back(c.recovery_hit_rate);
            if (rep == 0) verify_empty(r, "pollution (counted)", *a);
        }
        {
            auto a = make_over_region<HybridN>();
            recovery_ticks.push_back(pollution_once(*a, seed, false).recovery_ticks_per_alloc);
            if (rep == 0) verify_empty(r, "pollution (timed)", *a);
        }
    }
    const Stats w = summarize(warm), p = summarize(pollution), rec = summarize(recovery);
    const Stats t = summarize(recovery_ticks);
    Json& j = r.json["pollution_recovery"];
    j["reps"] = static_cast<unsigned long>(reps);
    j["working_set_sizes"] = "16..512 B, 256 slots, 2000 alloc/free cycles";
    j["pollution"] = "500 allocs of 8..4096 B, then all freed";
    j["recovery"] = "1000 allocs of 16..512 B, held";
    j["warm_hit_rate"] = rounded(w.mean, 6);
    j["pollution_hit_rate"] = rounded(p.mean, 6);
    j["hit_rate"] = rounded(rec.mean, 6);
    j["hit_rate_min"] = rounded(rec.min, 6);
    j["recovery_ticks_per_alloc"] = stats_json(t);
    r.row("5 cache pollution: recovery-phase hit rate (1000 allocs)", "> 80%",
          fmt::format("{} (min {} over {} seeds; pre-pollution {})", pct(rec.mean), pct(rec.min), reps, pct(w.mean)),
          verdict_at_least(rec.min, 0.8));
    r.row("5 cache pollution: recovery-phase cost per alloc", "-", ticks_text(t), "info");
}

// --- 6: slab refill ---------------------------------------------------------------------
// Every CPU of a 64-CPU allocator allocates and holds 64 B objects. A 64 B run is one
// page of 64 objects and a refill moves 32, so each CPU's misses alternate: a miss
// that carves a new run (the buddy gives a page, 64 objects are threaded, 32 move to
// the bin), 31 hits, a miss that refills from the run carved before (32 objects), 31
// hits. A timed batch is one such miss on each of the 64 CPUs, so each figure is a
// batch of 64 misses like every other figure here. The state before each batch is
// checked through introspection (empty bin; partial run or none).

namespace {

constexpr std::uint32_t kRefillCpus = kMaxCpus;
constexpr std::size_t kRefillSize = 64;

struct RefillResult {
    std::vector<double> carve, refill;
    std::uint64_t wrong_state = 0;
    ActionCounts carve_counts, refill_counts;  // counted epoch only
    std::uint64_t carve_batches = 0, refill_batches = 0;
};

template <class A>
void refill_epoch(A& a, std::size_t rounds, RefillResult& out, bool timed) {
    const SizeClass cls = a.size_classes().class_for(kRefillSize);
    std::vector<void*> held;
    held.reserve(rounds * kRefillCpus * 64 + 64);
    std::array<void*, kRefillCpus> batch{};
    const auto totals = [&]() -> ActionCounts {
        if constexpr (requires { a.observer().total(); }) return a.observer().total();
        else return ActionCounts{};
    };
    const auto miss_batch = [&](bool expect_partial, std::vector<double>& samples, ActionCounts& counts) {
        const A& view = a;  // introspection is the const interface
        for (std::uint32_t c = 0; c < kRefillCpus; ++c) {
            const bool empty = view.cache(cpu_id(c)).bin(cls).count == 0;
            const bool partial = view.slab(cpu_id(c), cls).partial_head() != kNoPage;
            if (!empty || partial != expect_partial) ++out.wrong_state;
        }
        const ActionCounts before = totals();
        const std::uint64_t t0 = ticks();
        for (std::uint32_t c = 0; c < kRefillCpus; ++c) {
            batch[c] = a.allocate(cpu_id(c), kRefillSize);
            escape(batch[c]);
        }
        const std::uint64_t t1 = ticks();
        counts.add(minus(totals(), before));
        if (timed) samples.push_back(per_op(t0, t1, kRefillCpus));
        for (void* p : batch) held.push_back(p);
    };
    const auto hits = [&] {
        for (std::uint32_t c = 0; c < kRefillCpus; ++c)
            for (int i = 0; i < 31; ++i) {
                void* p = a.allocate(cpu_id(c), kRefillSize);
                escape(p);
                held.push_back(p);
            }
    };
    for (std::size_t round = 0; round < rounds; ++round) {
        miss_batch(false, out.carve, out.carve_counts);
        ++out.carve_batches;
        hits();
        miss_batch(true, out.refill, out.refill_counts);
        ++out.refill_batches;
        hits();
    }
    // Free everything on the CPU that allocated it (the order they were held in).
    std::size_t i = 0;
    for (std::size_t round = 0; round < rounds; ++round)
        for (int half = 0; half < 2; ++half) {
            for (std::uint32_t c = 0; c < kRefillCpus; ++c) a.deallocate(cpu_id(c), held[i++], kRefillSize);
            for (std::uint32_t c = 0; c < kRefillCpus; ++c)
                for (int k = 0; k < 31; ++k) a.deallocate(cpu_id(c), held[i++], kRefillSize);
        }
}

}  // namespace

void bench_slab_refill(const Options& o, Report& r) {
    AllocatorConfig config;
    config.cpus = kRefillCpus;
    const std::size_t rounds = o.scaled(100, 25);
    const std::size_t epochs = o.scaled(40, 3);

    RefillResult counted;
    {
        auto a = make_over_region<HybridC>(config);
        refill_epoch(*a, rounds, counted, false);
        verify_empty(r, "slab_refill (counted)", *a);
    }
    RefillResult timed;
    for (std::size_t e = 0; e < epochs + 1; ++e) {
        auto a = make_over_region<HybridN>(config);
        RefillResult warm;  // epoch 0 warms up code and region; its samples are dropped
        refill_epoch(*a, rounds, e == 0 ? warm : timed, true);
        timed.wrong_state += warm.wrong_state;
        if (e == 1) verify_empty(r, "slab_refill (timed)", *a);
    }
    const Stats carve = summarize(timed.carve);
    const Stats refill = summarize(timed.refill);
    const ActionCounts& cc = counted.carve_counts;
    const ActionCounts& rc = counted.refill_counts;
    const auto per = [](std::uint64_t n, std::uint64_t d) { return d ? static_cast<double>(n) / static_cast<double>(d) : 0.0; };
    const std::uint64_t carve_misses = counted.carve_batches * kRefillCpus;
    const std::uint64_t refill_misses = counted.refill_batches * kRefillCpus;

    Json& j = r.json["slab_refill"];
    j["size_bytes"] = static_cast<int>(kRefillSize);
    j["cpus_per_batch"] = static_cast<int>(kRefillCpus);
    j["refill_batch"] = static_cast<int>(config.refill_batch);
    j["refill_from_partial_ticks"] = stats_json(refill);
    j["carve_new_run_ticks"] = stats_json(carve);
    j["carve_slab_carves_per_miss"] = rounded(per(cc[ActionKind::SlabCarve], carve_misses));
    j["carve_buddy_splits_per_miss"] = rounded(per(cc[ActionKind::BuddySplit], carve_misses));
    j["carve_objects_refilled_per_miss"] = rounded(per(cc.objects[static_cast<int>(ActionKind::Refill)], carve_misses));
    j["refill_slab_carves_per_miss"] = rounded(per(rc[ActionKind::SlabCarve], refill_misses));
    j["refill_objects_refilled_per_miss"] = rounded(per(rc.objects[static_cast<int>(ActionKind::Refill)], refill_misses));
    j["refill_nodes_per_miss"] = rounded(per(rc.nodes[static_cast<int>(ActionKind::Refill)], refill_misses));
    j["misses_in_unexpected_state"] = static_cast<unsigned long>(counted.wrong_state + timed.wrong_state);

    r.row("6 slab refill: miss refilled from a partial run (32 objects)", "none (seed: future)",
          fmt::format("{}; {:.1f} objects, {:.2f} carves per miss", ticks_text(refill),
                      per(rc.objects[static_cast<int>(ActionKind::Refill)], refill_misses),
                      per(rc[ActionKind::SlabCarve], refill_misses)),
          "n/a");
    r.row("6 slab refill: miss that carves a new run from the buddy", "none (seed: future)",
          fmt::format("{}; {:.2f} carves, {:.2f} buddy splits per miss", ticks_text(carve),
                      per(cc[ActionKind::SlabCarve], carve_misses), per(cc[ActionKind::BuddySplit], carve_misses)),
          "n/a");
    if (counted.wrong_state + timed.wrong_state != 0)
        r.problems.push_back(fmt::format("slab_refill: {} misses found the cache/slab in an unexpected state",
                                         counted.wrong_state + timed.wrong_state));
}

}  // namespace allocsim::bench
