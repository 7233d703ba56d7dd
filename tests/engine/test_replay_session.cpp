// ReplaySession, the GUI's replay: stepping to the end gives replay()'s figures;
// any seek, backward or forward, gives the state a straight replay reaches (the
// whole core snapshot, the slab runs and the figures); the recorded actions are the
// ones the figures count; events read back as stored; bad input is refused.
#include <doctest/doctest.h>

#include <memory>
#include <random>

#include "tests/engine/generated_db.h"

#include "engine/replay/replay_session.h"
#include "engine/replay/replayer.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/import_error.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using namespace allocsim::engine;

namespace {

// Seed 7: other traces than the other suites'.
class SessionDb : public test::GeneratedDb {
public:
    void generate(const std::string& name, const std::string& workload, std::uint32_t cpus, std::uint64_t ops) {
        test::GeneratedDb::generate(name, workload, cpus, ops, 7);
    }
};

void check_same_summary(const ReplaySummary& a, const ReplaySummary& b) {
    CHECK(a.events == b.events);
    CHECK(a.thread_cache_hit_rate == b.thread_cache_hit_rate);
    CHECK(a.refills == b.refills);
    CHECK(a.drains == b.drains);
    CHECK(a.buddy_splits == b.buddy_splits);
    CHECK(a.buddy_coalesces == b.buddy_coalesces);
    CHECK(a.modeled_cycles_total == b.modeled_cycles_total);
    CHECK(a.makespan_cycles == b.makespan_cycles);
    CHECK(a.peak_footprint_bytes == b.peak_footprint_bytes);
}

}  // namespace

TEST_CASE("replay session: stepping to the end gives replay()'s figures") {
    SessionDb t;
    t.generate("mix", "mixed-stress", 3, 20000);
    const ReplaySettings s;
    ReplaySession session(t.db(), "mix", s);
    CHECK(session.position() == 0);
    std::uint64_t steps = 0;
    while (session.step()) ++steps;
    CHECK(steps == session.events());
    const ReplayResult straight = replay(t.db(), "mix", s);
    check_same_summary(session.summary(), straight.summary);
}

