// allocsim show RUN: a stored run as replay printed it (summary and per-CPU table),
// with the settings that differ from the defaults; or all of it as one JSON object.
#include <fmt/format.h>


#include "engine/cli/commands.h"
#include "engine/replay/flat_json.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "traces/import_error.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim show RUN [--db FILE] [--json]\n\n"
    "Prints a stored run (allocsim runs lists them): its trace, the settings that differ\n"
    "from the defaults, the summary and the per-CPU table.\n"
    "  --db FILE   the database (default allocsim.db)\n"
    "  --json      one object: run, trace, label, allocator, started, version, wall_seconds,\n"
    "              settings (every key), summary, cpus (one object per CPU) and samples (a count)\n";

// "key=value" for each stored setting whose value is not the default, in the table's
// order; a key this allocsim does not know (stored by another version) counts as differing.
std::string non_default_settings(const std::string& settings_json) {
    const engine::FlatObject stored(settings_json);
    const engine::FlatObject defaults(engine::settings_to_json(engine::ReplaySettings{}));
    std::string out;
    for (const engine::FlatEntry& e : stored.entries()) {
        const engine::FlatEntry* d = defaults.find(e.key);
        if (d && d->text == e.text) continue;
        if (!out.empty()) out += ", ";
        out += e.key;
        out += '=';
        out += e.text;
    }
    return out.empty() ? "all defaults" : out;
}

std::string cpus_json(const std::vector<engine::CpuFigures>& per_cpu) {
    std::string out = "[";
    for (std::size_t c = 0; c < per_cpu.size(); ++c) {
        const engine::CpuFigures& f = per_cpu[c];
        if (c > 0) out += ',';
        out += fmt::format(R"({{"cpu":{},"ops":{},"work_cycles":{},"wait_cycles":{},"cache_hits":{},)"
                           R"("cache_misses":{},"remote_frees":{},"clock":{}}})",
                           c, f.ops, f.work_cycles, f.wait_cycles, f.cache_hits, f.cache_misses, f.remote_frees,
                           f.clock);
    }
    return out + "]";
}

}  // namespace

int command_show(int argc, char** argv) {
    const Arguments args(argc, argv, {"db"}, {"json", "help"});
    if (args.flag("help")) {
        fmt::print("{}", kHelp);
        return 0;
    }
    if (args.positionals().empty()) throw UsageError("RUN is required (allocsim runs lists them)");
    if (args.positionals().size() > 1) throw UsageError("unexpected argument '" + args.positionals()[1] + "'");
    const std::int64_t id = parse_run_id(args.positionals()[0]);
    const std::string path = args.value_or("db", kDefaultDb);
    require_database_for_run(path, id);
    traces::Database db(path);
    const engine::StoredRun run = engine::load_run(db, id);

    if (args.flag("json")) {
        fmt::print(R"({{"run":{},"trace":{},"label":{},"allocator":{},"started":{},"version":{},"wall_seconds":{:.6f},)"
                   R"("settings":{},"summary":{},"cpus":{},"samples":{}}})"
                   "\n",
                   run.id, json_string(run.trace), json_string(run.label), json_string(run.allocator),
                   json_string(run.started), json_string(run.version), run.wall_seconds, run.settings_json,
                   run.summary_json, cpus_json(run.per_cpu), run.samples.size());
        return 0;
    }
    const engine::ReplaySummary s = engine::parse_summary_json(run.summary_json);
    fmt::print("run {}: '{}' ({} events) on {} CPU(s) with the {} allocator, {:.1f} M events/s\n", run.id, run.trace,
               s.events, s.cpus, run.allocator, s.events_per_second / 1e6);
    if (!run.label.empty()) fmt::print("  label           {}\n", run.label);
    fmt::print("  stored          {} by allocsim {}, wall {:.3f} s, {} samples\n", run.started, run.version,
               run.wall_seconds, run.samples.size());
    fmt::print("  settings        {}\n", non_default_settings(run.settings_json));
    print_replay_report(s, run.per_cpu);
    return 0;
}

}  // namespace allocsim::cli
