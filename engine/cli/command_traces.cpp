// allocsim traces: the traces in a database, as a table or as JSON.
#include <fmt/format.h>

#include <filesystem>

#include "engine/cli/commands.h"
#include "traces/import_error.h"
#include "traces/json_text.h"

namespace allocsim::cli {

std::string json_string(const std::string& s) { return json_quote(s); }

bool report_missing_database(const std::string& path, bool json) {
    std::error_code ec;
    if (std::filesystem::exists(path, ec)) return false;
    if (json) fmt::print("[]\n");
    else fmt::print("no database {} here (allocsim import, gen or record creates it)\n", path);
    return true;
}

std::string stored_trace_json(const traces::TraceInfo& info, const traces::Database& db,
                              const std::string& extra_members) {
    const std::string& members = info.summary;  // "{...}"
    std::string out = "{\"trace\":" + json_string(info.name);
    out += ",\"db\":";
    out += json_string(db.path());
    out += ',';
    out.append(members, 1, members.size() - 2);
    out += extra_members;
    out += '}';
    return out;
}

void require_database_for_run(const std::string& path, std::int64_t run) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec))
        throw traces::TraceError(fmt::format("{}: no run {} (allocsim runs lists them)", path, run));
}

std::string trace_json(const traces::TraceInfo& t) {
    return fmt::format(R"({{"name":{},"format":{},"source":{},"cpus":{},"events":{},"has_time":{},"created":{},"summary":{}}})",
                       json_string(t.name), json_string(t.format), json_string(t.source), t.cpus, t.events,
                       t.has_time ? "true" : "false", json_string(t.created), t.summary.empty() ? "{}" : t.summary);
}

int command_traces(int argc, char** argv) {
    const Arguments args(argc, argv, {"db"}, {"json", "help"});
    if (args.flag("help")) {
        fmt::print("usage: allocsim traces [--db FILE] [--json]\n\n"
                   "Lists the traces in the database (default {}) with their counts.\n"
                   "  --db FILE   the database\n  --json      one JSON array, one object per trace\n",
                   kDefaultDb);
        return 0;
    }
    if (!args.positionals().empty()) throw UsageError("unexpected argument '" + args.positionals()[0] + "'");
    const std::string path = args.value_or("db", kDefaultDb);
    if (report_missing_database(path, args.flag("json"))) return 0;
    traces::Database db(path, traces::Database::Mode::ReadWrite);
    const auto all = db.traces();
    if (args.flag("json")) {
        std::string out = "[";
        for (std::size_t i = 0; i < all.size(); ++i) {
            if (i > 0) out += ',';
            out += trace_json(all[i]);
        }
        fmt::print("{}]\n", out);
        return 0;
    }
    if (all.empty()) {
        fmt::print("no traces in {} (allocsim import or allocsim gen makes one)\n", db.path());
        return 0;
    }
    fmt::print("{:<24} {:<10} {:>5} {:>12} {:<5} {:<20} {}\n", "name", "format", "cpus", "events", "time", "created",
               "source");
    for (const auto& t : all)
        fmt::print("{:<24} {:<10} {:>5} {:>12} {:<5} {:<20} {}\n", t.name, t.format, t.cpus, t.events,
                   t.has_time ? "yes" : "no", t.created, t.source);
    return 0;
}

}  // namespace allocsim::cli