TEST_CASE("replay session: a run in simulated-time order steps in that order, as replay() ran it") {
    SessionDb t;
    t.generate("mix", "mixed-stress", 3, 20000);
    ReplaySettings s;
    s.order = ReplayOrder::Time;
    s.loop = LoopMode::Closed;  // no times: the CPUs' streams drift apart, so the orders differ
    // replay()'s order of operations, and the session's.
    std::vector<std::uint64_t> ran;
    ReplayListener listener;
    listener.op = [&](const OpSpan& span) { ran.push_back(span.event); };
    const ReplaySummary straight = replay(t.db(), "mix", s, {}, &listener).summary;
    ReplaySession session(t.db(), "mix", s);
    CHECK(session.time_order());
    std::vector<std::uint64_t> stepped;
    StepRecord r;
    while (session.step(&r)) {
        CHECK(r.index == stepped.size());
        stepped.push_back(r.seq);
    }
    CHECK(stepped == ran);
    bool reordered = false;
    for (std::size_t i = 0; i < stepped.size(); ++i) reordered = reordered || stepped[i] != i;
    CHECK(reordered);
    check_same_summary(session.summary(), straight);
    CHECK(session.summary().fingerprint == straight.fingerprint);
    CHECK(session.summary().dependency_wait_cycles == straight.dependency_wait_cycles);

    // The overview by step, and each step's event as stored.
    CHECK_THROWS_AS(session.event_at(0), ReplayError);  // not known before the overview
    session.build_checkpoints();
    REQUIRE(session.overview().seq.size() == stepped.size());
    CHECK(session.overview().seq == stepped);
    std::vector<traces::TraceEvent> all;
    {
        traces::TraceReader reader(t.db(), "mix");
        std::vector<traces::TraceEvent> chunk;
        while (reader.next_chunk(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    }
    for (std::uint64_t k : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{777}, std::uint64_t{stepped.size() - 1}})
        CHECK(session.event_at(k) == all[stepped[k]]);

    // One CPU: one stream, the trace's order.
    s.cpus = 1;
    ReplaySession one(t.db(), "mix", s);
    CHECK_FALSE(one.time_order());
    while (one.step()) {
    }
    CHECK(one.summary().fingerprint == replay(t.db(), "mix", s).summary.fingerprint);
}

TEST_CASE("replay session: any seek lands on the state of a straight replay, in either order") {
    SessionDb t;
    t.generate("lar", "larson", 4, 300000);
    for (const ReplayOrder order : {ReplayOrder::Trace, ReplayOrder::Time}) {
        CAPTURE(static_cast<int>(order));
        ReplaySettings s;
        s.order = order;
        s.core.buddy_lock = BuddyLockMode::PerOrder;
        ReplaySession straight(t.db(), "lar", s);
        ReplaySession seeking(t.db(), "lar", s);
        CHECK(seeking.time_order() == (order == ReplayOrder::Time));
        REQUIRE(seeking.events() > 2 * seeking.checkpoint_interval());
        seeking.build_checkpoints();
        CHECK(seeking.checkpoints() >= 3);
        CHECK(seeking.position() == 0);  // build_checkpoints comes back

        // Positions in increasing order for the straight replay; the seeking session
        // visits each from wherever the last seek left it (a random earlier or later one).
        std::mt19937_64 rng(5);
        std::vector<std::uint64_t> at = {0, 1, 2, 65535, 65536, 65537, seeking.events() - 1, seeking.events()};
        for (int i = 0; i < 8; ++i) at.push_back(rng() % (seeking.events() + 1));
        std::sort(at.begin(), at.end());
        for (const std::uint64_t p : at) {
            straight.seek(p);  // forward only: a plain replay
            seeking.seek(rng() % (seeking.events() + 1));
            seeking.seek(p);
            CAPTURE(p);
            REQUIRE(seeking.position() == p);
            CHECK(seeking.snapshot() == straight.snapshot());
            CHECK(seeking.slab_runs(2) == straight.slab_runs(2));
            CHECK(seeking.live_bytes() == straight.live_bytes());
            check_same_summary(seeking.summary(), straight.summary());
            CHECK(seeking.summary().fingerprint == straight.summary().fingerprint);
            // And the next step is the same operation, at the same cycle.
            if (p < seeking.events()) {
                StepRecord x, y;
                REQUIRE(seeking.step(&x));
                REQUIRE(straight.step(&y));
                CHECK(x.seq == y.seq);
                CHECK(x.span.start == y.span.start);
            }
        }
        straight.seek(straight.events());
        CHECK(straight.summary().fingerprint == replay(t.db(), "lar", s).summary.fingerprint);
    }
}

TEST_CASE("replay session: recorded actions are what the figures count, events read back as stored") {
    SessionDb t;
    t.generate("pc", "producer-consumer", 2, 8000);
    ReplaySession session(t.db(), "pc", ReplaySettings{});
    std::uint64_t hits = 0, misses = 0, splits = 0;
    StepRecord r;
    traces::TraceReader reader(t.db(), "pc");
    std::vector<traces::TraceEvent> chunk;
    std::vector<traces::TraceEvent> all;
    while (reader.next_chunk(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    while (session.step(&r)) {
        CHECK(r.event == all[r.index]);
        CHECK(r.span.event == r.index);
        CHECK(r.span.end >= r.span.start);
        for (const Action& a : r.actions) {
            hits += a.kind == ActionKind::CacheHit;
            misses += a.kind == ActionKind::CacheMiss;
            splits += a.kind == ActionKind::BuddySplit;
        }
    }
    const ReplaySummary s = session.summary();
    CHECK(s.buddy_splits == splits);
    CHECK(s.thread_cache_hit_rate == doctest::Approx(static_cast<double>(hits) / static_cast<double>(hits + misses)));
    for (const std::uint64_t i : {std::uint64_t{0}, std::uint64_t{1999}, std::uint64_t{2000}, all.size() - 1, std::uint64_t{17}})
        CHECK(session.event_at(i) == all[i]);
    CHECK_THROWS_AS(session.event_at(all.size()), traces::TraceError);
}

TEST_CASE("replay session: the snapshot tiles the region and agrees with the bins and free lists") {
    SessionDb t;
    t.generate("lar", "larson", 2, 5000);
    ReplaySession session(t.db(), "lar", ReplaySettings{});
    session.seek(2500);
    const CoreSnapshot s = session.snapshot();
    std::uint64_t pages = 0, free_blocks = 0;
    for (const BlockInfo& b : s.blocks) {
        CHECK(b.first_page == pages);
        pages += b.pages;
        free_blocks += b.state == BlockState::Free;
        if (b.state == BlockState::Slab) CHECK(b.free_objects <= b.objects);
    }
    CHECK(pages == s.pages);
    std::uint64_t listed = 0;
    for (const auto& list : s.free_lists) listed += list.size();
    CHECK(listed == free_blocks);
    REQUIRE(s.bins.size() == 2);
    for (const auto& cpu : s.bins)
        for (const BinInfo& b : cpu) CHECK(b.count <= b.capacity);
    // Objects of the runs of a class: cached ones are the bins' count.
    std::uint64_t cached = 0;
    for (std::uint8_t c = 0; c < s.class_sizes.size(); ++c)
        for (const SlabRunView& run : session.slab_runs(c))
            for (const ObjectState o : run.objects) cached += o == ObjectState::Cached;
    std::uint64_t in_bins = 0;
    for (const auto& cpu : s.bins)
        for (const BinInfo& b : cpu) in_bins += b.count;
    CHECK(cached == in_bins);
}

TEST_CASE("replay session: the overview agrees with stepping, event by event") {
    SessionDb t;
    t.generate("mix", "mixed-stress", 2, 6000);
    ReplaySession a(t.db(), "mix", ReplaySettings{});
    CHECK(a.overview().kinds.empty());
    a.seek(100);
    a.build_checkpoints();
    CHECK(a.position() == 100);  // back where it was
    const TraceOverview& o = a.overview();
    REQUIRE(o.kinds.size() == a.events());
    ReplaySession b(t.db(), "mix", ReplaySettings{});
    StepRecord r;
    std::uint64_t splits = 0;
    while (b.step(&r)) {
        std::uint32_t kinds = 0;
        for (const Action& x : r.actions) kinds |= 1u << static_cast<unsigned>(x.kind);
        CHECK(o.kinds[r.index] == kinds);
        CHECK(o.op[r.index] == static_cast<std::uint8_t>(r.event.op));
        CHECK(o.cpu[r.index] == r.span.cpu);
        splits += (kinds >> static_cast<unsigned>(ActionKind::BuddySplit)) & 1u;
    }
    CHECK(splits > 0);
    CHECK(o.live_bytes.back() == b.live_bytes());
    REQUIRE(o.hit_rate.size() == o.live_bytes.size());
    for (const double h : o.hit_rate) CHECK((h == -1 || (h >= 0 && h <= 1)));
    REQUIRE(o.cycles_per_op.size() == 2);
}

TEST_CASE("replay session: refusals") {
    SessionDb t;
    t.generate("lar", "larson", 1, 500);
    CHECK_THROWS_AS(ReplaySession(t.db(), "nope", ReplaySettings{}), traces::TraceError);
    ReplaySettings ll;
    ll.allocator = AllocatorKind::LinkedList;
    CHECK_THROWS_AS(ReplaySession(t.db(), "lar", ll), ReplayError);
}
