// The replay engine: hand-computed cost scenarios (a refill pays per object, a
// remote free pays the line transfer, two CPUs contending for the buddy lock wait
// by exactly the modeled amount), determinism, and every generator replayed with
// the core's check() on.
#include <vector>

#include "tests/traces/test_support.h"

#include "engine/replay/footprint_floor.h"
#include "engine/replay/replayer.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/import_summary.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using namespace allocsim::engine;
using traces::Op;
using traces::TraceEvent;

namespace {

// A database in a temporary folder, removed afterwards.
class TempDb {
public:
    TempDb() : db_(std::make_unique<traces::Database>(dir_.file("t.db"))) {}
    traces::Database& db() { return *db_; }

    void write(const std::string& name, const std::vector<TraceEvent>& events) {
        traces::TraceWriter w(*db_, name, "test", "unit test");
        traces::ImportSummary s;
        for (const TraceEvent& e : events) {
            w.add(e);
            s.cpus = std::max<std::uint32_t>(s.cpus, e.cpu + 1u);
            s.has_time = s.has_time || e.time_ns != traces::kNoTime;
        }
        s.events = events.size();
        w.commit(s);
    }
    void generate(const std::string& name, const std::string& workload, traces::GeneratorOptions options) {
        traces::TraceWriter w(*db_, name, "gen", workload);
        traces::EventEmitter emitter(w);
        traces::generate(workload, options, emitter);
        w.commit(emitter.summary());
    }

private:
    traces::test::TempDir dir_;  // declared first: removed after the database is closed
    std::unique_ptr<traces::Database> db_;
};

TraceEvent ev(Op op, std::uint64_t object, std::uint16_t cpu, std::uint64_t size = 0, std::int64_t time = traces::kNoTime,
              std::uint8_t arg = 0) {
    return TraceEvent{time, object, size, 0, cpu, op, arg};
}

// Settings whose model prices nothing, so a test can price exactly one thing; one
// cycle per ns.
ReplaySettings zero_priced() {
    ReplaySettings s;
    for (const std::string& key : setting_keys())
        if (key.rfind("model.", 0) == 0 && key != "model.mhz" && key != "model.think_scale") apply_setting(s, key, "0");
    apply_setting(s, "model.mhz", "1000");
    return s;
}

}  // namespace

TEST_CASE("replay: a refill pays per object moved") {
    TempDb t;
    t.write("one", {ev(Op::Alloc, 0, 0, 64), ev(Op::Free, 0, 0)});
    for (std::uint32_t batch : {32u, 16u, 5u}) {
        CAPTURE(batch);
        ReplaySettings s = zero_priced();
        s.model.refill_per_object = 1;
        s.core.refill_batch = batch;
        const ReplayResult r = replay(t.db(), "one", s);
        CHECK(r.summary.refills == 1);
        CHECK(r.summary.modeled_cycles_total == batch);  // the alloc's refill; the free costs nothing
        CHECK(r.summary.modeled_cycles_max == batch);
    }
}

TEST_CASE("replay: a remote free pays the cache-line transfer, a local one does not") {
    TempDb t;
    t.write("remote", {ev(Op::Alloc, 0, 0, 64), ev(Op::Alloc, 1, 0, 64), ev(Op::Free, 0, 1), ev(Op::Free, 1, 0)});
    ReplaySettings s = zero_priced();
    s.model.line_transfer = 100;
    const ReplayResult r = replay(t.db(), "remote", s);
    CHECK(r.summary.remote_frees == 1);
    CHECK(r.summary.modeled_cycles_total == 100);
    CHECK(r.per_cpu[1].work_cycles == 100);
    CHECK(r.per_cpu[0].work_cycles == 0);
}

