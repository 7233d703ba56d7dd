// allocsim sweep: the cross product of parameter values, each point replayed and
// stored as a run labelled with its values, then one table.
//
// Points are numbered in a fixed order (the first --set varies slowest), so a sweep
// can be split over independent processes: `--part I/N` replays the points whose
// number is I mod N, and `--report` prints the table from the stored runs (the
// latest run of each point). Processes may share one database: each run is stored
// in its own short transaction and SQLite's WAL serializes the writers.
#include <fmt/format.h>

#include <chrono>

#include "engine/cli/commands.h"
#include "engine/replay/flat_json.h"
#include "engine/replay/replayer.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "traces/import_error.h"
#include "traces/whole_number.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim sweep --trace NAME --set KEY=V1,V2,... [--set ...] [--cpus N] [--allocator A]\n"
    "                      [--model FILE] [--part I/N | --report] [--db FILE] [--json]\n\n"
    "Replays the trace at every combination of the values given (the cross product),\n"
    "stores each as a run labelled 'sweep: KEY=V ...', and prints one table.\n"
    "For list-valued keys (size_classes, map) separate the alternatives with '/':\n"
    "  --set size_classes=16,32,64/default\n"
    "  --part I/N   replay only the points whose number is I mod N (0 <= I < N), for\n"
    "               independent processes (GNU parallel, a batch scheduler), e.g.\n"
    "               parallel allocsim sweep --trace T --set cache.capacity=32,64,128 --part {}/2 ::: 0 1\n"
    "  --report     replay nothing: the table from the stored runs of these points\n"
    "  --json       one JSON array, one object per point: {\"point\",\"label\",\"run\",\"summary\"}\n";

struct Axis {
    std::string key;
    std::vector<std::string> values;
};

std::vector<Axis> parse_axes(const std::vector<std::string>& sets) {
    std::vector<Axis> axes;
    for (const std::string& s : sets) {
        const auto eq = s.find('=');
        if (eq == std::string::npos || eq == 0) throw UsageError("--set takes KEY=V1,V2,..., not '" + s + "'");
        Axis a{s.substr(0, eq), {}};
        const char sep = a.key == "size_classes" || a.key == "map" ? '/' : ',';
        std::string_view rest = std::string_view(s).substr(eq + 1);
        for (;;) {
            const auto cut = rest.find(sep);
            a.values.emplace_back(rest.substr(0, cut));
            if (cut == std::string_view::npos) break;
            rest.remove_prefix(cut + 1);
        }
        axes.push_back(std::move(a));
    }
    return axes;
}

// Point p's value index on each axis: the last axis varies fastest.
std::vector<std::size_t> coordinates(const std::vector<Axis>& axes, std::size_t p) {
    std::vector<std::size_t> at(axes.size());
    for (std::size_t i = axes.size(); i-- > 0;) {
        at[i] = p % axes[i].values.size();
        p /= axes[i].values.size();
    }
    return at;
}

std::string label_of(const std::vector<Axis>& axes, const std::vector<std::size_t>& at) {
    std::string label = "sweep:";
    for (std::size_t i = 0; i < axes.size(); ++i) {
        label += ' ';
        label += axes[i].key;
        label += '=';
        label += axes[i].values[at[i]];
    }
    return label;
}

}  // namespace

int command_sweep(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "set", "cpus", "allocator", "model", "part"},
                         {"json", "report", "help"});
    const auto trace = trace_option(args, kHelp);
    if (!trace) return 0;
    const std::vector<Axis> axes = parse_axes(args.values("set"));
    if (axes.empty()) throw UsageError("--set KEY=V1,V2,... is required (one per swept key)");
    std::size_t points = 1;
    for (const Axis& a : axes) {
        points *= a.values.size();
        if (points > 100000) throw UsageError("more than 100000 points: sweep fewer values");
    }
    std::size_t part = 0, parts = 1;
    if (const auto p = args.value("part")) {
        // I/N is one value: a bad I or N is refused as the pair, in the pair's terms.
        const std::string_view text = *p;
        const std::size_t slash = std::min(text.find('/'), text.size());
        const auto i = traces::whole_number_of<std::size_t>().parse(text.substr(0, slash));
        const auto n = traces::whole_number_of<std::size_t>(1).parse(text.substr(std::min(slash + 1, text.size())));
        if (slash == text.size() || !i || !n || *i >= *n)
            throw UsageError("--part takes I/N with 0 <= I < N, not '" + *p + "'");
        part = *i;
        parts = *n;
    }

    // Every point's settings, checked before anything runs.
    std::vector<engine::ReplaySettings> settings(points);
    std::vector<std::string> labels(points);
    for (std::size_t p = 0; p < points; ++p) {
        const auto at = coordinates(axes, p);
        labels[p] = label_of(axes, at);
        apply_replay_options(settings[p], args);
        try {
            for (std::size_t i = 0; i < axes.size(); ++i) engine::apply_setting(settings[p], axes[i].key, axes[i].values[at[i]]);
            engine::validate(settings[p]);
        } catch (const engine::SettingError& e) {
            throw UsageError(fmt::format("point {} ({}): {}", p, labels[p], e.what()));
        }
    }

    traces::Database db(args.value_or("db", kDefaultDb), traces::Database::Mode::Existing);
    require_trace(db, *trace);
    std::vector<std::int64_t> run_of(points, 0);
    if (!args.flag("report")) {
        for (std::size_t p = part; p < points; p += parts) {
            engine::ReplayResult result;
            try {
                run_of[p] = replay_and_store(db, *trace, settings[p], labels[p], result);
            } catch (const traces::TraceError& e) {
                throw traces::TraceError(fmt::format("point {} ({}): {}", p, labels[p], e.what()));
            }
            if (!args.flag("json")) fmt::print(stderr, "point {}/{}: {} -> run {}\n", p + 1, points, labels[p], run_of[p]);
        }
    }
    // The table: every point with a stored run (the latest of its label), whoever replayed it.
    for (const engine::RunInfo& r : engine::list_runs(db))
        for (std::size_t p = 0; p < points; ++p)
            if (r.trace == *trace && r.label == labels[p] && (parts == 1 || args.flag("report") || p % parts == part))
                run_of[p] = std::max(run_of[p], r.id);

    std::string json = "[";
    if (!args.flag("json"))
        fmt::print("{:<6} {:<48} {:>6} {:>16} {:>9} {:>6} {:>6} {:>12} {:>8}\n", "point", "settings", "run",
                   "modeled cycles", "hit rate", "p50", "p99", "lock wait", "util");
    for (std::size_t p = 0; p < points; ++p) {
        if (run_of[p] == 0) continue;
        const engine::StoredRun run = engine::load_run(db, run_of[p]);
        const engine::ReplaySummary s = engine::parse_summary_json(run.summary_json);
        if (args.flag("json")) {
            if (json.size() > 1) json += ',';
            json += fmt::format(R"({{"point":{},"label":{},"run":{},"summary":{}}})", p, json_string(labels[p]), run_of[p],
                                run.summary_json);
        } else {
            fmt::print("{:<6} {:<48} {:>6} {:>16} {:>8.2f}% {:>6} {:>6} {:>12} {:>7.1f}%\n", p, labels[p].substr(7),
                       run_of[p], s.modeled_cycles_total, 100 * s.thread_cache_hit_rate, s.modeled_cycles_p50,
                       s.modeled_cycles_p99, s.lock_wait_cycles, 100 * s.utilization);
        }
    }
    if (args.flag("json")) fmt::print("{}]\n", json);
    return 0;
}

}  // namespace allocsim::cli
