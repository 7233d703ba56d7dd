// Measured runs: the measure plan, the stored records, the host's measured replay,
// the cost features that calibrate fits, compare and calibrate themselves, and
// (where the kernel is built) captures in the kernel under QEMU.
#include <doctest/doctest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "tests/engine/generated_db.h"

#include "alloc/measure/op_profile.h"
#include "engine/measure/calibration.h"
#include "engine/measure/clock_check.h"
#include "engine/measure/comparison.h"
#include "engine/measure/cost_features.h"
#include "engine/measure/host_measure.h"
#include "engine/measure/kernel_capture.h"
#include "engine/measure/kvm_probe.h"
#include "engine/measure/measure_plan_builder.h"
#include "engine/measure/measured_run.h"
#include "engine/measure/modeled_ops.h"
#include "engine/replay/replayer.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/import_error.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using namespace allocsim::engine;

namespace {

using MeasureDb = test::GeneratedDb;

std::uint64_t events_of(traces::Database& db, const std::string& trace) { return db.find_trace(trace)->events; }

}  // namespace

TEST_CASE("measure plan: the engine's CPU layout, each op's step on its object, the core's configuration") {
    MeasureDb t;
    t.generate("lar", "larson", 4, 3000);
    ReplaySettings s;
    s.cpus = 2;  // fold 4 trace CPUs onto 2
    s.core.cache_capacity = 32;
    s.core.refill_batch = 8;
    const MeasurePlan plan = build_measure_plan(t.db(), "lar", s);
    CHECK(plan.header.ops == events_of(t.db(), "lar"));
    CHECK(plan.ops.size() == plan.header.ops);
    CHECK(plan.header.cpus == 2);
    CHECK(plan.header.cache_capacity == 32);
    CHECK(plan.header.refill_batch == 8);
    CHECK(std::memcmp(plan.header.magic, measure::kPlanMagic, 8) == 0);
    std::vector<std::uint32_t> seen(plan.header.objects, 0);
    for (const measure::PlanOp& op : plan.ops) {
        CHECK(op.cpu < 2);
        REQUIRE(op.object < plan.header.objects);
        CHECK(op.step == seen[op.object]++);  // ranks 0, 1, ... on each object
        if (op.step == 0) CHECK((op.kind == measure::PlanOpKind::Alloc || op.kind == measure::PlanOpKind::PageAlloc));
    }
    s.allocator = AllocatorKind::LinkedList;
    CHECK_THROWS_AS(build_measure_plan(t.db(), "lar", s), ReplayError);
}

TEST_CASE("cost features: the model's price of an operation's features is its modeled work") {
    MeasureDb t;
    t.generate("one", "larson", 1, 4000);  // one CPU: no waiting, no line transfers
    t.generate("two", "producer-consumer", 2, 4000);
    ReplaySettings s;
    s.model.cache_hit = 7;
    s.model.node_touch = 3;
    for (const char* trace : {"one", "two"}) {
        const ModeledOps m = model_ops(t.db(), trace, s);
        REQUIRE(m.ops.size() == events_of(t.db(), trace));
        std::uint64_t waited = 0;
        for (const ModeledOp& op : m.ops) {
            const std::uint64_t priced = price(s.model, m.signatures[op.signature]);
            // Every cycle is priced by the features, except what was spent waiting.
            CHECK(op.cycles == priced + op.unpriced);
            if (!op.waited) CHECK(op.unpriced == 0);
            waited += op.waited;
        }
        if (std::string(trace) == "one") CHECK(waited == 0);
    }
}

