// Stored runs: a run reads back exactly (summary text, per-CPU figures, samples),
// runs list in the order stored, a failed store leaves nothing, a trace's runs go
// when the trace is replaced or deleted, and a missing run is a clear error. Also
// the flat JSON reader show and diff read stored objects with.
#include <chrono>
#include <limits>
#include <memory>
#include <vector>

#include "tests/traces/test_support.h"

#include "engine/replay/flat_json.h"
#include "engine/replay/replayer.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using namespace allocsim::engine;

namespace {

// A database in a temporary folder holding generated traces, removed afterwards.
class TempDb {
public:
    TempDb() : db_(std::make_unique<traces::Database>(dir_.file("t.db"))) {}
    traces::Database& db() { return *db_; }

    void generate(const std::string& name, const std::string& workload,
                  traces::IfExists if_exists = traces::IfExists::Fail) {
        traces::TraceWriter w(*db_, name, "gen", workload, if_exists);
        traces::EventEmitter emitter(w);
        traces::generate(workload, {2, 3000, 1}, emitter);
        w.commit(emitter.summary());
    }

    std::int64_t count(const char* table) {
        traces::Statement s(*db_, (std::string("SELECT count(*) FROM ") + table).c_str());
        s.step();
        return s.column_int(0);
    }

private:
    traces::test::TempDir dir_;  // declared first: removed after the database is closed
    std::unique_ptr<traces::Database> db_;
};

const std::string kNoLabel;

std::int64_t store(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                   const ReplayResult& result, const std::string& label = kNoLabel) {
    return store_run(db, RunToStore{.trace = trace,
                                    .label = label,
                                    .settings = settings,
                                    .result = result,
                                    .started = std::chrono::system_clock::now(),
                                    .wall_seconds = 0.25});
}

// Values at the edges of each column's type, and a hit rate with no short decimal form.
ReplayResult edge_result() {
    ReplayResult r;
    r.summary.events = 7;
    r.summary.cpus = 2;
    r.summary.modeled_cycles_total = std::numeric_limits<std::uint64_t>::max();
    r.summary.makespan_cycles = -5;
    r.summary.thread_cache_hit_rate = 0.5;
    r.summary.events_per_second = 1234567;
    constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
    r.per_cpu = {CpuFigures{1, 2, 3, 4, 5, 6, -7}, CpuFigures{kMax, 0, kMax - 1, 9, 10, 11, std::int64_t{1} << 62}};
    r.samples = {Sample{3, -1, 40, 4096, 1.0 / 3.0, 17, 3}, Sample{6, 99, kMax, 8192, 0.1, 0, 3}};
    return r;
}

}  // namespace

TEST_CASE("run store: a stored run reads back exactly") {
    TempDb t;
    t.generate("default", "default");
    ReplaySettings settings;
    apply_setting(settings, "cache.capacity", "128");
    apply_setting(settings, "sample_every", "500");
    const ReplayResult result = replay(t.db(), "default", settings);
    REQUIRE(result.samples.size() >= 2);
    const std::int64_t id = store(t.db(), "default", settings, result, "bigger bins");
    CHECK(id == 1);

    const StoredRun run = load_run(t.db(), id);
    CHECK(run.id == id);
    CHECK(run.trace == "default");
    CHECK(run.label == "bigger bins");
    CHECK(run.allocator == "hybrid");
    CHECK(run.version == std::string(allocsim_version()));
    CHECK(run.started.size() == 20);  // 2024-01-02T03:04:05Z
    CHECK(run.started.back() == 'Z');
    CHECK(run.wall_seconds == 0.25);
    CHECK(run.settings_json == settings_to_json(settings));
    CHECK(run.summary_json == summary_json(result.summary));
    REQUIRE(run.per_cpu.size() == result.per_cpu.size());
    for (std::size_t c = 0; c < run.per_cpu.size(); ++c) {
        CAPTURE(c);
        CHECK(run.per_cpu[c].ops == result.per_cpu[c].ops);
        CHECK(run.per_cpu[c].work_cycles == result.per_cpu[c].work_cycles);
        CHECK(run.per_cpu[c].wait_cycles == result.per_cpu[c].wait_cycles);
        CHECK(run.per_cpu[c].cache_hits == result.per_cpu[c].cache_hits);
        CHECK(run.per_cpu[c].cache_misses == result.per_cpu[c].cache_misses);
        CHECK(run.per_cpu[c].remote_frees == result.per_cpu[c].remote_frees);
        CHECK(run.per_cpu[c].clock == result.per_cpu[c].clock);
    }
    REQUIRE(run.samples.size() == result.samples.size());
    for (std::size_t i = 0; i < run.samples.size(); ++i) {
        CAPTURE(i);
        CHECK(run.samples[i].event == result.samples[i].event);
        CHECK(run.samples[i].time == result.samples[i].time);
        CHECK(run.samples[i].live_bytes == result.samples[i].live_bytes);
        CHECK(run.samples[i].footprint_bytes == result.samples[i].footprint_bytes);
        CHECK(run.samples[i].hit_rate == result.samples[i].hit_rate);
        CHECK(run.samples[i].window_cycles == result.samples[i].window_cycles);
        CHECK(run.samples[i].window_ops == result.samples[i].window_ops);
    }
}

