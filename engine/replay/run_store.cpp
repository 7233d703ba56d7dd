#include "engine/replay/run_store.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <sqlite3.h>

#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "engine/replay/flat_json.h"
#include "engine/replay/settings.h"
#include "traces/import_error.h"
#include "traces/whole_number.h"

#ifndef ALLOCSIM_VERSION
#error "ALLOCSIM_VERSION (the project's version) is set by engine/CMakeLists.txt"
#endif

namespace allocsim::engine {

namespace {

constexpr const char* kRunTables = R"sql(
CREATE TABLE IF NOT EXISTS runs(
  id           INTEGER PRIMARY KEY,
  trace_id     INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  label        TEXT NOT NULL DEFAULT '',
  allocator    TEXT,
  settings     TEXT,
  started      TEXT,
  version      TEXT,
  summary      TEXT,
  wall_seconds REAL
);
CREATE INDEX IF NOT EXISTS runs_trace ON runs(trace_id);
CREATE TABLE IF NOT EXISTS run_cpus(
  run_id       INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  cpu          INTEGER NOT NULL,
  ops          INTEGER NOT NULL,
  work_cycles  INTEGER NOT NULL,
  wait_cycles  INTEGER NOT NULL,
  cache_hits   INTEGER NOT NULL,
  cache_misses INTEGER NOT NULL,
  remote_frees INTEGER NOT NULL,
  clock        INTEGER NOT NULL,
  PRIMARY KEY(run_id, cpu)
);
CREATE TABLE IF NOT EXISTS run_samples(
  run_id          INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  event           INTEGER NOT NULL,
  time            INTEGER NOT NULL,
  live_bytes      INTEGER NOT NULL,
  footprint_bytes INTEGER NOT NULL,
  hit_rate        REAL NOT NULL,
  window_cycles   INTEGER NOT NULL,
  window_ops      INTEGER NOT NULL,
  PRIMARY KEY(run_id, event)
);
)sql";

void create_run_tables(traces::Database& db) { db.exec(kRunTables); }

const char* allocator_name(AllocatorKind kind) { return kind == AllocatorKind::Hybrid ? "hybrid" : "linked-list"; }

void insert_run_rows(traces::Database& db, const RunToStore& run, std::int64_t run_id) {
    traces::Statement cpu(db, "INSERT INTO run_cpus(run_id, cpu, ops, work_cycles, wait_cycles, cache_hits, cache_misses, "
                "remote_frees, clock) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)");
    const std::vector<CpuFigures>& per_cpu = run.result.per_cpu;
    for (std::size_t c = 0; c < per_cpu.size(); ++c) {
        const CpuFigures& f = per_cpu[c];
        cpu.bind(1, run_id).bind(2, static_cast<std::int64_t>(c)).bind(3, f.ops).bind(4, f.work_cycles);
        cpu.bind(5, f.wait_cycles).bind(6, f.cache_hits).bind(7, f.cache_misses).bind(8, f.remote_frees);
        cpu.bind(9, f.clock).step();
        cpu.reset();
    }
    traces::Statement sample(db, "INSERT INTO run_samples(run_id, event, time, live_bytes, footprint_bytes, hit_rate, "
                   "window_cycles, window_ops) VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    for (const Sample& s : run.result.samples) {
        sample.bind(1, run_id).bind(2, s.event).bind(3, s.time).bind(4, s.live_bytes).bind(5, s.footprint_bytes);
        sample.bind(6, s.hit_rate).bind(7, s.window_cycles).bind(8, s.window_ops).step();
        sample.reset();
    }
}

// A stored integer field, exactly (through a double, counts above 2^53 would round).
template <class T>
void read_whole(const FlatObject& o, const char* key, T& field) {
    const FlatEntry* e = o.find(key);
    if (!e || !e->is_number) return;
    if (const std::optional<T> v = traces::parse_integer<T>(e->text)) field = *v;
}

}  // namespace

const char* allocsim_version() { return ALLOCSIM_VERSION; }

std::string utc_iso8601(std::chrono::system_clock::time_point t) {
    return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(t)));
}