TEST_CASE("measured runs: stored and read back exactly, a wrong record count stores nothing") {
    MeasureDb t;
    t.generate("lar", "larson", 2, 2000);
    MeasuredRun run;
    run.trace = "lar";
    run.source = "host";
    run.clock = "host-tsc";
    run.runners = 2;
    run.timer_overhead = 49;
    run.timer_overhead_mean = 54.25;
    run.actions[0] = 123;
    run.actions[kActionKindCount - 1] = 7;
    for (std::uint64_t i = 0; i < events_of(t.db(), "lar"); ++i)
        run.ops.push_back(measure::MeasuredOp{static_cast<std::uint32_t>(i + 1), static_cast<std::uint16_t>(i % 2),
                                              static_cast<std::uint8_t>(i % 3), 0, static_cast<std::uint32_t>(i * 7)});
    const std::int64_t id = store_measured_run(t.db(), run);
    const MeasuredRun back = load_measured_run(t.db(), id);
    CHECK(back.trace == "lar");
    CHECK(back.clock == "host-tsc");
    CHECK(back.runners == 2);
    CHECK(back.timer_overhead == 49);
    CHECK(back.timer_overhead_mean == 54.25);
    CHECK(back.actions == run.actions);
    REQUIRE(back.ops.size() == run.ops.size());
    CHECK(std::memcmp(back.ops.data(), run.ops.data(), run.ops.size() * sizeof(measure::MeasuredOp)) == 0);
    CHECK(list_measured_runs(t.db()).size() == 1);

    run.ops.pop_back();
    CHECK_THROWS_AS(store_measured_run(t.db(), run), traces::TraceError);
    CHECK(list_measured_runs(t.db()).size() == 1);
    CHECK_THROWS_WITH_AS(load_measured_run(t.db(), 99), doctest::Contains("no measured run 99"), traces::TraceError);
}

TEST_CASE("repeats: each event keeps its median over the replays that did what the first did") {
    auto run_of = [](std::vector<std::uint32_t> cycles, std::uint32_t odd_kinds, std::uint64_t least, double mean) {
        MeasuredRun r;
        r.timer_overhead = least;
        r.timer_overhead_mean = mean;
        r.wall_seconds = 1;
        for (std::size_t i = 0; i < cycles.size(); ++i)
            r.ops.push_back(measure::MeasuredOp{cycles[i], 0, 0, 0, i == 1 ? odd_kinds : 1u});
        return r;
    };
    std::vector<MeasuredRun> runs;
    runs.push_back(run_of({10, 100, 7}, 2, 49, 54));
    runs.push_back(run_of({30, 900, 9}, 4, 49, 52));  // event 1 took another path here
    runs.push_back(run_of({20, 300, 1}, 2, 48, 60));
    const MeasuredRun c = combine_repeats(std::move(runs));
    CHECK(c.repeats == 3);
    REQUIRE(c.ops.size() == 3);
    CHECK(c.ops[0].cycles == 20);   // median of 10, 30, 20
    CHECK(c.ops[1].cycles == 300);  // median of 100 and 300 (the 900 did something else): the upper of two
    CHECK(c.ops[2].cycles == 7);    // median of 7, 9, 1
    CHECK(c.wall_seconds == 3);
    CHECK(c.timer_overhead_mean == doctest::Approx(49 + (5.0 + 3.0 + 12.0) / 3));  // the replays' mean bias
}

TEST_CASE("host measure: one record per event with cycles, and on one thread the model's exact path") {
    MeasureDb t;
    t.generate("lar", "larson", 2, 6000);
    const ReplaySettings s;
    const MeasuredRun run = measure_on_host(t.db(), "lar", s, 1);
    REQUIRE(run.ops.size() == events_of(t.db(), "lar"));
    for (const measure::MeasuredOp& m : run.ops) CHECK(m.cycles > 0);
    CHECK(run.runners == 1);
    const ModeledOps model = model_ops(t.db(), "lar", s);
    // One thread plays both CPUs in trace order: the core takes the model's path.
    CHECK(run.actions == model.actions);
    const Comparison c = compare_runs(model, run);
    CHECK(c.actions_agree);
    CHECK(c.same_path == c.events);
    CHECK(c.events == run.ops.size());
    CHECK_FALSE(c.classes.empty());
    store_measured_run(t.db(), const_cast<MeasuredRun&>(run));
}

TEST_CASE("host measure: two pinned threads when the machine has two cores") {
    if (usable_cores() < 2) return;  // nothing to pin to
    MeasureDb t;
    t.generate("pc", "producer-consumer", 2, 6000);
    const MeasuredRun run = measure_on_host(t.db(), "pc", ReplaySettings{}, 2);
    REQUIRE(run.ops.size() == events_of(t.db(), "pc"));
    std::set<std::uint16_t> cpus;
    for (const measure::MeasuredOp& m : run.ops) {
        CHECK(m.cycles > 0);
        cpus.insert(m.cpu);
    }
    CHECK(cpus.size() == 2);
    CHECK(run.actions[static_cast<std::size_t>(ActionKind::RemoteFree)] > 0);
    CHECK_THROWS_AS(measure_on_host(t.db(), "pc", ReplaySettings{}, usable_cores() + 1), ReplayError);
}

