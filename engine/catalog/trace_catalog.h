// What a program that shows traces and runs (gui/) needs of a database, behind one
// interface without Qt: the traces it holds, its measured runs, a stored run's trace
// and settings, a generated trace made once, and the trace's events by index. Every
// call into traces/ for such a program is here, so that it depends on engine/ only.
//
// Errors are exceptions (std::exception) whose what() names the database and the
// problem, as the command line prints them.
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <string>
#include <vector>

#include "engine/measure/measured_run.h"
#include "engine/measure/modeled_ops.h"
#include "engine/replay/replay_session.h"
#include "traces/trace_event.h"
#include "traces/whole_number.h"

namespace allocsim::traces {
class Database;
class TraceReader;
}  // namespace allocsim::traces

namespace allocsim::engine::catalog {

struct TraceEntry {
    std::string name;
    std::uint64_t events = 0;
    std::uint32_t cpus = 0;
};

// The traces of database `db` (opened read-only), in its order.
std::vector<TraceEntry> list_traces(const std::string& db);
// Its measured runs (allocsim capture, allocsim measure).
std::vector<MeasuredRunInfo> list_measured(const std::string& db);

struct RunEntry {
    std::int64_t id = 0;
    std::string trace;
    std::string label;
    std::string allocator;
    std::string started;
};
// Its stored runs (allocsim replay stores each), oldest first.
std::vector<RunEntry> list_runs(const std::string& db);

struct RunToOpen {
    std::string trace;
    std::string settings_json;  // engine::settings_to_json
};
// Stored run `run`: its trace and its settings.
RunToOpen stored_run(const std::string& db, std::int64_t run);

// Makes trace `name` in database `db` (created if missing) with the generator of the
// same name and its default options, unless the database holds it already.
void ensure_generated(const std::string& db, const std::string& name);

// A database opened for a trace's replay: the session stepping through it, and the
// measured runs to compare it with (the database stays open as long as this does).
class OpenTrace {
public:
    // Throws (no database, no such trace, settings the core refuses).
    OpenTrace(const std::string& db, const std::string& trace, const ReplaySettings& settings);
    ~OpenTrace();
    OpenTrace(const OpenTrace&) = delete;
    OpenTrace& operator=(const OpenTrace&) = delete;

    ReplaySession& session() { return *session_; }
    MeasuredRun measured_run(std::int64_t id);
    ModeledOps modeled_ops(const std::string& trace, const ReplaySettings& settings);

private:
    std::unique_ptr<traces::Database> db_;
    std::unique_ptr<ReplaySession> session_;
};

// A trace's events by index, read a chunk at a time with a few chunks kept: for a
// view that shows any row of a long trace (an event log) without loading it.
class TraceEvents {
public:
    TraceEvents(const std::string& db, const std::string& trace);
    ~TraceEvents();
    TraceEvents(const TraceEvents&) = delete;
    TraceEvents& operator=(const TraceEvents&) = delete;

    std::uint64_t events() const { return events_; }
    // REQUIRES: i < events(). Valid until the next call.
    const traces::TraceEvent& at(std::uint64_t i);

private:
    struct Chunk {
        std::uint64_t first = 0;
        std::vector<traces::TraceEvent> events;
    };
    std::unique_ptr<traces::Database> db_;
    std::unique_ptr<traces::TraceReader> reader_;
    std::uint64_t events_ = 0;
    std::list<Chunk> chunks_;  // most recently used first
};

// The trace terms a program names and parses as the command line does.
using traces::kNoTime;
using traces::kOpCount;
using traces::Op;
using traces::op_from_name;
using traces::op_name;
using traces::TraceEvent;
using traces::whole_number_of;
using traces::WholeNumber;

}  // namespace allocsim::engine::catalog