TEST_CASE("run store: the full range of every column reads back") {
    TempDb t;
    t.generate("g", "default");
    const ReplayResult r = edge_result();
    const StoredRun run = load_run(t.db(), store(t.db(), "g", ReplaySettings{}, r));
    CHECK(run.summary_json == summary_json(r.summary));
    CHECK(parse_summary_json(run.summary_json).modeled_cycles_total == std::numeric_limits<std::uint64_t>::max());
    CHECK(parse_summary_json(run.summary_json).makespan_cycles == -5);
    REQUIRE(run.per_cpu.size() == 2);
    CHECK(run.per_cpu[0].clock == -7);
    CHECK(run.per_cpu[1].ops == r.per_cpu[1].ops);
    CHECK(run.per_cpu[1].wait_cycles == r.per_cpu[1].wait_cycles);
    CHECK(run.per_cpu[1].clock == r.per_cpu[1].clock);
    REQUIRE(run.samples.size() == 2);
    CHECK(run.samples[0].time == -1);
    CHECK(run.samples[0].hit_rate == 1.0 / 3.0);
    CHECK(run.samples[1].live_bytes == r.samples[1].live_bytes);
    CHECK(run.samples[1].hit_rate == 0.1);
}

TEST_CASE("run store: runs list oldest first with their key figures") {
    TempDb t;
    t.generate("a", "default");
    t.generate("b", "larson");
    ReplaySettings hybrid;
    ReplaySettings list;
    list.allocator = AllocatorKind::LinkedList;
    const ReplayResult ra = replay(t.db(), "a", hybrid);
    const ReplayResult rb = replay(t.db(), "b", list);
    CHECK(list_runs(t.db()).empty());
    CHECK(store(t.db(), "b", list, rb, "first") == 1);
    CHECK(store(t.db(), "a", hybrid, ra) == 2);
    CHECK(store(t.db(), "b", hybrid, rb, "third") == 3);
    const std::vector<RunInfo> runs = list_runs(t.db());
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].id == 1);
    CHECK(runs[0].trace == "b");
    CHECK(runs[0].label == "first");
    CHECK(runs[0].allocator == "linked-list");
    CHECK(runs[0].events == rb.summary.events);
    CHECK(runs[0].cpus == rb.summary.cpus);
    CHECK(runs[0].modeled_cycles_total == rb.summary.modeled_cycles_total);
    CHECK(runs[1].id == 2);
    CHECK(runs[1].trace == "a");
    CHECK(runs[1].label.empty());
    CHECK(runs[1].allocator == "hybrid");
    CHECK(runs[1].thread_cache_hit_rate == doctest::Approx(ra.summary.thread_cache_hit_rate).epsilon(1e-6));
    CHECK(runs[1].utilization == doctest::Approx(ra.summary.utilization).epsilon(1e-6));
    CHECK(runs[2].id == 3);
    CHECK(runs[2].label == "third");
}

