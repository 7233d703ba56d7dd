// The allocsim subcommands. Each takes its own argv (argv[0] = its name), prints
// its own --help, and returns the process exit code: 0 done, 1 failed (the error
// names the file, line or event), 2 usage error.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/cli/arguments.h"
#include "engine/replay/replayer.h"
#include "engine/replay/replay_result.h"
#include "traces/database.h"
#include "traces/import_summary.h"

namespace allocsim::cli {

int command_import(int argc, char** argv);
int command_gen(int argc, char** argv);
int command_traces(int argc, char** argv);
int command_export(int argc, char** argv);
int command_replay(int argc, char** argv);
int command_floor(int argc, char** argv);
int command_sweep(int argc, char** argv);
int command_record(int argc, char** argv);
int command_runs(int argc, char** argv);
int command_show(int argc, char** argv);
int command_diff(int argc, char** argv);
int command_capture(int argc, char** argv);
int command_measure(int argc, char** argv);
int command_compare(int argc, char** argv);
int command_calibrate(int argc, char** argv);

// Shared by the commands.
inline constexpr const char* kDefaultDb = "allocsim.db";
// What most commands check first: --help (printed, and nullopt returned), no stray
// argument, and the option `key` they require (its value returned; a UsageError
// `missing` without it).
std::optional<std::string> required_option(const Arguments& args, const char* help, const char* key, const char* missing);
// required_option for --trace NAME.
inline std::optional<std::string> trace_option(const Arguments& args, const char* help) {
    return required_option(args, help, "trace", "--trace NAME is required");
}
// The stored trace of that name; a TraceError "DB: no trace named 'NAME'" without one.
traces::TraceInfo require_trace(traces::Database& db, const std::string& name);
std::string json_string(const std::string& s);
// For the listing commands, which never create a database: if `path` does not
// exist, prints an empty listing ("[]" with --json, else a sentence) and returns true.
bool report_missing_database(const std::string& path, bool json);
// The replay options shared by replay and sweep, in their order of precedence:
// --model FILE, then --cpus, --map, --allocator, --loop, --check-every (those the
// command accepts). Throws UsageError for a refused value.
void apply_replay_options(engine::ReplaySettings& settings, const Arguments& args);
// The replay options, then each --set, validated (replay, floor). Throws UsageError.
engine::ReplaySettings replay_settings(const Arguments& args);
// Replays and stores the run (replay, sweep); a ReplayError becomes a TraceError
// naming the trace. Returns the run's id.
std::int64_t replay_and_store(traces::Database& db, const std::string& trace, const engine::ReplaySettings& settings,
                              const std::string& label, engine::ReplayResult& result,
                              const engine::ReplayProgress& progress = {});
std::string trace_json(const traces::TraceInfo& info);
// What import, gen and record print with --json: {"trace":..,"db":.., the stored
// summary's members, then `extra_members` (",\"key\":value..." or empty)}.
std::string stored_trace_json(const traces::TraceInfo& info, const traces::Database& db,
                              const std::string& extra_members = "");
// show, diff and export --run read runs and never create a database: throws the
// missing run's error if `path` does not exist.
void require_database_for_run(const std::string& path, std::int64_t run);
std::string percent(double fraction);  // "95.31%"
// The replay's report below its first line: operations, cache, buddy, cycles, memory,
// then the per-CPU table. replay prints it for the run it made, show for a stored run.
void print_replay_report(const engine::ReplaySummary& s, const std::vector<engine::CpuFigures>& per_cpu);
// A RUN argument: a run number, 1 or more; anything else is a UsageError.
std::int64_t parse_run_id(const std::string& text);

}  // namespace allocsim::cli