TEST_CASE("calibrate: the fitted model's error on a held-out measured run is lower than the default model's") {
    MeasureDb t;
    t.generate("lar", "larson", 2, 20000);
    const ReplaySettings prior;
    const ModeledOps before = model_ops(t.db(), "lar", prior);
    // Host timings under ctest -j2 on a 2-core machine: a neighbour test's load can
    // land on the fitted run and not on the held-out one (seen once: 36% -> 56%). So
    // up to three independent pairs of runs, each op's median over 3 replays; the
    // fit must beat the default on the held-out run of one of them, and its own
    // R-squared must improve on every one.
    bool improved = false;
    for (int attempt = 0; attempt < 3 && !improved; ++attempt) {
        const MeasuredRun fit_run = measure_on_host(t.db(), "lar", prior, 1, 3);
        const MeasuredRun holdout = measure_on_host(t.db(), "lar", prior, 1, 3);
        const CalibrationFit fit = fit_cost_model(before, fit_run, prior.model);
        CHECK(fit.groups > 5);
        CHECK(fit.r_squared_after > fit.r_squared_before);
        ReplaySettings fitted = prior;
        fitted.model = fit.model;
        const ModeledOps after = model_ops(t.db(), "lar", fitted);
        const Comparison held_before = compare_runs(before, holdout);
        const Comparison held_after = compare_runs(after, holdout);
        MESSAGE("attempt " << attempt + 1 << ": held-out mean |error| of the class means: "
                           << held_before.mean_abs_mean_error_percent << "% -> " << held_after.mean_abs_mean_error_percent
                           << "%");
        improved = held_after.mean_abs_mean_error_percent < held_before.mean_abs_mean_error_percent;
    }
    CHECK(improved);
}

#ifdef ALLOCSIM_KERNEL_IMAGE
TEST_CASE("kernel capture: a 2-CPU trace of 12k operations on two emulated CPUs") {
    MeasureDb t;
    t.generate("lar", "larson", 2, 12000);
    CaptureOptions o;
    o.kernel = ALLOCSIM_KERNEL_IMAGE;
    o.accel = Accel::Tcg;
    o.cpus = 2;
    o.timeout_seconds = 120;
    const ReplaySettings s;
    const MeasuredRun run = capture_in_kernel(t.db(), "lar", s, o);
    REQUIRE(run.ops.size() == events_of(t.db(), "lar"));
    REQUIRE(run.ops.size() >= 10000);
    std::set<std::uint16_t> cpus;
    for (const measure::MeasuredOp& m : run.ops) {
        CHECK(m.cycles > 0);
        cpus.insert(m.cpu);
    }
    CHECK(cpus == std::set<std::uint16_t>{0, 1});  // both CPUs ran their share
    CHECK(run.runners == 2);
    CHECK(run.clock == "tcg");
    const std::int64_t id = store_measured_run(t.db(), const_cast<MeasuredRun&>(run));
    // compare on the capture: most operations took the model's path (the CPUs ran at
    // once, so a few may not), and every class has figures on both sides.
    const Comparison c = compare_runs(model_ops(t.db(), "lar", s), load_measured_run(t.db(), id));
    CHECK(c.events == run.ops.size());
    CHECK(c.same_path * 10 > c.events * 9);
    for (const ClassComparison& k : c.classes)
        if (k.modeled_events == k.measured_events) CHECK((k.modeled_p50 > 0 && k.measured_p50 > 0));
}

TEST_CASE("kernel capture: under icount, one CPU gives the model's exact path and the same records twice") {
    MeasureDb t;
    t.generate("pc", "producer-consumer", 2, 3000);
    CaptureOptions o;
    o.kernel = ALLOCSIM_KERNEL_IMAGE;
    o.accel = Accel::Tcg;
    o.icount = true;
    o.cpus = 1;
    o.timeout_seconds = 120;
    const ReplaySettings s;
    const MeasuredRun a = capture_in_kernel(t.db(), "pc", s, o);
    const MeasuredRun b = capture_in_kernel(t.db(), "pc", s, o);
    CHECK(a.clock == "tcg-icount");
    REQUIRE(a.ops.size() == b.ops.size());
    CHECK(std::memcmp(a.ops.data(), b.ops.data(), a.ops.size() * sizeof(measure::MeasuredOp)) == 0);
    const ModeledOps model = model_ops(t.db(), "pc", s);
    CHECK(a.actions == model.actions);
    CHECK(compare_runs(model, a).same_path == a.ops.size());
}

