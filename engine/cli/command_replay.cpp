// allocsim replay --trace NAME: the trace through the real core on modeled CPUs,
// priced by the cost model, summarized (engine/replay/replayer.h).
#include <fmt/format.h>

#include <chrono>

#include "engine/cli/commands.h"
#include "engine/cli/progress.h"
#include "engine/replay/replayer.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "engine/replay/trajectory_fingerprint.h"
#include "traces/import_error.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim replay --trace NAME [--cpus N] [--map LIST] [--allocator hybrid|linked-list]\n"
    "                       [--model FILE] [--set KEY=VALUE ...] [--loop auto|open|closed]\n"
    "                       [--check-every N] [--label TEXT] [--db FILE] [--json]\n\n"
    "Replays a stored trace through the allocator core, one ThreadCache per modeled CPU,\n"
    "and prices every operation with the cycle cost model in simulated time. The run is\n"
    "stored in the database (allocsim runs lists them, show and diff read them).\n"
    "  --trace NAME      the trace (allocsim traces lists them)\n"
    "  --cpus N          fold the trace's CPUs or threads onto N modeled CPUs (c -> c mod N)\n"
    "  --map LIST        trace CPU c runs on LIST[c mod len], e.g. 0,0,1,1\n"
    "  --allocator A     hybrid (the three-level core, default) or linked-list (the seed's baseline)\n"
    "  --model FILE      cost model and core parameters (docs/ENGINE.md); --set applies after it\n"
    "  --set KEY=VALUE   one parameter, e.g. cache.capacity=128, buddy.max_order=10,\n"
    "                    buddy.lock=per-order, refill.batch=16, model.lock_handoff=120, region=1GiB\n"
    "  --loop MODE       open (start at the trace's times), closed (back to back, keeping\n"
    "                    think times), auto (open when the trace has times; the default)\n"
    "  --check-every N   check the core's invariants every N events (stops at the first violation)\n"
    "  --label TEXT      a note stored with the run, shown by allocsim runs\n"
    "  --db FILE         the database (default allocsim.db)\n"
    "  --json            print the run number and the summary as one JSON object\n"
    "\n"
    "The summary's footprint line says where the peak footprint's bytes are, by cause\n"
    "(docs/ENGINE.md, \"The footprint by cause\"); the causes add up to the footprint.\n";

}  // namespace

std::string percent(double x) { return fmt::format("{:.2f}%", 100 * x); }

std::optional<std::string> required_option(const Arguments& args, const char* help, const char* key, const char* missing) {
    if (args.flag("help")) {
        fmt::print("{}", help);
        return std::nullopt;
    }
    if (!args.positionals().empty()) throw UsageError("unexpected argument '" + args.positionals()[0] + "'");
    auto value = args.value(key);
    if (!value) throw UsageError(missing);
    return value;
}

traces::TraceInfo require_trace(traces::Database& db, const std::string& name) {
    auto info = db.find_trace(name);
    if (!info) throw traces::TraceError(fmt::format("{}: no trace named '{}'", db.path(), name));
    return *info;
}

// The peak footprint by cause, one line, the causes that hold nothing left out.
void print_footprint_breakdown(const engine::ReplaySummary& s) {
    const engine::FootprintBreakdown& f = s.footprint;
    const std::pair<const char*, std::uint64_t> parts[] = {
        {"live", f.live_bytes},
        {"class rounding", f.class_rounding_bytes},
        {"run tails", f.run_tail_bytes},
        {"in bins", f.cached_bytes},
        {"free in partial runs", f.partial_free_bytes},
        {"empty runs", f.empty_run_bytes},
        {"remote pending", f.remote_pending_bytes},
        {"page rounding", f.page_rounding_bytes},
        {"metadata", f.metadata_bytes},
        {"heap holes", f.heap_free_bytes},
    };
    std::string line;
    for (const auto& [name, bytes] : parts) {
        if (bytes == 0) continue;
        line += fmt::format("{}{} {} B ({:.1f}%)", line.empty() ? "" : ", ", name, bytes,
                            s.peak_footprint_bytes == 0 ? 0.0 : 100.0 * static_cast<double>(bytes) / static_cast<double>(s.peak_footprint_bytes));
    }
    if (line.empty() && s.peak_footprint_bytes > 0)
        fmt::print("  footprint       not broken down: the run was stored before replays recorded it\n");
    else
        fmt::print("  footprint       at event {}: {}\n", f.event, line.empty() ? "nothing" : line);
}