TEST_CASE("replay: two CPUs contending for the buddy lock wait by exactly the modeled amount") {
    TempDb t;
    // Both CPUs ask the buddy for a page at time 0 (open loop).
    t.write("contend", {ev(Op::PageAlloc, 0, 0, 0, 0, 0), ev(Op::PageAlloc, 1, 1, 0, 0, 0), ev(Op::PageFree, 0, 0, 0, 1000, 0),
                        ev(Op::PageFree, 1, 1, 0, 2000, 0)});
    ReplaySettings s = zero_priced();
    s.model.lock = 10;
    s.model.buddy_alloc = 50;
    s.model.lock_handoff = 7;
    s.core.buddy_lock = BuddyLockMode::Global;
    const ReplayResult r = replay(t.db(), "contend", s);
    // CPU 0: lock 10 + alloc 50, holding the lock until t = 60. CPU 1 asks at t = 0:
    // waits 60 + the handoff 7, then pays the same 60 itself. The frees, at t = 1000
    // and 2000, find the lock free and pay the lock only.
    CHECK(r.summary.lock_contended == 1);
    CHECK(r.summary.lock_wait_cycles == 67);
    CHECK(r.per_cpu[0].work_cycles == 60 + 10);  // its free at t = 1000 takes the lock uncontended
    CHECK(r.per_cpu[1].wait_cycles == 67);
    CHECK(r.per_cpu[1].clock == 2000 + 10);
    CHECK(r.summary.modeled_cycles_max == 127);

    // The timeline a listener sees: every operation, and CPU 1's wait for the lock.
    std::vector<OpSpan> ops;
    std::vector<WaitSpan> waits;
    ReplayListener listener;
    listener.op = [&](const OpSpan& x) { ops.push_back(x); };
    listener.wait = [&](const WaitSpan& x) { waits.push_back(x); };
    replay(t.db(), "contend", s, {}, &listener);
    REQUIRE(ops.size() == 4);
    CHECK(ops[0].start == 0);
    CHECK(ops[0].end == 60);
    CHECK(ops[1].cpu == 1);
    CHECK(ops[1].start == 0);
    CHECK(ops[1].end == 127);
    CHECK(ops[1].wait == 67);
    CHECK(ops[1].lock_wait == 67);  // all of it for the lock
    CHECK(ops[1].line_wait + ops[1].dependency_wait == 0);
    CHECK(ops[3].start == 2000);
    REQUIRE(waits.size() == 1);
    CHECK(waits[0].event == 1);
    CHECK(waits[0].kind == WaitSpan::Kind::Lock);
    CHECK(waits[0].resource == 0xFF);  // the buddy's global lock
    CHECK(waits[0].start == 0);
    CHECK(waits[0].end == 67);

    // With the second request 100 cycles later, the lock is free: no wait.
    t.write("apart", {ev(Op::PageAlloc, 0, 0, 0, 0, 0), ev(Op::PageAlloc, 1, 1, 0, 100, 0), ev(Op::PageFree, 0, 0, 0, 1000, 0),
                      ev(Op::PageFree, 1, 1, 0, 2000, 0)});
    const ReplayResult apart = replay(t.db(), "apart", s);
    CHECK(apart.summary.lock_wait_cycles == 0);
    CHECK(apart.summary.modeled_cycles_max == 60);
}

TEST_CASE("replay: the same trace, settings and model give the same summary, byte for byte") {
    TempDb t;
    t.generate("default", "default", {});
    ReplaySettings s;
    const ReplayResult a = replay(t.db(), "default", s);
    const ReplayResult b = replay(t.db(), "default", s);
    CHECK(summary_json(a.summary, true) == summary_json(b.summary, true));
    REQUIRE(a.per_cpu.size() == 4);
    for (std::size_t c = 0; c < 4; ++c) {
        CHECK(a.per_cpu[c].work_cycles == b.per_cpu[c].work_cycles);
        CHECK(a.per_cpu[c].clock == b.per_cpu[c].clock);
    }
    CHECK(a.samples.size() == b.samples.size());
    // A different model gives a different answer: the test can fail.
    s.model.cache_hit += 1;
    CHECK(summary_json(replay(t.db(), "default", s).summary, true) != summary_json(a.summary, true));
}

TEST_CASE("replay: a trace stored without its peak live bytes is sized by a first pass, to the same result") {
    TempDb t;
    t.generate("default", "default", {});
    const ReplaySettings s;
    const ReplayResult stored = replay(t.db(), "default", s);
    // The peak the trace's writer stored is the one the replay finds.
    const auto peak = traces::stored_peak_live_bytes(t.db().find_trace("default")->summary);
    REQUIRE(peak.has_value());
    CHECK(stored.summary.peak_live_bytes == *peak);
    CHECK(*peak > 0);
    // As a database written before summaries carried the peak.
    t.db().exec("UPDATE traces SET summary = replace(summary, '\"peak_live_bytes\":', '\"old_key\":')");
    REQUIRE_FALSE(traces::stored_peak_live_bytes(t.db().find_trace("default")->summary).has_value());
    const ReplayResult first_pass = replay(t.db(), "default", s);
    CHECK(first_pass.summary.region_bytes == stored.summary.region_bytes);
    CHECK(summary_json(first_pass.summary, true) == summary_json(stored.summary, true));
}