TEST_CASE("run store: a failed store leaves nothing") {
    TempDb t;
    t.generate("g", "default");
    ReplayResult r = edge_result();
    // The second sample repeats the first's event: its insert fails after the run's
    // row and its per-CPU rows went in.
    r.samples[1].event = r.samples[0].event;
    CHECK_THROWS_AS(store(t.db(), "g", ReplaySettings{}, r), traces::TraceError);
    CHECK(traces::test::error_message([&] { store(t.db(), "g", ReplaySettings{}, edge_result()); }) == "no error");
    CHECK(traces::test::error_message([&] { store(t.db(), "nope", ReplaySettings{}, edge_result()); })
              .find("no trace named 'nope'") != std::string::npos);
    // Only the good run is there, with its own rows; the failed one used no id.
    const std::vector<RunInfo> runs = list_runs(t.db());
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].id == 1);
    CHECK(t.count("run_cpus") == 2);
    CHECK(t.count("run_samples") == 2);
}

TEST_CASE("run store: replacing or deleting a trace removes its runs") {
    TempDb t;
    t.generate("kept", "default");
    t.generate("replaced", "default");
    t.generate("deleted", "default");
    const ReplayResult r = edge_result();
    for (const char* trace : {"kept", "replaced", "deleted"}) store(t.db(), trace, ReplaySettings{}, r);
    REQUIRE(list_runs(t.db()).size() == 3);
    t.generate("replaced", "larson", traces::IfExists::Replace);
    t.db().exec("DELETE FROM traces WHERE name = 'deleted'");
    const std::vector<RunInfo> runs = list_runs(t.db());
    REQUIRE(runs.size() == 1);
    CHECK(runs[0].trace == "kept");
    CHECK(t.count("run_cpus") == 2);
    CHECK(t.count("run_samples") == 2);
}

TEST_CASE("run store: a missing run is a clear error") {
    TempDb t;
    const std::string message = traces::test::error_message([&] { load_run(t.db(), 99); });
    CHECK(message == t.db().path() + ": no run 99 (allocsim runs lists them)");
}

TEST_CASE("run store: a stored summary reads back to the same figures") {
    ReplaySummary s;
    // Distinct values everywhere, so a key read into the wrong field shows.
    s.events = 1, s.allocs = 2, s.frees = 3, s.reallocs = 4, s.page_allocs = 5, s.page_frees = 6, s.failed_allocs = 7;
    s.cpus = 8, s.thread_cache_hit_rate = 0.125, s.refills = 9, s.drains = 10, s.remote_frees = 11;
    s.buddy_splits = 12, s.buddy_coalesces = 13, s.lock_acquires = 14, s.lock_contended = 15;
    s.lock_wait_cycles = 16, s.line_wait_cycles = 17, s.modeled_cycles_total = 18, s.work_cycles_total = 19;
    s.modeled_cycles_p50 = 20, s.modeled_cycles_p99 = 21, s.modeled_cycles_max = 22, s.makespan_cycles = 23;
    s.peak_live_bytes = 24, s.peak_footprint_bytes = 25, s.utilization = 0.25, s.internal_fragmentation = 0.375;
    s.external_fragmentation = 0.5, s.invariant_violations = 26, s.region_bytes = 27, s.events_per_second = 28;
    CHECK(summary_json(parse_summary_json(summary_json(s))) == summary_json(s));
    CHECK(summary_json(parse_summary_json("{}")) == summary_json(ReplaySummary{}));
}