TEST_CASE("kernel capture: a missing image or QEMU is a clear error") {
    MeasureDb t;
    t.generate("lar", "larson", 1, 500);
    CaptureOptions o;
    o.accel = Accel::Tcg;
    o.kernel = "/nonexistent/allocsim-kernel";
    CHECK_THROWS_WITH_AS(capture_in_kernel(t.db(), "lar", ReplaySettings{}, o), doctest::Contains("no kernel image"), ReplayError);
    o.kernel = ALLOCSIM_KERNEL_IMAGE;
    o.qemu = "/nonexistent/qemu";
    CHECK_THROWS_WITH_AS(capture_in_kernel(t.db(), "lar", ReplaySettings{}, o), doctest::Contains("cannot run"), ReplayError);
    CHECK_THROWS_WITH_AS(probe_kvm("/nonexistent/qemu", ALLOCSIM_KERNEL_IMAGE), doctest::Contains("cannot run"), ReplayError);
}

namespace {
// An executable script in a temporary folder, removed with it.
class StandInQemu {
public:
    StandInQemu(const char* name, const std::string& body) {
        std::string pattern = (std::filesystem::temp_directory_path() / "allocsim-qemu-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        dir_ = pattern;
        path_ = (dir_ / name).string();
        std::ofstream(path_) << "#!/bin/bash\n" << body;
        std::filesystem::permissions(path_, std::filesystem::perms::owner_all);
    }
    ~StandInQemu() { std::filesystem::remove_all(dir_); }
    const std::string& path() const { return path_; }

private:
    std::filesystem::path dir_;
    std::string path_;
};
}  // namespace

TEST_CASE("kvm probe: the first CPU model that boots the kernel, after the ones that do not") {
    // A stand-in for QEMU on a nested host: `-cpu host` aborts on an MSR, as QEMU
    // does there; any other model boots, under TCG (so the test runs anywhere).
    const StandInQemu nested("qemu-nested", R"sh(
args=()
while [ $# -gt 0 ]; do
  case $1 in
    -cpu) if [ "$2" = host ]; then echo "qemu-system-x86_64: error: failed to set MSR 0x10a to 0x69" >&2; exit 134; fi; shift ;;
    kvm) args+=(tcg) ;;
    *) args+=("$1") ;;
  esac
  shift
done
exec qemu-system-x86_64 "${args[@]}"
)sh");
    const KvmProbe probe = probe_kvm(nested.path(), ALLOCSIM_KERNEL_IMAGE);
    REQUIRE(probe.ok);
    CHECK(probe.cpu == "host,-arch-capabilities");
    REQUIRE(probe.failed.size() == 1);
    CHECK(probe.failed[0] == "-cpu host: failed to set MSR 0x10a to 0x69");
    CHECK(probe.timer_overhead > 0);
    // Where nothing boots: every model, and why, on one line.
    const StandInQemu broken("qemu-broken", "echo \"qemu-system-x86_64: error: kvm: no such device\" >&2; exit 1\n");
    const KvmProbe none = probe_kvm(broken.path(), ALLOCSIM_KERNEL_IMAGE);
    CHECK_FALSE(none.ok);
    REQUIRE(none.failed.size() == kvm_cpu_models().size());
    CHECK(kvm_failure_line(none) ==
          "KVM does not boot the kernel with any CPU model: -cpu host: kvm: no such device; "
          "-cpu host,-arch-capabilities: kvm: no such device; QEMU's default CPU model: kvm: no such device");
}
#endif

