// allocsim export: a stored trace as CSV, which `allocsim import csv` reads back
// identically.
#include <fmt/format.h>

#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "traces/csv_format.h"
#include "traces/import_error.h"
#include "traces/trace_reader.h"

namespace allocsim::cli {

int command_export(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "trace", "format", "out"}, {"help", "json"});
    if (args.flag("help")) {
        fmt::print("usage: allocsim export --trace NAME [--format csv] [--out FILE] [--db FILE]\n\n"
                   "Writes a trace as CSV (seq,time_ns,cpu,op,object,size,align,order,cycles) to FILE or stdout;\n"
                   "`allocsim import csv` reads it back identically (docs/TRACES.md).\n"
                   "  --trace NAME  the trace\n  --out FILE    write there instead of stdout\n"
                   "  --json        with --out: print {{\"trace\",\"events\",\"out\"}} as one JSON object\n");
        return 0;
    }
    if (!args.positionals().empty()) throw UsageError("unexpected argument '" + args.positionals()[0] + "'");
    if (args.flag("json") && !args.value("out")) throw UsageError("--json needs --out (the CSV goes to stdout otherwise)");
    const auto name = args.value("trace");
    if (!name) throw UsageError("--trace NAME is required");
    if (args.value_or("format", "csv") != "csv") throw UsageError("the only export format is csv");
    traces::Database db(args.value_or("db", kDefaultDb));
    traces::TraceReader reader(db, *name);
    std::ofstream file;
    std::ostream* out = &std::cout;
    if (const auto path = args.value("out")) {
        file.open(*path, std::ios::binary | std::ios::trunc);
        if (!file) throw traces::TraceError(*path + ": cannot write");
        out = &file;
    }
    traces::write_csv_header(*out);
    std::vector<traces::TraceEvent> chunk;
    std::uint64_t seq = 0;
    while (reader.next_chunk(chunk))
        for (const auto& e : chunk) traces::write_csv_event(*out, seq++, e);
    out->flush();
    if (!*out) throw traces::TraceError(args.value_or("out", "stdout") + ": write failed");
    if (args.flag("json"))
        fmt::print("{{\"trace\":{},\"events\":{},\"out\":{}}}\n", json_string(*name), seq, json_string(*args.value("out")));
    return 0;
}

}  // namespace allocsim::cli