// Generates every workload into `t` as a trace of its name (at most `max_ops` events)
// and calls f(name) for each.
template <class F>
void for_each_generated(TempDb& t, std::uint64_t max_ops, F f) {
    for (const traces::WorkloadInfo& w : traces::workloads()) {
        const std::string name = w.name;
        CAPTURE(name);
        traces::GeneratorOptions options;
        options.ops = std::min<std::uint64_t>(w.default_ops, max_ops);
        t.generate(name, name, options);
        f(name);
    }
}

TEST_CASE("replay: every generator, with the core's invariants checked every 500 events") {
    TempDb t;
    for_each_generated(t, 30000, [&](const std::string& name) {
        for (AllocatorKind kind : {AllocatorKind::Hybrid, AllocatorKind::LinkedList}) {
            ReplaySettings s;
            s.allocator = kind;
            s.check_every = 500;
            const ReplayResult r = replay(t.db(), name, s);
            const auto info = t.db().find_trace(name);
            CHECK(r.summary.events == info->events);
            CHECK(r.summary.failed_allocs == 0);
            CHECK(r.summary.invariant_violations == 0);
            CHECK(r.summary.allocs == r.summary.frees);
            CHECK(r.summary.peak_live_bytes > 0);
            CHECK(r.summary.peak_footprint_bytes >= r.summary.peak_live_bytes / 2);
            CHECK(r.summary.modeled_cycles_p50 <= r.summary.modeled_cycles_p99);
        }
    });
}

TEST_CASE("replay: the peak footprint's breakdown by cause adds up to the peak footprint on every generator") {
    TempDb t;
    for_each_generated(t, 30000, [&](const std::string& name) {
        for (AllocatorKind kind : {AllocatorKind::Hybrid, AllocatorKind::LinkedList}) {
            for (std::uint32_t cpus : {1u, 4u}) {
                CAPTURE(cpus);
                ReplaySettings s;
                s.allocator = kind;
                s.cpus = cpus;
                const ReplaySummary r = replay(t.db(), name, s).summary;
                const FootprintBreakdown& f = r.footprint;
                CHECK(f.total() == r.peak_footprint_bytes);
                CHECK(f.live_bytes > 0);
                CHECK(f.live_bytes <= r.peak_live_bytes);
                CHECK(f.event < r.events);
                if (kind == AllocatorKind::Hybrid) {
                    CHECK(f.heap_free_bytes == 0);
                    CHECK(f.metadata_bytes > 0);  // the per-CPU structures at least
                } else {
                    CHECK(f.cached_bytes + f.partial_free_bytes + f.run_tail_bytes + f.remote_pending_bytes == 0);
                }
                // A stored run carries the breakdown.
                CHECK(parse_summary_json(summary_json(r, true)).footprint.total() == f.total());
            }
        }
    });
}

TEST_CASE("replay: the footprint's causes on shapes that make each one") {
    TempDb t;
    // 100 objects of 20000 B: exact page runs of 5 pages, 480 B of page rounding each.
    std::vector<TraceEvent> pages;
    for (std::uint64_t i = 0; i < 100; ++i) pages.push_back(ev(Op::Alloc, i, 0, 20000));
    t.write("pages", pages);
    ReplaySummary r = replay(t.db(), "pages", ReplaySettings{}).summary;
    CHECK(r.footprint.page_rounding_bytes == 100 * (5 * 4096 - 20000));
    CHECK(r.footprint.live_bytes == 100 * 20000);
    CHECK(r.footprint.total() == r.peak_footprint_bytes);
    // One 100 B object: class 128 rounds 28 B up; the rest of its run is free in a partial run.
    t.write("one", {ev(Op::Alloc, 0, 0, 100)});
    r = replay(t.db(), "one", ReplaySettings{}).summary;
    CHECK(r.footprint.class_rounding_bytes == 28);
    CHECK(r.footprint.live_bytes == 100);
    CHECK(r.footprint.cached_bytes + r.footprint.partial_free_bytes + r.footprint.run_tail_bytes == 4096 - 128);
}