TEST_CASE("measured runs: a table from before `repeats` reads (as one replay each) and gains the column on the next store") {
    MeasureDb t;
    t.generate("lar", "larson", 1, 300);
    t.db().exec(R"sql(
CREATE TABLE measured_runs(id INTEGER PRIMARY KEY, trace_id INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  label TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, clock TEXT NOT NULL, started TEXT, version TEXT, settings TEXT,
  runners INTEGER NOT NULL, timer_overhead INTEGER NOT NULL, timer_overhead_mean REAL NOT NULL, wall_seconds REAL,
  actions TEXT, events INTEGER NOT NULL, median_cycles INTEGER NOT NULL);
CREATE TABLE measured_chunks(run_id INTEGER NOT NULL REFERENCES measured_runs(id) ON DELETE CASCADE, chunk INTEGER NOT NULL,
  records BLOB NOT NULL, PRIMARY KEY(run_id, chunk));
INSERT INTO measured_runs(trace_id, source, clock, runners, timer_overhead, timer_overhead_mean, actions, events, median_cycles)
  SELECT id, 'host', 'host-tsc', 1, 40, 41.5, '{}', 0, 0 FROM traces;
)sql");
    t.db().exec("INSERT INTO measured_runs(trace_id, source, clock, runners, timer_overhead, timer_overhead_mean, actions, "
                "events, median_cycles) SELECT id, 'kernel', 'kvm', 1, 40, 41.5, '{}', 0, 0 FROM traces");
    const MeasuredRun old = load_measured_run(t.db(), 1);
    CHECK(old.repeats == 1);
    CHECK(old.timer_overhead_mean == 41.5);
    // Stored before runs were judged: a host run is trusted, a KVM run of then is not.
    CHECK(old.cycle_accurate);
    CHECK_FALSE(load_measured_run(t.db(), 2).cycle_accurate);
    CHECK(load_measured_run(t.db(), 2).clock_note.find("capture it again") != std::string::npos);
    CHECK_FALSE(list_measured_runs(t.db()).at(1).cycle_accurate);
    MeasuredRun run = measure_on_host(t.db(), "lar", ReplaySettings{}, 1, 2);
    const std::int64_t id = store_measured_run(t.db(), run);  // adds the columns
    const MeasuredRun back = load_measured_run(t.db(), id);
    CHECK(back.repeats == 2);
    CHECK(back.cycle_accurate == run.cycle_accurate);
    CHECK(back.clock_note == run.clock_note);
    CHECK_FALSE(load_measured_run(t.db(), 2).cycle_accurate);  // the old rows keep reading as before
}

namespace {
// A measured run of `clock` whose timer overhead is `timer`, with `hits` alloc hits of
// `hit` ticks and as many free hits of 3 * `hit`.
MeasuredRun fake_run(const char* clock, std::uint64_t timer, std::uint32_t hit, int hits = 101) {
    MeasuredRun r;
    r.clock = clock;
    r.timer_overhead = timer;
    for (int i = 0; i < hits; ++i) {
        r.ops.push_back(measure::MeasuredOp{hit + static_cast<std::uint32_t>(i % 3), 0, 0, 0, measure::kind_bit(ActionKind::CacheHit)});
        r.ops.push_back(measure::MeasuredOp{3 * hit, 0, 0, 0, measure::kind_bit(ActionKind::CacheFree)});
    }
    return r;
}
}  // namespace

TEST_CASE("clock check: which runs' ticks are cycles") {
    const MeasuredRun host = fake_run("host-tsc", 49, 20);
    CHECK(alloc_hit_median(host) == 21);
    CHECK(alloc_hit_median(MeasuredRun{}) == 0);
    // Emulated ticks are never cycles, whatever they read.
    ClockVerdict v = judge_clock(fake_run("tcg", 30, 20), &host);
    CHECK_FALSE(v.cycle_accurate);
    CHECK(v.note.find("TCG") != std::string::npos);
    CHECK_FALSE(judge_clock(fake_run("tcg-icount", 1, 5), nullptr).cycle_accurate);
    CHECK_FALSE(judge_clock(fake_run("sundial", 1, 5), nullptr).cycle_accurate);
    // KVM on bare metal reads what the host reads.
    v = judge_clock(fake_run("kvm", 52, 24), &host);
    CHECK(v.cycle_accurate);
    CHECK(v.note.find("timer overhead 52 ticks (host 49)") != std::string::npos);
    // Nested: the timer traps (as measured here: 6578 against 26), or the hits read thousands.
    v = judge_clock(fake_run("kvm", 6578, 24), &host);
    CHECK_FALSE(v.cycle_accurate);
    CHECK(v.note.find("the timer's overhead reads 6578 ticks against the host's 49") != std::string::npos);
    v = judge_clock(fake_run("kvm", 60, 55926), &host);
    CHECK_FALSE(v.cycle_accurate);
    CHECK(v.note.find("an alloc hit's median reads 55927 ticks against the host's 21") != std::string::npos);
    // The bounds: ten times the host's, and kTrappedTimerTicks at least.
    CHECK(judge_clock(fake_run("kvm", 490, 24), &host).cycle_accurate);
    CHECK_FALSE(judge_clock(fake_run("kvm", 501, 24), &host).cycle_accurate);
    CHECK(judge_clock(fake_run("kvm", 60, 500), &host).cycle_accurate);   // 24x the host, but within 500 ticks of it
    CHECK_FALSE(judge_clock(fake_run("kvm", 60, 600), &host).cycle_accurate);
    // A host whose own RDTSC traps.
    CHECK(judge_clock(host, nullptr).cycle_accurate);
    v = judge_clock(fake_run("host-tsc", 7000, 20), nullptr);
    CHECK_FALSE(v.cycle_accurate);
    CHECK(v.note.find("RDTSC traps on this host") != std::string::npos);
}