void print_replay_report(const engine::ReplaySummary& s, const std::vector<engine::CpuFigures>& per_cpu) {
    fmt::print("  operations      {} allocs, {} frees, {} reallocs, {} page allocs, {} page frees, {} failed\n", s.allocs,
               s.frees, s.reallocs, s.page_allocs, s.page_frees, s.failed_allocs);
    fmt::print("  thread cache    hit rate {}, {} refills, {} drains, {} remote frees\n",
               percent(s.thread_cache_hit_rate), s.refills, s.drains, s.remote_frees);
    fmt::print("  buddy           {} splits, {} coalesces; {} lock acquires, {} contended\n", s.buddy_splits,
               s.buddy_coalesces, s.lock_acquires, s.lock_contended);
    fmt::print("  modeled cycles  {} in all ({} work, {} lock wait, {} line wait{}); per op p50 {}, p99 {}, max {}\n",
               s.modeled_cycles_total, s.work_cycles_total, s.lock_wait_cycles, s.line_wait_cycles,
               s.dependency_wait_cycles == 0 ? std::string() : fmt::format(", {} dependency wait", s.dependency_wait_cycles),
               s.modeled_cycles_p50, s.modeled_cycles_p99, s.modeled_cycles_max);
    fmt::print("  memory          peak live {} B, peak footprint {} B, utilization {}; fragmentation internal {}, "
               "external {} (region {} MiB)\n",
               s.peak_live_bytes, s.peak_footprint_bytes, percent(s.utilization), percent(s.internal_fragmentation),
               percent(s.external_fragmentation), s.region_bytes >> 20);
    print_footprint_breakdown(s);
    if (s.fingerprint != 0) fmt::print("  trajectory      fingerprint {}\n", engine::fingerprint_text(s.fingerprint));
    fmt::print("\n  {:>4} {:>10} {:>14} {:>12} {:>9} {:>8} {:>14}\n", "cpu", "ops", "work cycles", "wait cycles",
               "hit rate", "remote", "clock");
    for (std::size_t c = 0; c < per_cpu.size(); ++c) {
        const engine::CpuFigures& f = per_cpu[c];
        const std::uint64_t lookups = f.cache_hits + f.cache_misses;
        fmt::print("  {:>4} {:>10} {:>14} {:>12} {:>9} {:>8} {:>14}\n", c, f.ops, f.work_cycles, f.wait_cycles,
                   lookups == 0 ? "-" : percent(static_cast<double>(f.cache_hits) / static_cast<double>(lookups)),
                   f.remote_frees, f.clock);
    }
}

void apply_replay_options(engine::ReplaySettings& settings, const Arguments& args) {
    try {
        if (const auto model = args.value("model")) engine::load_settings_file(settings, *model);
        if (const auto v = args.value("cpus")) engine::apply_setting(settings, "cpus", *v);
        if (const auto v = args.value("map")) engine::apply_setting(settings, "map", *v);
        if (const auto v = args.value("allocator")) engine::apply_setting(settings, "allocator", *v);
        if (const auto v = args.value("loop")) engine::apply_setting(settings, "loop", *v);
        if (const auto v = args.value("check-every")) engine::apply_setting(settings, "check_every", *v);
    } catch (const engine::SettingError& e) {
        throw UsageError(e.what());
    }
}

engine::ReplaySettings replay_settings(const Arguments& args) {
    engine::ReplaySettings settings;
    apply_replay_options(settings, args);
    try {
        for (const std::string& kv : args.values("set")) engine::apply_setting_arg(settings, kv);
        engine::validate(settings);
    } catch (const engine::SettingError& e) {
        throw UsageError(e.what());
    }
    return settings;
}

std::int64_t replay_and_store(traces::Database& db, const std::string& trace, const engine::ReplaySettings& settings,
                              const std::string& label, engine::ReplayResult& result,
                              const engine::ReplayProgress& progress) {
    const auto started = std::chrono::system_clock::now();
    const auto wall_start = std::chrono::steady_clock::now();
    try {
        result = engine::replay(db, trace, settings, progress);
    } catch (const engine::ReplayError& e) {
        throw traces::TraceError(fmt::format("trace '{}': {}", trace, e.what()));
    }
    const std::chrono::duration<double> wall = std::chrono::steady_clock::now() - wall_start;
    return engine::store_run(db, engine::RunToStore{.trace = trace,
                                                    .label = label,
                                                    .settings = settings,
                                                    .result = result,
                                                    .started = started,
                                                    .wall_seconds = wall.count()});
}

int command_replay(int argc, char** argv) {
    const Arguments args(argc, argv,
                         {"db", "trace", "cpus", "map", "allocator", "model", "set", "loop", "check-every", "label"},
                         {"json", "help"});
    const auto trace = trace_option(args, kHelp);
    if (!trace) return 0;

    const engine::ReplaySettings settings = replay_settings(args);
    traces::Database db(args.value_or("db", kDefaultDb), traces::Database::Mode::Existing);
    Progress progress("replaying " + *trace, require_trace(db, *trace).events, "ev");
    engine::ReplayResult result;
    const std::int64_t run = replay_and_store(db, *trace, settings, args.value_or("label", ""), result,
                                              [&](std::uint64_t done) { progress.update(done); });
    progress.finish();
    const engine::ReplaySummary& s = result.summary;
    if (args.flag("json")) {
        fmt::print("{{\"run\":{},\"trace\":{},\"allocator\":\"{}\",{}\n", run, json_string(*trace),
                   settings.allocator == engine::AllocatorKind::Hybrid ? "hybrid" : "linked-list",
                   engine::summary_json(s).substr(1));
        return 0;
    }
    fmt::print("replayed '{}' ({} events) on {} CPU(s) with the {} allocator, {:.1f} M events/s\n", *trace, s.events,
               s.cpus, settings.allocator == engine::AllocatorKind::Hybrid ? "hybrid" : "linked-list",
               s.events_per_second / 1e6);
    print_replay_report(s, result.per_cpu);
    fmt::print("\nstored as run {} (allocsim show {})\n", run, run);
    return 0;
}

}  // namespace allocsim::cli
