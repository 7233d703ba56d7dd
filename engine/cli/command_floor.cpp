// allocsim floor --trace NAME: the least footprint any policy of the hybrid core can
// have on a trace with its class table and run sizes, and the utilization bound that
// follows (engine/replay/footprint_floor.h).
#include <fmt/format.h>

#include "engine/cli/commands.h"
#include "engine/cli/progress.h"
#include "engine/replay/footprint_floor.h"
#include "traces/import_error.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim floor --trace NAME [--cpus N] [--map LIST] [--model FILE] [--set KEY=VALUE ...]\n"
    "                      [--db FILE] [--json]\n\n"
    "The footprint floor of a trace: at every event, the live objects packed into just\n"
    "enough slab runs of the core's run sizes (one partly used run per class, shared by\n"
    "all CPUs) and exact pages above the classes, with no bins, no remote queues and no\n"
    "empty runs. Its peak, plus the core's metadata for those pages, is the least peak\n"
    "footprint the hybrid core can have under any setting of its policies with this\n"
    "class table; peak live / that is the best utilization it can reach. The replay's\n"
    "footprint is never below it (a test checks that). The per-CPU floor keeps each\n"
    "object in the runs of the CPU that allocated it (mimalloc's rule), runs not shared.\n"
    "Nothing is stored.\n"
    "  --trace NAME      the trace (allocsim traces lists them)\n"
    "  --cpus N, --map LIST, --model FILE, --set KEY=VALUE\n"
    "                    as for replay: the CPUs set the per-CPU metadata; the size\n"
    "                    classes, slab.exact_runs and slab.tail_permille set the runs\n"
    "  --db FILE         the database (default allocsim.db)\n"
    "  --json            print the figures as one JSON object\n";

}  // namespace

int command_floor(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "cpus", "map", "model", "set"}, {"json", "help"});
    const auto trace = trace_option(args, kHelp);
    if (!trace) return 0;

    const engine::ReplaySettings settings = replay_settings(args);
    if (settings.allocator != engine::AllocatorKind::Hybrid) throw UsageError("the floor is the hybrid core's; the linked list has no classes");

    traces::Database db(args.value_or("db", kDefaultDb), traces::Database::Mode::Existing);
    Progress progress("floor of " + *trace, require_trace(db, *trace).events, "ev");
    engine::FootprintFloor f;
    try {
        f = engine::footprint_floor(db, *trace, settings, [&](std::uint64_t done) { progress.update(done); });
    } catch (const engine::ReplayError& e) {
        throw traces::TraceError(fmt::format("trace '{}': {}", *trace, e.what()));
    }
    progress.finish();
    if (args.flag("json")) {
        fmt::print("{{\"trace\":{},\"cpus\":{},\"events\":{},\"peak_live_bytes\":{},\"floor_bytes\":{},\"floor_event\":{},"
                   "\"fixed_metadata_bytes\":{},\"descriptor_bytes\":{},\"floor_footprint_bytes\":{},"
                   "\"utilization_bound\":{:.6f},\"utilization_bound_no_metadata\":{:.6f},\"floor_per_cpu_bytes\":{},"
                   "\"floor_per_cpu_footprint_bytes\":{},\"utilization_bound_per_cpu\":{:.6f}}}\n",
                   json_string(*trace), f.cpus, f.events, f.peak_live_bytes, f.floor_bytes, f.floor_event,
                   f.fixed_metadata_bytes, f.descriptor_bytes, f.floor_footprint_bytes, f.utilization_bound,
                   f.utilization_bound_no_metadata, f.floor_per_cpu_bytes, f.floor_per_cpu_footprint_bytes,
                   f.utilization_bound_per_cpu);
        return 0;
    }
    fmt::print("footprint floor of '{}' ({} events) on {} CPU(s)\n", *trace, f.events, f.cpus);
    fmt::print("  peak live       {} B\n", f.peak_live_bytes);
    fmt::print("  floor           {} B of runs and pages, first reached at event {}\n", f.floor_bytes, f.floor_event);
    fmt::print("  with metadata   {} B ({} B of per-CPU structures, {} B per page in use)\n", f.floor_footprint_bytes,
               f.fixed_metadata_bytes, f.descriptor_bytes);
    fmt::print("  utilization     at most {} with this core's metadata, at most {} with none\n",
               percent(f.utilization_bound), percent(f.utilization_bound_no_metadata));
    fmt::print("  per-CPU runs    {} B with metadata, utilization at most {}, if every object stays in\n"
               "                  the runs of the CPU that allocated it\n",
               f.floor_per_cpu_footprint_bytes, percent(f.utilization_bound_per_cpu));
    return 0;
}

}  // namespace allocsim::cli