TEST_CASE("compare: a class below the timer's resolution is flagged, contention per 1000 operations on both sides, "
          "the reference class read raw") {
    // 1000 operations: 600 alloc hits (5 ticks each), 400 miss+refills (1000 ticks,
    // 10 of them contended at 1500, so 500 above their class's mean); the timer's
    // least reading is 26 and its mean 26 (no correction).
    const std::uint32_t hit = measure::kind_bit(ActionKind::CacheHit);
    const std::uint32_t refill = measure::kind_bit(ActionKind::CacheMiss) | measure::kind_bit(ActionKind::Refill) |
                                 measure::kind_bit(ActionKind::LockAcquire);
    ModeledOps model;
    MeasuredRun run;
    run.timer_overhead = 26;
    run.timer_overhead_mean = 26;
    for (int i = 0; i < 1000; ++i) {
        const bool is_hit = i < 600;
        const bool contended = !is_hit && i % 40 == 0;
        ModeledOp m;
        m.kinds = is_hit ? hit : refill;
        m.cycles = is_hit ? 6 : 900;
        m.transfers = i % 100 == 0 ? 1 : 0;
        m.lock_wait = i % 200 == 1 ? 300 : 0;
        model.ops.push_back(m);
        run.ops.push_back(measure::MeasuredOp{is_hit ? 5u : contended ? 1500u : 1000u, 0, 0,
                                               static_cast<std::uint8_t>(contended ? measure::kFlagContended : 0),
                                               is_hit ? hit : refill});
    }
    model.actions[static_cast<std::size_t>(ActionKind::LockAcquire)] = 400;
    run.actions[static_cast<std::size_t>(ActionKind::LockAcquire)] = 400;
    model.actions[static_cast<std::size_t>(ActionKind::RemoteFree)] = 3;
    run.actions[static_cast<std::size_t>(ActionKind::RemoteFree)] = 2;
    const Comparison c = compare_runs(model, run);
    REQUIRE(c.classes.size() >= 2);
    const auto cls = [&](const char* name) {
        for (const ClassComparison& k : c.classes)
            if (k.name == name) return k;
        FAIL("no class " << name);
        return ClassComparison{};
    };
    CHECK(cls("alloc hit").below_resolution);
    CHECK_FALSE(cls("miss+refill").below_resolution);
    CHECK(c.resolution == 26);
    CHECK(c.reference_class == "alloc hit");
    CHECK(c.reference_raw_mean == doctest::Approx(5));
    const ContentionComparison& k = c.contention;
    CHECK(k.ops == 1000);
    CHECK(k.lock_acquires_modeled == doctest::Approx(400));
    CHECK(k.lock_acquires_measured == doctest::Approx(400));
    CHECK(k.contended_modeled == doctest::Approx(5));   // i % 200 == 1: 5 operations waited
    CHECK(k.contended_measured == doctest::Approx(10)); // i % 40 == 0 among the 400: 10 found it held
    CHECK(k.lock_wait_modeled == doctest::Approx(1500));
    CHECK(k.lock_wait_measured == doctest::Approx(10 * 500));
    CHECK(k.remote_frees_modeled == doctest::Approx(3));
    CHECK(k.remote_frees_measured == doctest::Approx(2));
    CHECK(k.line_transfers_modeled == doctest::Approx(10));
    const std::string json = comparison_json(c);
    CHECK(json.find(R"("below_resolution":true)") != std::string::npos);
    CHECK(json.find(R"("line_transfers":{"modeled":10.000,"measured":null})") != std::string::npos);
    CHECK(json.find(R"("reference_class":"alloc hit")") != std::string::npos);
}