TEST_CASE("floor: the runs and pages that packed live objects need, on shapes with known answers") {
    TempDb t;
    const ReplaySettings s;
    // One CPU's structures: the core's footprint before it holds anything.
    t.write("empty", {ev(Op::Alloc, 0, 0, 8), ev(Op::Free, 0, 0)});
    const std::uint64_t md1 = footprint_floor(t.db(), "empty", s).fixed_metadata_bytes;
    CHECK(md1 > 0);
    // 48 objects of 64 B fill 48 of a one-page run's 64 slots: one page.
    std::vector<TraceEvent> e;
    for (std::uint64_t i = 0; i < 48; ++i) e.push_back(ev(Op::Alloc, i, 0, 64));
    t.write("48x64", e);
    FootprintFloor f = footprint_floor(t.db(), "48x64", s);
    CHECK(f.peak_live_bytes == 48 * 64);
    CHECK(f.floor_bytes == 4096);
    CHECK(f.floor_event == 0);
    CHECK(f.floor_footprint_bytes == 4096 + md1 + f.descriptor_bytes);
    // The 65th takes a second run.
    for (std::uint64_t i = 48; i < 65; ++i) e.push_back(ev(Op::Alloc, i, 0, 64));
    t.write("65x64", e);
    CHECK(footprint_floor(t.db(), "65x64", s).floor_bytes == 2 * 4096);
    // Above the classes, exact pages: 20000 B takes 5; a page block of order 2, 4 pages.
    t.write("large", {ev(Op::Alloc, 0, 0, 20000), ev(Op::PageAlloc, 1, 0, 0, traces::kNoTime, 2), ev(Op::Free, 0, 0)});
    f = footprint_floor(t.db(), "large", s);
    CHECK(f.floor_bytes == 9 * 4096);
    CHECK(f.floor_event == 1);
    CHECK(f.peak_live_bytes == 20000 + 4 * 4096);
    // A realloc takes the object to its new size's class; from 100 B to 20000 B the
    // run of the 128 B class is given up, the floor is 5 pages, never 6.
    t.write("grow", {ev(Op::Alloc, 0, 0, 100), ev(Op::Realloc, 0, 0, 20000), ev(Op::Realloc, 0, 0, 1)});
    f = footprint_floor(t.db(), "grow", s);
    CHECK(f.floor_bytes == 5 * 4096);
    CHECK(f.peak_live_bytes == 20000);
    // Runs are shared in the floor: one 64 B object on each of two CPUs is one page,
    // and two CPUs have more per-CPU structures than one.
    t.write("two", {ev(Op::Alloc, 0, 0, 64), ev(Op::Alloc, 1, 1, 64)});
    f = footprint_floor(t.db(), "two", s);
    CHECK(f.cpus == 2);
    CHECK(f.floor_bytes == 4096);
    CHECK(f.floor_per_cpu_bytes == 2 * 4096);  // per CPU, a run each
    // A realloc within its class stays in its CPU's run; to another class, it moves
    // to the reallocating CPU's.
    std::vector<TraceEvent> moves = {ev(Op::Alloc, 0, 0, 64), ev(Op::Realloc, 0, 1, 60), ev(Op::Alloc, 1, 1, 64)};
    t.write("stays", moves);
    CHECK(footprint_floor(t.db(), "stays", s).floor_per_cpu_bytes == 2 * 4096);  // object 0 is still CPU 0's
    moves.push_back(ev(Op::Realloc, 0, 1, 100));
    moves.push_back(ev(Op::Alloc, 2, 1, 100));
    t.write("moves", moves);
    CHECK(footprint_floor(t.db(), "moves", s).floor_per_cpu_bytes == 2 * 4096);  // both 128 B objects in one CPU 1 run
    CHECK(f.fixed_metadata_bytes > md1);
    // The 12 KiB class: an exact run of 3 pages, or with slab.exact_runs off a power of
    // two, 16 pages for 5 objects.
    t.write("12k", {ev(Op::Alloc, 0, 0, 12000)});
    CHECK(footprint_floor(t.db(), "12k", s).floor_bytes == 3 * 4096);
    ReplaySettings pow2 = s;
    apply_setting(pow2, "slab.exact_runs", "off");
    CHECK(footprint_floor(t.db(), "12k", pow2).floor_bytes == 16 * 4096);
}

