// allocsim export: a stored trace as CSV, which `allocsim import csv` reads back
// identically; or a stored run's modeled timeline as Chrome Trace Event JSON, made
// by replaying the run's trace with the run's own settings (a replay is
// deterministic, so this is the run's timeline, without storing every span).
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/progress.h"
#include "engine/replay/chrome_trace.h"
#include "engine/replay/run_store.h"
#include "engine/replay/settings.h"
#include "traces/csv_format.h"
#include "traces/import_error.h"
#include "traces/trace_reader.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim export --trace NAME [--format csv] [--out FILE] [--db FILE] [--json]\n"
    "       allocsim export --run RUN --format chrome [--out FILE] [--db FILE] [--json]\n\n"
    "--trace: writes a trace as CSV (seq,time_ns,cpu,op,object,size,align,order,cycles);\n"
    "`allocsim import csv` reads it back identically (docs/TRACES.md).\n"
    "--run --format chrome: writes the run's modeled timeline as Chrome Trace Event JSON,\n"
    "one track per modeled CPU, a span per operation and per lock or line wait; open it\n"
    "in Perfetto's UI (ui.perfetto.dev) or chrome://tracing. It replays the run's trace\n"
    "with the run's stored settings.\n"
    "  --out FILE    write there instead of stdout\n"
    "  --json        with --out: print what was written as one JSON object\n";

// Writes to --out, or stdout.
class Output {
public:
    explicit Output(const std::optional<std::string>& path) {
        if (!path) return;
        file_.open(*path, std::ios::binary | std::ios::trunc);
        if (!file_) throw traces::TraceError(*path + ": cannot write");
        out_ = &file_;
    }
    std::ostream& stream() { return *out_; }
    void close(const std::string& name) {
        out_->flush();
        if (!*out_) throw traces::TraceError(name + ": write failed");
    }

private:
    std::ofstream file_;
    std::ostream* out_ = &std::cout;
};

int export_csv(const Arguments& args, const std::string& name) {
    if (args.value_or("format", "csv") != "csv") throw UsageError("a trace exports as csv; --run RUN exports a timeline");
    traces::Database db(args.value_or("db", kDefaultDb), traces::Database::Mode::Existing);
    traces::TraceReader reader(db, name);
    Output out(args.value("out"));
    traces::write_csv_header(out.stream());
    std::vector<traces::TraceEvent> chunk;
    std::uint64_t seq = 0;
    while (reader.next_chunk(chunk))
        for (const auto& e : chunk) traces::write_csv_event(out.stream(), seq++, e);
    out.close(args.value_or("out", "stdout"));
    if (args.flag("json"))
        fmt::print("{{\"trace\":{},\"events\":{},\"out\":{}}}\n", json_string(name), seq, json_string(*args.value("out")));
    return 0;
}

int export_chrome(const Arguments& args, const std::string& run_text) {
    if (args.value_or("format", "") != "chrome") throw UsageError("a run exports as --format chrome");
    const std::int64_t run = parse_run_id(run_text);
    const std::string path = args.value_or("db", kDefaultDb);
    require_database_for_run(path, run);
    traces::Database db(path);
    const engine::StoredRun stored = engine::load_run(db, run);
    engine::ReplaySettings settings;
    try {
        engine::apply_settings_json(settings, stored.settings_json);
    } catch (const engine::SettingError& e) {
        throw traces::TraceError(fmt::format("run {}: {}", run, e.what()));
    }
    Output out(args.value("out"));
    engine::ChromeTraceWriter writer(out.stream(), settings.model.mhz, static_cast<std::uint32_t>(stored.per_cpu.size()),
                                     fmt::format("run {}: {}, {}", run, stored.trace, stored.allocator));
    std::uint64_t spans = 0;
    engine::ReplayListener listener;
    listener.op = [&](const engine::OpSpan& s) {
        writer.op(s);
        ++spans;
    };
    listener.wait = [&](const engine::WaitSpan& s) {
        writer.wait(s);
        ++spans;
    };
    const auto info = db.find_trace(stored.trace);
    Progress progress("exporting run " + run_text, info ? info->events : 0, "ev");
    engine::replay(db, stored.trace, settings, [&](std::uint64_t done) { progress.update(done); }, &listener);
    progress.finish();
    writer.finish();
    out.close(args.value_or("out", "stdout"));
    if (args.flag("json"))
        fmt::print("{{\"run\":{},\"trace\":{},\"spans\":{},\"out\":{}}}\n", run, json_string(stored.trace), spans,
                   json_string(*args.value("out")));
    return 0;
}

}  // namespace

int command_export(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "run", "format", "out"}, {"help", "json"});
    if (args.flag("help")) {
        fmt::print("{}", kHelp);
        return 0;
    }
    if (!args.positionals().empty()) throw UsageError("unexpected argument '" + args.positionals()[0] + "'");
    if (args.flag("json") && !args.value("out")) throw UsageError("--json needs --out (the export goes to stdout otherwise)");
    const auto trace = args.value("trace");
    const auto run = args.value("run");
    if (trace.has_value() == run.has_value()) throw UsageError("give either --trace NAME or --run RUN");
    return trace ? export_csv(args, *trace) : export_chrome(args, *run);
}

}  // namespace allocsim::cli
