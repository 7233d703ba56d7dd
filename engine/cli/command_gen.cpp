// allocsim gen WORKLOAD: a synthetic, deterministic trace into the database.
#include <fmt/format.h>

#include "engine/cli/commands.h"
#include "engine/cli/progress_sink.h"
#include "traces/generators.h"
#include "traces/trace_writer.h"

namespace allocsim::cli {

int command_gen(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "name", "cpus", "ops", "seed"}, {"json", "replace", "list", "help"});
    if (args.flag("list") && args.flag("json")) {
        std::string json = "[";
        for (const auto& w : traces::workloads())
            json += fmt::format("{}{{\"name\":{},\"description\":{},\"default_cpus\":{},\"default_events\":{}}}",
                                json.size() > 1 ? "," : "", json_string(w.name), json_string(w.description), w.default_cpus,
                                w.default_ops);
        fmt::print("{}]\n", json);
        return 0;
    }
    if (args.flag("help") || args.flag("list")) {
        if (args.flag("help"))
            fmt::print("usage: allocsim gen WORKLOAD [--name NAME] [--cpus N] [--ops N] [--seed S] [--db FILE] "
                       "[--replace] [--json]\n       allocsim gen --list [--json]\n\n"
                       "Generates a workload trace; the same workload, options and seed always give the same trace.\n"
                       "  --name NAME  the trace's name (default: the workload's)\n"
                       "  --cpus N     CPUs (1..64; default: the workload's)\n"
                       "  --ops N      about N events (default: the workload's)\n"
                       "  --seed S     the random seed (default 1)\n\nworkloads:\n");
        for (const auto& w : traces::workloads())
            fmt::print("  {:<18} {} (default {} CPU(s), {} events)\n", w.name, w.description, w.default_cpus,
                       w.default_ops);
        return 0;
    }
    if (args.positionals().size() != 1) throw UsageError("gen takes one WORKLOAD (allocsim gen --list)");
    const std::string workload = args.positionals()[0];
    traces::GeneratorOptions options;
    options.cpus = static_cast<std::uint32_t>(args.number_or("cpus", 0, 1, 64));
    options.ops = args.number_or("ops", 0, 1, 1'000'000'000);
    options.seed = args.number_or("seed", 1, 0, UINT64_MAX);
    // The source names the values used, defaults resolved, so it can be rerun.
    for (const auto& w : traces::workloads()) {
        if (workload != w.name) continue;
        if (options.cpus == 0) options.cpus = w.default_cpus;
        if (options.ops == 0) options.ops = w.default_ops;
    }
    const std::string name = args.value_or("name", workload);
    const std::string source =
        fmt::format("gen {} --cpus {} --ops {} --seed {}", workload, options.cpus, options.ops, options.seed);

    traces::Database db(args.value_or("db", kDefaultDb));
    traces::TraceWriter writer(db, name, "gen", source,
                               args.flag("replace") ? traces::IfExists::Replace : traces::IfExists::Fail);
    Progress progress("generating " + name, options.ops, "ev");
    ProgressSink sink(writer, progress, [&] { return writer.events(); });
    traces::EventEmitter emitter(sink);
    traces::generate(workload, options, emitter);
    progress.finish();
    const traces::TraceInfo info = writer.commit(emitter.summary());
    if (args.flag("json")) {
        fmt::print("{}\n", stored_trace_json(info, db));
    } else {
        fmt::print("generated '{}' into {}: {} events on {} CPU(s)\n", info.name, db.path(), info.events, info.cpus);
    }
    return 0;
}

}  // namespace allocsim::cli