TEST_CASE("floor: never above the hybrid's footprint, after every event, on every generator and policy") {
    TempDb t;
    for_each_generated(t, 20000, [&](const std::string& name) {
        for (const char* policy : {"", "drain.batch=64", "cache.adaptive=on", "slab.exact_runs=off", "cache.bin_bytes=0"}) {
            for (std::uint32_t cpus : {1u, 4u}) {
                CAPTURE(policy);
                CAPTURE(cpus);
                ReplaySettings s;
                if (*policy != 0) apply_setting_arg(s, policy);
                s.cpus = cpus;
                s.sample_every = 1;
                const ReplayResult r = replay(t.db(), name, s);
                std::vector<std::uint64_t> floor_each;
                const FootprintFloor f = footprint_floor(t.db(), name, s, {}, &floor_each);
                REQUIRE(r.summary.failed_allocs == 0);
                CHECK(f.peak_live_bytes == r.summary.peak_live_bytes);
                CHECK(f.floor_footprint_bytes <= r.summary.peak_footprint_bytes);
                CHECK(f.utilization_bound >= r.summary.utilization);
                REQUIRE(floor_each.size() == r.samples.size());
                std::size_t above = 0;
                for (std::size_t i = 0; i < floor_each.size(); ++i)
                    if (floor_each[i] > r.samples[i].footprint_bytes) ++above;
                CHECK(above == 0);
                CHECK(f.floor_per_cpu_bytes >= f.floor_bytes);
                // Its consumers never allocate, so each object stays in its producer's
                // runs: there the per-CPU floor bounds the hybrid too.
                if (name == "producer-consumer" && cpus == 4)
                    CHECK(f.floor_per_cpu_footprint_bytes <= r.summary.peak_footprint_bytes);
                // And it is tight: 48 live objects of one class on one CPU are one
                // run, which the core holds with nothing else but its structures.
                if (name == "cache-64" && *policy == 0 && cpus == 1) CHECK(f.floor_footprint_bytes == r.summary.peak_footprint_bytes);
            }
        }
    });
}

// The order in which operations reached the core (their trace indices), and the summary.
std::pair<std::vector<std::uint64_t>, ReplaySummary> replay_order(TempDb& t, const std::string& trace, const ReplaySettings& s) {
    std::vector<std::uint64_t> order;
    ReplayListener listener;
    listener.op = [&](const OpSpan& span) { order.push_back(span.event); };
    const ReplaySummary summary = replay(t.db(), trace, s, {}, &listener).summary;
    return {order, summary};
}

TEST_CASE("time order: a trace whose order agrees with simulated time replays exactly as in trace order") {
    TempDb t;
    // 4 CPUs, one operation every 100 us: every operation ends long before the next
    // starts, so simulated time and the trace agree. Objects move between CPUs: each
    // is freed by the next CPU, some resized by a third.
    std::vector<TraceEvent> e;
    std::uint64_t next = 0;
    std::int64_t ns = 0;
    std::vector<std::uint64_t> live;
    for (int i = 0; i < 3000; ++i) {
        const auto cpu = static_cast<std::uint16_t>(i % 4);
        ns += 100000;
        if (i % 3 == 2 && !live.empty()) {
            e.push_back(ev(Op::Free, live.front(), cpu, 0, ns));
            live.erase(live.begin());
        } else if (i % 7 == 3 && !live.empty()) {
            e.push_back(ev(Op::Realloc, live.back(), cpu, 24 + 40 * static_cast<std::uint64_t>(i % 50), ns));
        } else {
            e.push_back(ev(Op::Alloc, next, cpu, 16 + 8 * static_cast<std::uint64_t>(i % 300), ns));
            live.push_back(next++);
        }
    }
    t.write("agree", e);
    ReplaySettings by_trace, by_time;
    by_time.order = ReplayOrder::Time;
    const auto [trace_order, a] = replay_order(t, "agree", by_trace);
    const auto [time_order, b] = replay_order(t, "agree", by_time);
    CHECK(b.dependency_wait_cycles == 0);
    CHECK(time_order == trace_order);
    CHECK(summary_json(a, true) == summary_json(b, true));
    CHECK(a.remote_frees > 500);
}

