// allocsim runs: the stored runs (every replay stores one), as a table or as JSON.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>

#include "engine/cli/commands.h"
#include "engine/measure/measured_run.h"
#include "engine/replay/run_store.h"
#include "traces/import_error.h"
#include "traces/whole_number.h"

namespace allocsim::cli {

namespace {

std::string run_info_json(const engine::RunInfo& r) {
    return fmt::format(R"({{"run":{},"trace":{},"label":{},"allocator":{},"started":{},"events":{},"cpus":{},)"
                       R"("modeled_cycles_total":{},"thread_cache_hit_rate":{:.6f},"utilization":{:.6f}}})",
                       r.id, json_string(r.trace), json_string(r.label), json_string(r.allocator),
                       json_string(r.started), r.events, r.cpus, r.modeled_cycles_total, r.thread_cache_hit_rate,
                       r.utilization);
}

}  // namespace

std::int64_t parse_run_id(const std::string& text) {
    constexpr traces::WholeNumber kRunId = traces::whole_number_of<std::int64_t>(1);
    const std::optional<std::uint64_t> id = kRunId.parse(text);
    if (!id) throw UsageError(kRunId.refusal("run", text) + " (allocsim runs lists the runs)");
    return static_cast<std::int64_t>(*id);
}

int command_runs(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "merge"}, {"measured", "json", "help"});
    if (args.flag("help")) {
        fmt::print("usage: allocsim runs [--trace NAME] [--measured] [--db FILE] [--json]\n"
                   "       allocsim runs --merge FROM.db [--merge FROM.db ...] [--db FILE] [--json]\n\n"
                   "Lists the stored runs, oldest first: every allocsim replay stores one.\n"
                   "  --trace NAME     only the runs of this trace\n"
                   "  --measured       the measured runs instead (allocsim capture and measure store them)\n"
                   "  --merge FROM.db  copy FROM's runs into the database instead, as runs of the traces\n"
                   "                   of the same names (which it must hold); runs it holds already are\n"
                   "                   skipped. For sweep parts run with separate databases.\n"
                   "  --db FILE        the database (default {})\n"
                   "  --json           one JSON array, one object per run (with --merge: what was merged)\n",
                   kDefaultDb);
        return 0;
    }
    if (!args.positionals().empty()) throw UsageError("unexpected argument '" + args.positionals()[0] + "'");
    const std::string path = args.value_or("db", kDefaultDb);
    if (const std::vector<std::string> sources = args.values("merge"); !sources.empty()) {
        if (args.value("trace")) throw UsageError("--merge copies every run; it takes no --trace");
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw traces::TraceError(fmt::format("{}: no such database (runs merge into one that holds their traces)", path));
        traces::Database db(path);
        std::string json = "[";
        for (const std::string& from : sources) {
            const engine::MergeResult merged = engine::merge_runs(db, from);
            if (args.flag("json")) {
                if (json.size() > 1) json += ',';
                json += fmt::format(R"({{"from":{},"added":[{}],"already_there":{}}})", json_string(from),
                                    fmt::join(merged.added, ","), merged.already_there);
            } else {
                fmt::print("merged {} run(s) from {} into {}", merged.added.size(), from, db.path());
                if (!merged.added.empty())
                    fmt::print(" as run {}", merged.added.size() == 1 ? fmt::format("{}", merged.added[0])
                                                                    : fmt::format("{}-{}", merged.added.front(), merged.added.back()));
                fmt::print(" ({} already there)\n", merged.already_there);
            }
        }
        if (args.flag("json")) fmt::print("{}]\n", json);
        return 0;
    }
    if (report_missing_database(path, args.flag("json"))) return 0;
    traces::Database db(path);
    const auto trace = args.value("trace");
    if (trace) require_trace(db, *trace);
    if (args.flag("measured")) {
        std::vector<engine::MeasuredRunInfo> runs = engine::list_measured_runs(db);
        std::erase_if(runs, [&](const engine::MeasuredRunInfo& r) { return trace && r.trace != *trace; });
        if (args.flag("json")) {
            std::string json = "[";
            for (const engine::MeasuredRunInfo& r : runs)
                json += fmt::format(R"({}{{"measured_run":{},"trace":{},"label":{},"source":"{}","clock":"{}","started":{},)"
                                    R"("runners":{},"events":{},"median_cycles":{},"cycle_accurate":{},"clock_note":{}}})",
                                    json.size() > 1 ? "," : "", r.id, json_string(r.trace), json_string(r.label), r.source,
                                    r.clock, json_string(r.started), r.runners, r.events, r.median_cycles,
                                    r.cycle_accurate ? "true" : "false", json_string(r.clock_note));
            fmt::print("{}]\n", json);
            return 0;
        }
        if (runs.empty()) {
            fmt::print("no measured runs in {} (allocsim capture or measure makes one)\n", db.path());
            return 0;
        }
        fmt::print("{:>5}  {:<16} {:<7} {:<11} {:<7} {:>7} {:>10} {:>8}  {:<20}  {}\n", "run", "trace", "source", "clock",
                   "cycles?", "runners", "events", "median", "started", "label");
        bool any_not = false;
        for (const engine::MeasuredRunInfo& r : runs) {
            fmt::print("{:>5}  {:<16} {:<7} {:<11} {:<7} {:>7} {:>10} {:>8}  {:<20}  {}\n", r.id, r.trace, r.source, r.clock,
                       r.cycle_accurate ? "yes" : "NO", r.runners, r.events, r.median_cycles, r.started, r.label);
            any_not = any_not || !r.cycle_accurate;
        }
        if (any_not) {
            fmt::print("\nnot cycle-accurate:\n");
            for (const engine::MeasuredRunInfo& r : runs)
                if (!r.cycle_accurate) fmt::print("  run {}: {}\n", r.id, r.clock_note);
        }
        return 0;
    }
    std::vector<engine::RunInfo> runs = engine::list_runs(db);
    if (trace) std::erase_if(runs, [&](const engine::RunInfo& r) { return r.trace != *trace; });

    if (args.flag("json")) {
        std::string out = "[";
        for (std::size_t i = 0; i < runs.size(); ++i) {
            if (i > 0) out += ',';
            out += run_info_json(runs[i]);
        }
        fmt::print("{}]\n", out);
        return 0;
    }
    if (runs.empty()) {
        fmt::print("no runs in {} (allocsim replay stores one)\n", db.path());
        return 0;
    }
    fmt::print("{:>4} {:<20} {:<16} {:<11} {:<20} {:>10} {:>4} {:>16} {:>8} {:>8}\n", "run", "trace", "label",
               "allocator", "started", "events", "cpus", "modeled cycles", "hit rate", "util");
    for (const engine::RunInfo& r : runs)
        fmt::print("{:>4} {:<20} {:<16} {:<11} {:<20} {:>10} {:>4} {:>16} {:>8} {:>8}\n", r.id, r.trace,
                   r.label.empty() ? "-" : r.label, r.allocator, r.started, r.events, r.cpus, r.modeled_cycles_total,
                   percent(r.thread_cache_hit_rate), percent(r.utilization));
    return 0;
}

}  // namespace allocsim::cli
