// allocsim: the command line. Subcommands are dispatched from one table; each one
// lives in its own command_*.cpp.
#include <fmt/format.h>

#include <cstdio>
#include <cstring>
#include <string>

#include "engine/cli/commands.h"
#include "traces/import_error.h"

namespace {

struct Command {
    const char* name;
    int (*run)(int, char**);
    const char* summary;
};

constexpr Command kCommands[] = {
    {"import", allocsim::cli::command_import, "import a trace file (mtrace, malloclab, ftrace, csv)"},
    {"gen", allocsim::cli::command_gen, "generate a synthetic workload trace"},
    {"traces", allocsim::cli::command_traces, "list the traces in a database"},
    {"export", allocsim::cli::command_export, "write a trace as CSV"},
    {"replay", allocsim::cli::command_replay, "replay a trace through the core with the cycle cost model"},
    {"floor", allocsim::cli::command_floor, "the least footprint any policy of the core can have on a trace"},
    {"sweep", allocsim::cli::command_sweep, "replay a trace over the cross product of parameter values"},
    {"record", allocsim::cli::command_record, "run a program and record its malloc/free calls as a trace"},
    {"runs", allocsim::cli::command_runs, "list the stored runs (every replay is stored)"},
    {"show", allocsim::cli::command_show, "print a stored run: summary, settings, per-CPU table"},
    {"diff", allocsim::cli::command_diff, "compare two stored runs side by side, with ratios"},
    {"capture", allocsim::cli::command_capture, "replay a trace in the allocsim kernel under QEMU, every op timed"},
    {"measure", allocsim::cli::command_measure, "replay a trace on pinned host threads, every op timed"},
    {"compare", allocsim::cli::command_compare, "set a measured run beside the model, class by class"},
    {"calibrate", allocsim::cli::command_calibrate, "fit the cost model to a measured run"},
};

void usage(std::FILE* out) {
    fmt::print(out, "usage: allocsim COMMAND [options]   (allocsim COMMAND --help for its options)\n\n");
    fmt::print(out, "A workbench for kernel memory allocator designers.\n\ncommands:\n");
    for (const Command& c : kCommands) fmt::print(out, "  {:<10} {}\n", c.name, c.summary);
    fmt::print(out, "\nTraces and runs live in an SQLite database: allocsim.db in the current folder, or --db FILE.\n");
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const std::string name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        usage(stdout);
        return 0;
    }
    if (name == "--version") {
        fmt::print("allocsim 0.1.0\n");
        return 0;
    }
    for (const Command& c : kCommands) {
        if (name != c.name) continue;
        try {
            return c.run(argc - 1, argv + 1);
        } catch (const allocsim::cli::UsageError& e) {
            fmt::print(stderr, "allocsim {}: {}\n(allocsim {} --help lists the options)\n", name, e.what(), name);
            return 2;
        } catch (const allocsim::traces::TraceError& e) {
            fmt::print(stderr, "allocsim {}: {}\n", name, e.what());
            return 1;
        } catch (const std::bad_alloc&) {
            fmt::print(stderr, "allocsim {}: out of memory\n", name);
            return 1;
        } catch (const std::exception& e) {
            fmt::print(stderr, "allocsim {}: {}\n", name, e.what());
            return 1;
        }
    }
    fmt::print(stderr, "allocsim: unknown command '{}'\n\n", name);
    usage(stderr);
    return 2;
}