TEST_CASE("replay: an operation's first split pays buddy_split_entry once, however deep the split") {
    TempDb t;
    // Page blocks of every order up to 7, then order 0 again and again: the buddy
    // splits at many depths, sometimes not at all.
    std::vector<TraceEvent> e;
    std::uint64_t id = 0;
    for (int order : {0, 7, 1, 6, 0, 2, 5, 0, 3, 4, 0, 0, 1, 0})
        e.push_back(ev(Op::PageAlloc, id++, 0, 0, traces::kNoTime, static_cast<std::uint8_t>(order)));
    t.write("deep", e);
    ReplaySettings s = zero_priced();
    apply_setting(s, "model.buddy_split", "10");
    apply_setting(s, "model.buddy_split_entry", "1000");
    apply_setting(s, "region", "16MiB");
    std::vector<std::uint64_t> cycles, splits;
    std::uint64_t in_op = 0;
    ReplayListener listener;
    listener.action = [&](const Action& a) { in_op += a.kind == ActionKind::BuddySplit; };
    listener.op = [&](const OpSpan& span) {
        cycles.push_back(static_cast<std::uint64_t>(span.end - span.start));
        splits.push_back(in_op);
        in_op = 0;
    };
    const ReplaySummary r = replay(t.db(), "deep", s, {}, &listener).summary;
    REQUIRE(cycles.size() == e.size());
    CHECK(r.failed_allocs == 0);
    for (std::size_t i = 0; i < cycles.size(); ++i) {
        CAPTURE(i);
        CHECK(cycles[i] == splits[i] * 10 + (splits[i] > 0 ? 1000 : 0));
    }
    CHECK(*std::max_element(splits.begin(), splits.end()) >= 3);  // deep ones, priced once
    CHECK(std::count(splits.begin(), splits.end(), 0u) >= 1);      // and none: no entry
}

TEST_CASE("time order: a free of an object another CPU allocated waits until the allocation has ended") {
    TempDb t;
    // Closed loop, no times: CPU 1's free is ready at cycle 0, but CPU 0's allocation
    // of the object runs 0..500 (a page block: buddy_alloc 500, the rest free).
    t.write("dep", {ev(Op::PageAlloc, 0, 0, 0, traces::kNoTime, 0), ev(Op::PageFree, 0, 1), ev(Op::Alloc, 1, 1, 64)});
    ReplaySettings s = zero_priced();
    apply_setting(s, "model.buddy_alloc", "500");
    apply_setting(s, "order", "time");
    std::vector<OpSpan> spans;
    std::vector<WaitSpan> waits;
    ReplayListener listener;
    listener.op = [&](const OpSpan& span) { spans.push_back(span); };
    listener.wait = [&](const WaitSpan& w) { waits.push_back(w); };
    const ReplaySummary r = replay(t.db(), "dep", s, {}, &listener).summary;
    REQUIRE(spans.size() == 3);
    CHECK(r.dependency_wait_cycles == 500);
    CHECK(spans[1].dependency_wait == 500);  // its wait by kind
    CHECK(spans[1].lock_wait + spans[1].line_wait == 0);
    REQUIRE(waits.size() == 1);  // and as a wait span, before the operation's own
    CHECK(waits[0].kind == WaitSpan::Kind::Dependency);
    CHECK(waits[0].event == 1);
    CHECK(waits[0].start == 0);
    CHECK(waits[0].end == 500);
    CHECK(spans[0].event == 0);
    CHECK(spans[0].end == 500);
    CHECK(spans[1].event == 1);  // the free: ready at 0, waited 500, ran at 500
    CHECK(spans[1].start == 0);
    CHECK(spans[1].wait == 500);
    CHECK(spans[1].end == 500);
    CHECK(spans[2].event == 2);  // CPU 1's next operation, after its free
    CHECK(spans[2].start == 500);
    // In trace order nothing waits: the free runs at 0, before the allocation has ended.
    apply_setting(s, "order", "trace");
    CHECK(replay(t.db(), "dep", s).summary.dependency_wait_cycles == 0);
}

TEST_CASE("time order: raising the lock handoff changes the order operations reach the core, and what the core does") {
    TempDb t;
    traces::GeneratorOptions o;
    o.cpus = 4;
    o.ops = 20000;
    t.generate("pc", "producer-consumer", o);
    ReplaySettings cheap, dear;
    dear.model.lock_handoff = 100000;
    const auto [trace_cheap, tc] = replay_order(t, "pc", cheap);
    const auto [trace_dear, td] = replay_order(t, "pc", dear);
    // In trace order the order is the trace's whatever the prices: the core does the same.
    CHECK(trace_cheap == trace_dear);
    CHECK(tc.buddy_splits == td.buddy_splits);
    CHECK(tc.peak_footprint_bytes == td.peak_footprint_bytes);
    cheap.order = dear.order = ReplayOrder::Time;
    const auto [time_cheap, c] = replay_order(t, "pc", cheap);
    const auto [time_dear, d] = replay_order(t, "pc", dear);
    CHECK(time_cheap != time_dear);
    // Lock waits push operations later, so blocks go back and come out in another
    // order: the buddy splits and merges differently.
    CHECK(c.buddy_splits != d.buddy_splits);
    CHECK(c.peak_footprint_bytes != d.peak_footprint_bytes);
    // What each CPU does is its own stream: the allocations, frees and remote frees
    // are the trace's, whatever the order.
    CHECK(c.allocs == d.allocs);
    CHECK(c.remote_frees == d.remote_frees);
    CHECK(d.dependency_wait_cycles > c.dependency_wait_cycles);
    // And the same settings give the same run.
    CHECK(replay_order(t, "pc", dear).first == time_dear);
    CHECK(summary_json(replay_order(t, "pc", dear).second, true) == summary_json(d, true));
}