TEST_CASE("flat json: keys in order, numbers as written, strings unescaped") {
    const FlatObject o(R"( { "b" : 12, "a":"x\"y\\z\n\u00e9\ud83d\ude00", "c":-0.5e3 ,"d":"" } )");
    REQUIRE(o.entries().size() == 4);
    CHECK(o.entries()[0].key == "b");
    CHECK(o.entries()[0].is_number);
    CHECK(o.entries()[0].number == 12);
    CHECK(o.entries()[1].text == "x\"y\\z\n\xc3\xa9\xf0\x9f\x98\x80");
    CHECK_FALSE(o.entries()[1].is_number);
    CHECK(o.entries()[2].text == "-0.5e3");
    CHECK(o.entries()[2].number == -500);
    CHECK(o.entries()[3].json() == R"("")");
    CHECK(o.find("a") == &o.entries()[1]);
    CHECK(o.find("zz") == nullptr);
    CHECK(o.number_or("c", 1) == -500);
    CHECK(o.number_or("a", 1) == 1);
    CHECK(o.number_or("zz", 2) == 2);
    CHECK(FlatObject("{}").entries().empty());
    const FlatObject settings(settings_to_json(ReplaySettings{}));
    CHECK(settings.entries().size() == setting_keys().size());
    CHECK(settings.entries().front().key == setting_keys().front());
}

TEST_CASE("flat json: anything else is refused with its offset") {
    for (const char* bad : {"", "[]", "{", "{\"a\"}", "{\"a\":}", "{\"a\":true}", "{\"a\":{}}", "{\"a\":01}",
                            "{\"a\":1.}", "{\"a\":1,}", "{\"a\":\"x}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12\"}",
                            "{\"a\":1} x", "{\"a\":\"\\ud83d\"}"}) {
        CAPTURE(bad);
        CHECK_THROWS_AS(FlatObject{bad}, FlatJsonError);
    }
    try {
        FlatObject{"{\"a\":x}"};
    } catch (const FlatJsonError& e) {
        CHECK(std::string(e.what()) == "stored JSON, offset 5: expected a number or a string");
    }
}

TEST_CASE("run store: runs merge from another database whole, once, and all or nothing") {
    TempDb part, main;
    part.generate("g", "default");
    main.generate("g", "default");
    const ReplayResult r = edge_result();
    const std::int64_t first = store(part.db(), "g", ReplaySettings{}, r, "part");
    store(part.db(), "g", ReplaySettings{}, r, "part 2");
    store(main.db(), "g", ReplaySettings{}, r, "main's own");

    const MergeResult merged = merge_runs(main.db(), part.db().path());
    CHECK(merged.added == std::vector<std::int64_t>{2, 3});
    CHECK(merged.already_there == 0);
    const StoredRun source = load_run(part.db(), first), copy = load_run(main.db(), 2);
    CHECK(copy.trace == "g");
    CHECK(copy.label == "part");
    CHECK(copy.started == source.started);
    CHECK(copy.settings_json == source.settings_json);
    CHECK(copy.summary_json == source.summary_json);
    REQUIRE(copy.per_cpu.size() == source.per_cpu.size());
    CHECK(copy.per_cpu[1].ops == source.per_cpu[1].ops);
    CHECK(copy.per_cpu[1].clock == source.per_cpu[1].clock);
    REQUIRE(copy.samples.size() == source.samples.size());
    CHECK(copy.samples[1].live_bytes == source.samples[1].live_bytes);

    // Again: nothing new.
    const MergeResult again = merge_runs(main.db(), part.db().path());
    CHECK(again.added.empty());
    CHECK(again.already_there == 2);
    CHECK(main.count("runs") == 3);

    // A run of a trace the target lacks stops the merge before anything is stored.
    part.generate("h", "default");
    store(part.db(), "h", ReplaySettings{}, r);
    store(part.db(), "g", ReplaySettings{}, r, "after h");
    CHECK_THROWS_WITH_AS(merge_runs(main.db(), part.db().path()), doctest::Contains("trace 'h'"), traces::TraceError);
    CHECK(main.count("runs") == 3);
    CHECK(main.count("run_samples") == 3 * 2);
    CHECK_THROWS_WITH_AS(merge_runs(main.db(), "/nonexistent/x.db"), doctest::Contains("no such database"),
                         traces::TraceError);
}
