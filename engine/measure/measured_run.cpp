#include "engine/measure/measured_run.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <algorithm>
#include <cstring>

#include "engine/measure/clock_check.h"
#include "engine/replay/flat_json.h"
#include "traces/import_error.h"

namespace allocsim::engine {

namespace {

constexpr const char* kMeasuredTables = R"sql(
CREATE TABLE IF NOT EXISTS measured_runs(
  id             INTEGER PRIMARY KEY,
  trace_id       INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  label          TEXT NOT NULL DEFAULT '',
  source         TEXT NOT NULL,
  clock          TEXT NOT NULL,
  started        TEXT,
  version        TEXT,
  settings       TEXT,
  runners        INTEGER NOT NULL,
  repeats        INTEGER NOT NULL DEFAULT 1,
  timer_overhead INTEGER NOT NULL,
  timer_overhead_mean REAL NOT NULL,
  wall_seconds   REAL,
  actions        TEXT,
  events         INTEGER NOT NULL,
  median_cycles  INTEGER NOT NULL,
  cycle_accurate INTEGER,
  clock_note     TEXT,
  qemu_cpu       TEXT
);
CREATE TABLE IF NOT EXISTS measured_chunks(
  run_id  INTEGER NOT NULL REFERENCES measured_runs(id) ON DELETE CASCADE,
  chunk   INTEGER NOT NULL,
  records BLOB NOT NULL,
  PRIMARY KEY(run_id, chunk)
);
)sql";

constexpr std::size_t kChunkOps = 65536;

// Whether the measured runs' tables are there (reading creates nothing, so that a
// database opened read-only can be read).
bool has_measured_tables(traces::Database& db) {
    traces::Statement q(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'measured_runs'");
    q.step();
    return q.column_int(0) > 0;
}

bool has_clock_verdict(traces::Database& db) {
    traces::Statement has(db, "SELECT count(*) FROM pragma_table_info('measured_runs') WHERE name = 'cycle_accurate'");
    has.step();
    return has.column_int(0) > 0;
}

// The verdict of a row: stored, or for a row from before verdicts, from its clock.
void read_verdict(traces::Statement& q, int column, const std::string& clock, bool& accurate, std::string& note) {
    if (q.column_is_null(column)) {
        const ClockVerdict v = legacy_clock_verdict(clock);
        accurate = v.cycle_accurate;
        note = v.note;
    } else {
        accurate = q.column_int(column) != 0;
        note = q.column_text(column + 1);
    }
}

void create_measured_tables(traces::Database& db) {
    db.exec(kMeasuredTables);
    // Tables made before `repeats` existed (the first measured runs) gain it.
    traces::Statement has(db, "SELECT count(*) FROM pragma_table_info('measured_runs') WHERE name = 'repeats'");
    has.step();
    if (has.column_int(0) == 0) db.exec("ALTER TABLE measured_runs ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1");
    // And those made before runs were judged (clock_check.h) gain the verdict, NULL
    // for their old rows: read as legacy_clock_verdict().
    if (!has_clock_verdict(db)) {
        db.exec("ALTER TABLE measured_runs ADD COLUMN cycle_accurate INTEGER");
        db.exec("ALTER TABLE measured_runs ADD COLUMN clock_note TEXT");
        db.exec("ALTER TABLE measured_runs ADD COLUMN qemu_cpu TEXT");
    }
}

std::uint64_t median_cycles(const std::vector<measure::MeasuredOp>& ops) {
    if (ops.empty()) return 0;
    std::vector<std::uint32_t> c(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) c[i] = ops[i].cycles;
    std::nth_element(c.begin(), c.begin() + static_cast<std::ptrdiff_t>(c.size() / 2), c.end());
    return c[c.size() / 2];
}

}  // namespace

MeasuredRun combine_repeats(std::vector<MeasuredRun>&& runs) {
    MeasuredRun out = std::move(runs.front());
    const std::size_t n = runs.size();
    out.repeats = static_cast<std::uint32_t>(n);
    if (n == 1) return out;
    double bias = out.timer_overhead_mean - static_cast<double>(out.timer_overhead);
    for (std::size_t r = 1; r < n; ++r) {
        out.wall_seconds += runs[r].wall_seconds;
        bias += runs[r].timer_overhead_mean - static_cast<double>(runs[r].timer_overhead);
    }
    out.timer_overhead_mean = static_cast<double>(out.timer_overhead) + bias / static_cast<double>(n);
    std::vector<std::uint32_t> cycles;
    for (std::size_t i = 0; i < out.ops.size(); ++i) {
        measure::MeasuredOp& m = out.ops[i];
        cycles.assign(1, m.cycles);
        for (std::size_t r = 1; r < n; ++r)
            if (runs[r].ops[i].kinds == m.kinds) cycles.push_back(runs[r].ops[i].cycles);
        std::nth_element(cycles.begin(), cycles.begin() + static_cast<std::ptrdiff_t>(cycles.size() / 2), cycles.end());
        m.cycles = cycles[cycles.size() / 2];
    }
    return out;
}

std::string actions_json(const std::array<std::uint64_t, kActionKindCount>& actions) {
    std::string out = "{";
    for (int k = 0; k < kActionKindCount; ++k)
        out += fmt::format("{}\"{}\": {}", k == 0 ? "" : ", ", action_name(static_cast<ActionKind>(k)), actions[static_cast<std::size_t>(k)]);
    out += "}";
    return out;
}

std::int64_t store_measured_run(traces::Database& db, const MeasuredRun& run) {
    db.exec("BEGIN IMMEDIATE");
    try {
        create_measured_tables(db);
        traces::Statement trace(db, "SELECT id, events FROM traces WHERE name = ?");
        trace.bind(1, run.trace);
        if (!trace.step()) throw traces::TraceError(fmt::format("{}: no trace named '{}'", db.path(), run.trace));
        if (trace.column_u64(1) != run.ops.size())
            throw traces::TraceError(fmt::format("{}: trace '{}' has {} events but the measured run has {} records",
                                                 db.path(), run.trace, trace.column_u64(1), run.ops.size()));
        traces::Statement insert(db,
            "INSERT INTO measured_runs(trace_id, label, source, clock, started, version, settings, runners, timer_overhead, "
            "timer_overhead_mean, wall_seconds, actions, events, median_cycles, repeats, cycle_accurate, clock_note, qemu_cpu) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
        insert.bind(1, trace.column_int(0)).bind(2, run.label).bind(3, run.source).bind(4, run.clock);
        insert.bind(5, run.started).bind(6, run.version).bind(7, run.settings_json).bind(8, run.runners);
        insert.bind(9, run.timer_overhead).bind(10, run.timer_overhead_mean).bind(11, run.wall_seconds);
        insert.bind(12, actions_json(run.actions)).bind(13, run.ops.size()).bind(14, median_cycles(run.ops)).bind(15, run.repeats);
        insert.bind(16, run.cycle_accurate ? 1 : 0).bind(17, run.clock_note).bind(18, run.qemu_cpu).step();
        const std::int64_t id = sqlite3_last_insert_rowid(db.handle());
        traces::Statement chunk(db, "INSERT INTO measured_chunks(run_id, chunk, records) VALUES (?, ?, ?)");
        for (std::size_t first = 0, n = 0; first < run.ops.size(); first += kChunkOps, ++n) {
            const std::size_t count = std::min(kChunkOps, run.ops.size() - first);
            chunk.bind(1, id).bind(2, n).bind_blob(3, run.ops.data() + first, count * sizeof(measure::MeasuredOp));
            chunk.step();
            chunk.reset();
        }
        db.exec("COMMIT");
        return id;
    } catch (...) {
        sqlite3_exec(db.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        throw;
    }
}

MeasuredRun load_measured_run(traces::Database& db, std::int64_t id) {
    if (!has_measured_tables(db))
        throw traces::TraceError(fmt::format("{}: no measured run {} (allocsim runs --measured lists them)", db.path(), id));
    MeasuredRun run;
    std::uint64_t events = 0;
    {
        // A table made before `repeats` existed reads as one replay each (it is not
        // altered here: reading writes nothing).
        traces::Statement has(db, "SELECT count(*) FROM pragma_table_info('measured_runs') WHERE name = 'repeats'");
        has.step();
        const bool repeats = has.column_int(0) > 0;
        const bool verdicts = has_clock_verdict(db);
        const std::string sql = std::string(
            "SELECT t.name, r.label, r.source, r.clock, r.started, r.version, r.settings, r.runners, r.timer_overhead, "
            "r.wall_seconds, r.actions, r.events, r.timer_overhead_mean, ") + (repeats ? "r.repeats" : "1") +
            (verdicts ? ", r.cycle_accurate, r.clock_note, r.qemu_cpu" : ", NULL, NULL, NULL") +
            " FROM measured_runs r JOIN traces t ON t.id = r.trace_id WHERE r.id = ?";
        traces::Statement q(db, sql.c_str());
        q.bind(1, id);
        if (!q.step())
            throw traces::TraceError(fmt::format("{}: no measured run {} (allocsim runs --measured lists them)", db.path(), id));
        run.id = id;
        run.trace = q.column_text(0);
        run.label = q.column_text(1);
        run.source = q.column_text(2);
        run.clock = q.column_text(3);
        run.started = q.column_text(4);
        run.version = q.column_text(5);
        run.settings_json = q.column_text(6);
        run.runners = static_cast<std::uint32_t>(q.column_int(7));
        run.timer_overhead = q.column_u64(8);
        run.wall_seconds = q.column_double(9);
        const FlatObject actions(q.column_text(10));
        for (int k = 0; k < kActionKindCount; ++k)
            run.actions[static_cast<std::size_t>(k)] =
                static_cast<std::uint64_t>(actions.number_or(action_name(static_cast<ActionKind>(k)), 0));
        events = q.column_u64(11);
        run.timer_overhead_mean = q.column_double(12);
        run.repeats = static_cast<std::uint32_t>(q.column_int(13));
        read_verdict(q, 14, run.clock, run.cycle_accurate, run.clock_note);
        run.qemu_cpu = q.column_text(16);
    }
    run.ops.reserve(events);
    traces::Statement chunks(db, "SELECT chunk, records FROM measured_chunks WHERE run_id = ? ORDER BY chunk");
    chunks.bind(1, id);
    std::int64_t expected = 0;
    while (chunks.step()) {
        const std::size_t bytes = chunks.column_bytes(1);
        if (chunks.column_int(0) != expected || bytes % sizeof(measure::MeasuredOp) != 0)
            throw traces::TraceError(fmt::format("{}: measured run {}: chunk {} is damaged", db.path(), id, expected));
        const std::size_t n = bytes / sizeof(measure::MeasuredOp);
        const std::size_t at = run.ops.size();
        run.ops.resize(at + n);
        if (n != 0) std::memcpy(run.ops.data() + at, chunks.column_blob(1), bytes);
        ++expected;
    }
    if (run.ops.size() != events)
        throw traces::TraceError(fmt::format("{}: measured run {} holds {} records, not the {} it should", db.path(), id,
                                             run.ops.size(), events));
    return run;
}

std::vector<MeasuredRunInfo> list_measured_runs(traces::Database& db) {
    if (!has_measured_tables(db)) return {};
    const std::string sql = std::string("SELECT r.id, t.name, r.label, r.source, r.clock, r.started, r.runners, r.events, "
                                        "r.median_cycles, ") +
                            (has_clock_verdict(db) ? "r.cycle_accurate, r.clock_note" : "NULL, NULL") +
                            " FROM measured_runs r JOIN traces t ON t.id = r.trace_id ORDER BY r.id";
    traces::Statement q(db, sql.c_str());
    std::vector<MeasuredRunInfo> out;
    while (q.step()) {
        MeasuredRunInfo info;
        info.id = q.column_int(0);
        info.trace = q.column_text(1);
        info.label = q.column_text(2);
        info.source = q.column_text(3);
        info.clock = q.column_text(4);
        info.started = q.column_text(5);
        info.runners = static_cast<std::uint32_t>(q.column_int(6));
        info.events = q.column_u64(7);
        info.median_cycles = q.column_u64(8);
        read_verdict(q, 9, info.clock, info.cycle_accurate, info.clock_note);
        out.push_back(std::move(info));
    }
    return out;
}

}  // namespace allocsim::engine