TEST_CASE("what-ifs: a CPU at half speed takes twice the priced cycles, think time scales in closed loop") {
    TempDb t;
    // Two 64 B allocations 1000 ns apart on CPU 0 and one on CPU 1; every price 0 but
    // the cache miss (100) and the refill per object (1).
    t.write("w", {ev(Op::Alloc, 0, 0, 64, 0), ev(Op::Alloc, 1, 1, 64, 0), ev(Op::Alloc, 2, 0, 64, 1000)});
    ReplaySettings s = zero_priced();
    apply_setting(s, "model.cache_miss", "100");
    apply_setting(s, "loop", "closed");
    std::vector<OpSpan> spans;
    ReplayListener listener;
    listener.op = [&](const OpSpan& span) { spans.push_back(span); };
    const auto run = [&](const ReplaySettings& settings) {
        spans.clear();
        replay(t.db(), "w", settings, {}, &listener);
        REQUIRE(spans.size() == 3);
    };
    run(s);
    const std::int64_t miss = spans[1].end - spans[1].start;  // CPU 1's first allocation: a miss and its refill
    CHECK(miss >= 100);
    CHECK(spans[2].start == spans[0].end + 1000);  // 1000 ns of think time at 1000 MHz
    apply_setting(s, "cpu.1.speed", "0.5");
    run(s);
    CHECK(spans[1].end - spans[1].start == 2 * miss);
    CHECK(spans[0].end - spans[0].start == miss);  // CPU 0 as priced
    apply_setting(s, "model.think_scale", "2.5");
    run(s);
    CHECK(spans[2].start == spans[0].end + 2500);
    apply_setting(s, "model.think_scale", "0");
    run(s);
    CHECK(spans[2].start == spans[0].end);
}

TEST_CASE("time order: slowing one CPU changes the order operations reach the core") {
    TempDb t;
    traces::GeneratorOptions o;
    o.cpus = 4;
    o.ops = 20000;
    t.generate("lar", "larson", o);
    ReplaySettings even, slow;
    even.loop = slow.loop = LoopMode::Closed;
    apply_setting(slow, "cpu.2.speed", "0.25");
    const auto [trace_even, a] = replay_order(t, "lar", even);
    const auto [trace_slow, b] = replay_order(t, "lar", slow);
    CHECK(trace_even == trace_slow);  // trace order: the order is the trace's whatever the speeds
    even.order = slow.order = ReplayOrder::Time;
    const auto [time_even, c] = replay_order(t, "lar", even);
    const auto [time_slow, d] = replay_order(t, "lar", slow);
    CHECK(time_even != time_slow);
    CHECK(d.makespan_cycles > c.makespan_cycles);
    CHECK(d.fingerprint != c.fingerprint);
}

TEST_CASE("time order: every generator, 1 and 4 CPUs, open and closed loop, with the core's invariants checked") {
    TempDb t;
    for_each_generated(t, 20000, [&](const std::string& name) {
        for (std::uint32_t cpus : {1u, 4u}) {
            for (LoopMode loop : {LoopMode::Auto, LoopMode::Closed}) {
                CAPTURE(cpus);
                ReplaySettings s;
                s.order = ReplayOrder::Time;
                s.cpus = cpus;
                s.loop = loop;
                s.check_every = 500;
                ReplaySettings by_trace = s;
                by_trace.order = ReplayOrder::Trace;
                const ReplaySummary r = replay(t.db(), name, s).summary;
                const ReplaySummary q = replay(t.db(), name, by_trace).summary;
                CHECK(r.events == q.events);
                CHECK(r.invariant_violations == 0);
                CHECK(r.failed_allocs == 0);
                CHECK(r.allocs == q.allocs);
                CHECK(r.frees == q.frees);
                CHECK(r.remote_frees == q.remote_frees);
                // (Peak live bytes are the interleaving's: a closed-loop producer that
                // runs ahead of its consumers holds more than the trace's order did.)
                // One CPU: one stream, so simulated time is the trace's order.
                if (cpus == 1) CHECK(summary_json(r, true) == summary_json(q, true));
            }
        }
    });
}

