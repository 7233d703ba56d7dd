// Every replay is stored as a run in the trace database: the trace, the settings
// (the core's configuration and the cost model), the start time, allocsim's version,
// the summary, the per-CPU figures and the sampled time series, so runs can be
// listed, shown and compared later (allocsim runs, show, diff) and charted.
//
// The runs tables belong to the engine, not to traces/: they are created on first
// use (CREATE TABLE IF NOT EXISTS) by every function below. A run references its
// trace with ON DELETE CASCADE, so replacing or deleting a trace drops its runs, and
// a run's per-CPU rows and samples go with the run. docs/ENGINE.md ("Stored runs")
// gives the tables.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engine/replay/replay_result.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"

namespace allocsim::engine {

// allocsim's version, stored with every run (the project's CMake VERSION).
const char* allocsim_version();

// A time as stored with runs: UTC, ISO 8601 ("2026-11-26T04:14:01Z").
std::string utc_iso8601(std::chrono::system_clock::time_point t);

struct RunToStore {
    const std::string& trace;                         // the name of a stored trace
    const std::string& label;                         // free text, may be empty
    const ReplaySettings& settings;                   // stored as settings_to_json
    const ReplayResult& result;
    std::chrono::system_clock::time_point started;    // stored as UTC, ISO 8601
    double wall_seconds = 0;                          // the replay's wall-clock time
};

// Stores the run in one transaction and returns its id (1, 2, ... in order of
// storing). On any error (no such trace, a failed insert) nothing is stored; throws
// traces::TraceError naming the database.
std::int64_t store_run(traces::Database& db, const RunToStore& run);

// What merge_runs did.
struct MergeResult {
    std::vector<std::int64_t> added;  // the new run ids in `into`, in the source's order
    std::uint64_t already_there = 0;  // runs `into` held already (merged before)
};

// Copies every run of the database at `from` (settings, summary, per-CPU figures,
// samples) into `into`, as new runs of the trace of the same name, which `into` must
// hold with the same number of events. A run `into` already holds (same trace, label,
// start, settings and summary) is skipped, so merging twice adds nothing. This is how
// sweep parts run on machines without a shared file system come back together. All
// or nothing: on any error (a missing or foreign file, a trace `into` lacks) nothing
// is stored; throws traces::TraceError naming the file.
MergeResult merge_runs(traces::Database& into, const std::string& from);

// One line of `allocsim runs`: the run's identity and its key figures.
struct RunInfo {
    std::int64_t id = 0;
    std::string trace;
    std::string label;
    std::string allocator;       // "hybrid" or "linked-list"
    std::string started;         // UTC, ISO 8601
    std::uint64_t events = 0;
    std::uint32_t cpus = 0;
    std::uint64_t modeled_cycles_total = 0;
    double thread_cache_hit_rate = 0;
    double utilization = 0;
};

// Every run, oldest (lowest id) first.
std::vector<RunInfo> list_runs(traces::Database& db);

struct StoredRun {
    std::int64_t id = 0;
    std::string trace;
    std::string label;
    std::string allocator;
    std::string started;
    std::string version;
    std::string settings_json;   // settings_to_json: every key, in the settings table's order
    std::string summary_json;    // summary_json, events_per_second included
    double wall_seconds = 0;
    std::vector<CpuFigures> per_cpu;   // index = modeled CPU
    std::vector<Sample> samples;       // in event order
};

// Throws traces::TraceError "FILE: no run N (allocsim runs lists them)" when there is none.
StoredRun load_run(traces::Database& db, std::int64_t id);

// The inverse of summary_json: the figures of a stored summary by key. A key the
// text lacks (a run stored by an older allocsim) stays 0.
ReplaySummary parse_summary_json(const std::string& json);

}  // namespace allocsim::engine