std::int64_t store_run(traces::Database& db, const RunToStore& run) {
    db.exec("BEGIN IMMEDIATE");
    try {
        create_run_tables(db);
        traces::Statement trace(db, "SELECT id FROM traces WHERE name = ?");
        trace.bind(1, run.trace);
        if (!trace.step()) throw traces::TraceError(fmt::format("{}: no trace named '{}'", db.path(), run.trace));
        traces::Statement insert(db, "INSERT INTO runs(trace_id, label, allocator, settings, started, version, summary, wall_seconds) "
                       "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, trace.column_int(0)).bind(2, run.label).bind(3, std::string(allocator_name(run.settings.allocator)));
        insert.bind(4, settings_to_json(run.settings)).bind(5, utc_iso8601(run.started));
        insert.bind(6, std::string(allocsim_version())).bind(7, summary_json(run.result.summary));
        insert.bind(8, run.wall_seconds).step();
        const std::int64_t id = sqlite3_last_insert_rowid(db.handle());
        insert_run_rows(db, run, id);
        db.exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

MergeResult merge_runs(traces::Database& into, const std::string& from) {
    std::error_code ec;
    if (!std::filesystem::exists(from, ec)) throw traces::TraceError(fmt::format("{}: no such database", from));
    {
        // Refuses a foreign or other-version file, naming it, before anything is
        // attached. A database without runs has nothing to merge.
        traces::Database source(from, traces::Database::Mode::ReadOnly);
        traces::Statement has_runs(source, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'runs'");
        has_runs.step();
        if (has_runs.column_int(0) == 0) return MergeResult{};
    }
    create_run_tables(into);
    traces::Statement attach(into, "ATTACH DATABASE ? AS merge_source");
    attach.bind(1, from).step();
    MergeResult result;
    try {
        into.exec("BEGIN IMMEDIATE");
        try {
            traces::Statement runs(into,
                "SELECT r.id, t.name, t.events, r.label, r.allocator, r.settings, r.started, r.version, r.summary, "
                "r.wall_seconds FROM merge_source.runs r JOIN merge_source.traces t ON t.id = r.trace_id ORDER BY r.id");
            traces::Statement trace(into, "SELECT id, events FROM main.traces WHERE name = ?");
            traces::Statement same(into,
                "SELECT count(*) FROM main.runs WHERE trace_id = ? AND label = ? AND started = ? AND settings = ? AND summary = ?");
            traces::Statement insert(into,
                "INSERT INTO main.runs(trace_id, label, allocator, settings, started, version, summary, wall_seconds) "
                "SELECT ?, label, allocator, settings, started, version, summary, wall_seconds FROM merge_source.runs WHERE id = ?");
            traces::Statement cpus(into,
                "INSERT INTO main.run_cpus SELECT ?, cpu, ops, work_cycles, wait_cycles, cache_hits, cache_misses, "
                "remote_frees, clock FROM merge_source.run_cpus WHERE run_id = ?");
            traces::Statement samples(into,
                "INSERT INTO main.run_samples SELECT ?, event, time, live_bytes, footprint_bytes, hit_rate, window_cycles, "
                "window_ops FROM merge_source.run_samples WHERE run_id = ?");
            while (runs.step()) {
                const std::int64_t source_id = runs.column_int(0);
                const std::string name = runs.column_text(1);
                trace.bind(1, name);
                if (!trace.step())
                    throw traces::TraceError(fmt::format("{}: run {} replays trace '{}', which {} does not hold (import "
                                                         "or generate it there first)", from, source_id, name, into.path()));
                const std::int64_t trace_id = trace.column_int(0);
                if (trace.column_int(1) != runs.column_int(2))
                    throw traces::TraceError(fmt::format("{}: trace '{}' has {} events there and {} in {}: not the same trace",
                                                         from, name, runs.column_int(2), trace.column_int(1), into.path()));
                trace.reset();
                same.bind(1, trace_id).bind(2, runs.column_text(3)).bind(3, runs.column_text(6));
                same.bind(4, runs.column_text(5)).bind(5, runs.column_text(8));
                same.step();
                const bool duplicate = same.column_int(0) > 0;
                same.reset();
                if (duplicate) {
                    ++result.already_there;
                    continue;
                }
                insert.bind(1, trace_id).bind(2, source_id).step();
                insert.reset();
                const std::int64_t id = sqlite3_last_insert_rowid(into.handle());
                cpus.bind(1, id).bind(2, source_id).step();
                cpus.reset();
                samples.bind(1, id).bind(2, source_id).step();
                samples.reset();
                result.added.push_back(id);
            }
            into.exec("COMMIT");
        } catch (...) {
            sqlite3_exec(into.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
    } catch (...) {
        sqlite3_exec(into.handle(), "DETACH DATABASE merge_source", nullptr, nullptr, nullptr);
        throw;
    }
    into.exec("DETACH DATABASE merge_source");
    return result;
}

std::vector<RunInfo> list_runs(traces::Database& db) {
    create_run_tables(db);
    traces::Statement q(db, "SELECT r.id, t.name, r.label, r.allocator, r.started, r.summary "
              "FROM runs r JOIN traces t ON t.id = r.trace_id ORDER BY r.id");
    std::vector<RunInfo> out;
    while (q.step()) {
        const ReplaySummary s = parse_summary_json(q.column_text(5));
        out.push_back(RunInfo{q.column_int(0), q.column_text(1), q.column_text(2), q.column_text(3), q.column_text(4), s.events, s.cpus,
                              s.modeled_cycles_total, s.thread_cache_hit_rate, s.utilization});
    }
    return out;
}

StoredRun load_run(traces::Database& db, std::int64_t id) {
    // Reading creates nothing: a database without runs (perhaps opened read-only)
    // simply has no run N.
    {
        traces::Statement has(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'runs'");
        has.step();
        if (has.column_int(0) == 0)
            throw traces::TraceError(fmt::format("{}: no run {} (allocsim runs lists them)", db.path(), id));
    }
    StoredRun run;
    {
        traces::Statement q(db, "SELECT t.name, r.label, r.allocator, r.started, r.version, r.settings, r.summary, r.wall_seconds "
                  "FROM runs r JOIN traces t ON t.id = r.trace_id WHERE r.id = ?");
        q.bind(1, id);
        if (!q.step())
            throw traces::TraceError(fmt::format("{}: no run {} (allocsim runs lists them)", db.path(), id));
        run = StoredRun{id, q.column_text(0), q.column_text(1), q.column_text(2), q.column_text(3), q.column_text(4), q.column_text(5), q.column_text(6), q.column_double(7), {}, {}};
    }
    traces::Statement cpus(db, "SELECT ops, work_cycles, wait_cycles, cache_hits, cache_misses, remote_frees, clock "
                 "FROM run_cpus WHERE run_id = ? ORDER BY cpu");
    cpus.bind(1, id);
    while (cpus.step())
        run.per_cpu.push_back(CpuFigures{cpus.column_u64(0), cpus.column_u64(1), cpus.column_u64(2), cpus.column_u64(3), cpus.column_u64(4), cpus.column_u64(5),
                                         cpus.column_int(6)});
    traces::Statement samples(db, "SELECT event, time, live_bytes, footprint_bytes, hit_rate, window_cycles, window_ops "
                    "FROM run_samples WHERE run_id = ? ORDER BY event");
    samples.bind(1, id);
    while (samples.step())
        run.samples.push_back(Sample{samples.column_u64(0), samples.column_int(1), samples.column_u64(2), samples.column_u64(3), samples.column_double(4),
                                     samples.column_u64(5), samples.column_u64(6)});
    return run;
}

ReplaySummary parse_summary_json(const std::string& json) {
    const FlatObject o(json);
    ReplaySummary s;
    read_whole(o, "events", s.events);
    read_whole(o, "allocs", s.allocs);
    read_whole(o, "frees", s.frees);
    read_whole(o, "reallocs", s.reallocs);
    read_whole(o, "page_allocs", s.page_allocs);
    read_whole(o, "page_frees", s.page_frees);
    read_whole(o, "failed_allocs", s.failed_allocs);
    read_whole(o, "cpus", s.cpus);
    s.thread_cache_hit_rate = o.number_or("thread_cache_hit_rate", 0);
    read_whole(o, "refills", s.refills);
    read_whole(o, "drains", s.drains);
    read_whole(o, "remote_frees", s.remote_frees);
    read_whole(o, "buddy_splits", s.buddy_splits);
    read_whole(o, "buddy_coalesces", s.buddy_coalesces);
    read_whole(o, "lock_acquires", s.lock_acquires);
    read_whole(o, "lock_contended", s.lock_contended);
    read_whole(o, "lock_wait_cycles", s.lock_wait_cycles);
    read_whole(o, "line_wait_cycles", s.line_wait_cycles);
    read_whole(o, "modeled_cycles_total", s.modeled_cycles_total);
    read_whole(o, "work_cycles_total", s.work_cycles_total);
    read_whole(o, "modeled_cycles_p50", s.modeled_cycles_p50);
    read_whole(o, "modeled_cycles_p99", s.modeled_cycles_p99);
    read_whole(o, "modeled_cycles_max", s.modeled_cycles_max);
    read_whole(o, "makespan_cycles", s.makespan_cycles);
    read_whole(o, "peak_live_bytes", s.peak_live_bytes);
    read_whole(o, "peak_footprint_bytes", s.peak_footprint_bytes);
    s.utilization = o.number_or("utilization", 0);
    s.internal_fragmentation = o.number_or("internal_fragmentation", 0);
    s.external_fragmentation = o.number_or("external_fragmentation", 0);
    FootprintBreakdown& f = s.footprint;  // runs stored before the breakdown read as zeros
    read_whole(o, "footprint_event", f.event);
    read_whole(o, "footprint_live_bytes", f.live_bytes);
    read_whole(o, "footprint_class_rounding_bytes", f.class_rounding_bytes);
    read_whole(o, "footprint_run_tail_bytes", f.run_tail_bytes);
    read_whole(o, "footprint_cached_bytes", f.cached_bytes);
    read_whole(o, "footprint_partial_free_bytes", f.partial_free_bytes);
    read_whole(o, "footprint_empty_run_bytes", f.empty_run_bytes);
    read_whole(o, "footprint_remote_pending_bytes", f.remote_pending_bytes);
    read_whole(o, "footprint_page_rounding_bytes", f.page_rounding_bytes);
    read_whole(o, "footprint_metadata_bytes", f.metadata_bytes);
    read_whole(o, "footprint_heap_free_bytes", f.heap_free_bytes);
    read_whole(o, "invariant_violations", s.invariant_violations);
    read_whole(o, "region_bytes", s.region_bytes);
    read_whole(o, "dependency_wait_cycles", s.dependency_wait_cycles);
    if (const FlatEntry* print = o.find("fingerprint"); print != nullptr && !print->is_number)
        s.fingerprint = std::strtoull(print->text.c_str(), nullptr, 16);  // runs stored before fingerprints: 0
    s.events_per_second = o.number_or("events_per_second", 0);
    return s;
}

}  // namespace allocsim::engine