TEST_CASE("time order: a trace stored without its layout (before it was stored) replays the same, from one pass over it") {
    TempDb t;
    for_each_generated(t, 6000, [&](const std::string& name) {
        CAPTURE(name);
        const auto layout = traces::stored_layout(t.db().find_trace(name)->summary);
        REQUIRE(layout.has_value());  // every writer stores it
        for (LoopMode loop : {LoopMode::Auto, LoopMode::Closed}) {
            ReplaySettings s;
            s.order = ReplayOrder::Time;
            s.cpus = 4;
            s.loop = loop;
            const ReplaySummary with = replay(t.db(), name, s).summary;
            // The summary as a trace stored before the layout existed has it.
            const std::string summary = t.db().find_trace(name)->summary;
            const std::string legacy = summary.substr(0, summary.find(",\"last_event_by_cpu\"")) + "}";
            REQUIRE_FALSE(traces::stored_layout(legacy).has_value());
            traces::Statement set(t.db(), "UPDATE traces SET summary = ? WHERE name = ?");
            set.bind(1, legacy).bind(2, name);
            set.step();
            const ReplaySummary without = replay(t.db(), name, s).summary;
            traces::Statement back(t.db(), "UPDATE traces SET summary = ? WHERE name = ?");
            back.bind(1, summary).bind(2, name);
            back.step();
            CHECK(with.fingerprint == without.fingerprint);
            CHECK(summary_json(with, true) == summary_json(without, true));
        }
    });
}

TEST_CASE("replay: the baseline and the hybrid agree on what is live after every event") {
    TempDb t;
    for_each_generated(t, 4000, [&](const std::string& name) {
        ReplaySettings hybrid, list;
        hybrid.sample_every = list.sample_every = 1;  // a sample after every event
        list.allocator = AllocatorKind::LinkedList;
        const ReplayResult h = replay(t.db(), name, hybrid);
        const ReplayResult l = replay(t.db(), name, list);
        REQUIRE(h.samples.size() == t.db().find_trace(name)->events);
        REQUIRE(l.samples.size() == h.samples.size());
        std::size_t differ = 0;
        std::uint64_t ever_live = 0;
        for (std::size_t i = 0; i < h.samples.size(); ++i) {
            if (h.samples[i].event != l.samples[i].event || h.samples[i].live_bytes != l.samples[i].live_bytes) ++differ;
            ever_live = std::max(ever_live, h.samples[i].live_bytes);
        }
        CHECK(differ == 0);
        CHECK(ever_live == h.summary.peak_live_bytes);
        CHECK(h.summary.peak_live_bytes == l.summary.peak_live_bytes);
        CHECK(h.summary.failed_allocs == 0);
        CHECK(l.summary.failed_allocs == 0);
    });
}

TEST_CASE("replay: the hybrid core models fewer cycles than the linked list on the 64 B loop") {
    TempDb t;
    t.generate("cache", "cache-64", {});
    ReplaySettings hybrid;
    ReplaySettings list;
    list.allocator = AllocatorKind::LinkedList;
    const ReplayResult h = replay(t.db(), "cache", hybrid);
    const ReplayResult l = replay(t.db(), "cache", list);
    CHECK(h.summary.thread_cache_hit_rate > 0.9);
    CHECK(h.summary.modeled_cycles_total < l.summary.modeled_cycles_total);
}

TEST_CASE("replay: folding CPUs and bad settings") {
    TempDb t;
    t.generate("larson", "larson", {8, 20000, 1});
    ReplaySettings s;
    s.cpus = 2;
    const ReplayResult r = replay(t.db(), "larson", s);
    CHECK(r.summary.cpus == 2);
    CHECK(r.per_cpu.size() == 2);
    s.cpus = 0;
    s.cpu_map = {0, 0, 0, 0, 1, 1, 1, 1};
    CHECK(replay(t.db(), "larson", s).summary.cpus == 2);
    s.cpu_map.clear();
    CHECK_THROWS_WITH_AS(replay(t.db(), "nope", s), doctest::Contains("no trace named 'nope'"), std::exception);
    s.core.refill_batch = 1000;  // above the capacity: the core refuses it
    CHECK_THROWS_WITH_AS(replay(t.db(), "larson", s), doctest::Contains("refused the configuration"), ReplayError);
}
