// allocsim import FORMAT FILE: one trace file into the database, in one
// transaction: on any error, or if the process is killed, nothing is stored.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "engine/cli/commands.h"
#include "engine/cli/progress_sink.h"
#include "traces/csv_format.h"
#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/trace_writer.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim import FORMAT FILE [--name NAME] [--db FILE] [--lenient] [--replace] [--json]\n\n"
    "Imports a trace file into the database (default allocsim.db), in one transaction.\n"
    "FORMAT: mtrace     glibc's MALLOC_TRACE log\n"
    "        malloclab  a CS:APP malloclab/mdriver .rep trace\n"
    "        ftrace     Linux ftrace kmem events as text (tracing/trace, trace-cmd report)\n"
    "        csv        allocsim's own CSV (allocsim export writes it)\n"
    "FILE: a path, or - for standard input.\n\n"
    "  --name NAME  the trace's name (default: the file's name without its extension)\n"
    "  --lenient    skip and count malformed lines instead of stopping at the first\n"
    "  --replace    replace a trace of the same name\n"
    "  --json       print the import summary as one JSON object\n\n"
    "Frees and reallocs of objects the trace never allocated (allocated before tracing\n"
    "began) are skipped and counted as skipped_unmatched.\n";

}  // namespace

int command_import(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "name"}, {"json", "lenient", "replace", "help"});
    if (args.flag("help")) {
        fmt::print("{}", kHelp);
        return 0;
    }
    if (args.positionals().size() != 2) throw UsageError("import takes FORMAT and FILE");
    const std::string format = args.positionals()[0];
    const std::string path = args.positionals()[1];
    if (format != "mtrace" && format != "malloclab" && format != "ftrace" && format != "csv")
        throw UsageError("unknown format '" + format + "' (mtrace, malloclab, ftrace or csv)");

    std::ifstream file;
    std::istream* in = &std::cin;
    std::uint64_t total = 0;
    if (path != "-") {
        std::error_code ec;
        if (std::filesystem::is_directory(path, ec)) throw traces::TraceError(path + ": is a folder, not a file");
        file.open(path, std::ios::binary);
        if (!file) throw traces::TraceError(path + ": cannot open: " + std::strerror(errno));
        total = std::filesystem::file_size(path, ec);
        in = &file;
    }
    const std::string name =
        args.value_or("name", path == "-" ? "stdin" : std::filesystem::path(path).stem().string());
    const std::string source =
        path == "-" ? "stdin" : std::filesystem::absolute(std::filesystem::path(path)).lexically_normal().string();

    traces::Database db(args.value_or("db", kDefaultDb));
    traces::TraceWriter writer(db, name, format, source,
                               args.flag("replace") ? traces::IfExists::Replace : traces::IfExists::Fail);
    Progress progress("importing " + name, total, "B");
    ProgressSink sink(writer, progress, [&] { return path == "-" ? 0 : static_cast<std::uint64_t>(file.tellg()); });
    const traces::ImportOptions options{args.flag("lenient")};
    traces::ImportSummary summary;
    if (format == "csv") {
        summary = traces::import_csv(*in, path, sink, options);
    } else {
        traces::EventEmitter emitter(sink);
        if (format == "mtrace") traces::import_mtrace(*in, path, emitter, options);
        else if (format == "malloclab") traces::import_malloclab(*in, path, emitter, options);
        else traces::import_ftrace(*in, path, emitter, options);
        summary = emitter.summary();
    }
    if (in->bad()) throw traces::TraceError(path + ": read error");
    progress.finish();
    const traces::TraceInfo info = writer.commit(summary);
    if (args.flag("json")) {
        fmt::print("{}\n", stored_trace_json(info, db));
    } else {
        fmt::print("imported '{}' into {}: {} events on {} CPU(s) ({} allocs, {} frees, {} reallocs, {} page allocs, "
                   "{} page frees); skipped {} unmatched, {} malformed\n",
                   info.name, db.path(), summary.events, summary.cpus, summary.allocs, summary.frees, summary.reallocs,
                   summary.page_allocs, summary.page_frees, summary.skipped_unmatched, summary.malformed);
    }
    return 0;
}

}  // namespace allocsim::cli
