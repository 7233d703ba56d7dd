#include "traces/database.h"

#include <fmt/format.h>

#include <filesystem>

#include "traces/event_codec.h"
#include "traces/import_error.h"

namespace allocsim::traces {

namespace {

// "00,01,02,...,FF,": the byte whose two hex digits are XY is found at 1 + 3 * byte.
// Searching "XY," can only match at an aligned position, since every unaligned
// three-character window holds a comma in its first two characters.
std::string hex_byte_table() {
    std::string out;
    for (int b = 0; b < 256; ++b) out += fmt::format("{:02X},", b);
    return out;
}

// SQL that reads the little-endian field of `bytes` bytes at `offset` of the record
// whose hex text is column h: one lookup per byte, combined with | (an addition
// could overflow into a float). 8-byte fields above 2^63 read as negative.
std::string field_sql(int offset, int bytes) {
    static const std::string table = hex_byte_table();
    std::string out = "(";
    for (int b = 0; b < bytes; ++b) {
        if (b > 0) out += " | ";
        out += fmt::format("(((instr('{}', substr(h, {}, 2) || ',') - 1) / 3) << {})", table, 2 * (offset + b) + 1, 8 * b);
    }
    return out + ")";
}

std::string events_view_sql() {
    // The layout of traces/event_codec.h, decoded in plain SQL so that the sqlite3
    // shell can query events without any extension. For people, not tools.
    // - CROSS JOIN keeps event_chunks the outer loop (SQLite never reorders it),
    //   so a WHERE on trace_id uses the chunks' index.
    // - DISTINCT stops SQLite from flattening the inner query into the outer one.
    //   Flattened, every use of h re-evaluates substr(c.data, ...), and each of
    //   those copies the whole 64 KB chunk: 90 copies per row, 20k rows/s. Kept
    //   as a co-routine, h is computed once per row. The DISTINCT costs nothing:
    //   rows come out in the order of the (trace_id, first_seq) index and k.i, so
    //   SQLite drops it (EXPLAIN QUERY PLAN shows no temporary b-tree), and it
    //   still pushes a WHERE on trace_id down into the inner query.
    return fmt::format(
        "CREATE VIEW IF NOT EXISTS events AS\n"
        "SELECT trace_id, seq,\n"
        "  CASE WHEN {0} = -1 THEN NULL ELSE {0} END AS time_ns,\n"
        "  {1} AS cpu,\n"
        "  CASE {2} WHEN 0 THEN 'alloc' WHEN 1 THEN 'free' WHEN 2 THEN 'realloc' WHEN 3 THEN 'page_alloc' "
        "WHEN 4 THEN 'page_free' ELSE 'unknown' END AS op,\n"
        "  {3} AS object,\n"
        "  {4} AS size,\n"
        "  CASE WHEN {2} IN (3, 4) THEN NULL WHEN {5} = 0 THEN NULL ELSE 1 << {5} END AS align,\n"
        "  CASE WHEN {2} IN (3, 4) THEN {5} ELSE NULL END AS page_order,\n"
        "  NULLIF({6}, 0) AS cycles\n"
        "FROM (SELECT DISTINCT c.trace_id AS trace_id, c.first_seq AS first_seq, k.i AS i, c.first_seq + k.i AS seq,\n"
        "             hex(substr(c.data, k.i * {7} + 1, {7})) AS h\n"
        "      FROM event_chunks c CROSS JOIN chunk_index k WHERE k.i < c.count);",
        field_sql(0, 8), field_sql(28, 2), field_sql(30, 1), field_sql(8, 8), field_sql(16, 8), field_sql(31, 1),
        field_sql(24, 4), kEventRecordBytes);
}

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS allocsim_meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS traces(
  id       INTEGER PRIMARY KEY,
  name     TEXT NOT NULL UNIQUE,
  format   TEXT NOT NULL,
  source   TEXT NOT NULL,
  cpus     INTEGER NOT NULL,
  events   INTEGER NOT NULL,
  has_time INTEGER NOT NULL,
  created  TEXT NOT NULL,
  summary  TEXT NOT NULL DEFAULT '{}'
);
CREATE TABLE IF NOT EXISTS event_chunks(
  trace_id  INTEGER NOT NULL REFERENCES traces(id) ON DELETE CASCADE,
  first_seq INTEGER NOT NULL,
  count     INTEGER NOT NULL,
  data      BLOB NOT NULL,
  UNIQUE(trace_id, first_seq)
);
CREATE TABLE IF NOT EXISTS chunk_index(i INTEGER PRIMARY KEY);
)sql";

}  // namespace

Database::Database(const std::string& path, Mode mode) : path_(path) {
    const int flags = mode == Mode::ReadOnly ? SQLITE_OPEN_READONLY
                      : mode == Mode::Existing ? SQLITE_OPEN_READWRITE
                                               : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
    if (mode == Mode::Existing) {
        std::error_code ec;
        if (!std::filesystem::exists(path, ec))
            throw TraceError(fmt::format("{}: no such database (allocsim gen or allocsim import creates one)", path));
    }
    if (sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
        const std::string why = db_ ? sqlite3_errmsg(db_) : "out of memory";
        sqlite3_close(db_);
        db_ = nullptr;
        throw TraceError(fmt::format("{}: cannot open database: {}", path, why));
    }
    sqlite3_busy_timeout(db_, 5000);
    sqlite3_extended_result_codes(db_, 1);
    try {
        // 64 KiB pages, set before anything creates the file's header (a no-op on an
        // existing database): a whole chunk then lives on one page, so SQLite reads
        // it in place instead of following an overflow chain, which is what makes
        // the row-by-row `events` view usable (see kEventsPerChunk).
        if (mode != Mode::ReadOnly) exec("PRAGMA page_size=65536");
        if (mode != Mode::ReadOnly) exec("PRAGMA journal_mode=WAL");
        // NORMAL is WAL's own durability level: a commit survives the process being
        // killed (what the kill -9 test checks); only a power cut may lose the last
        // commits, never consistency. FULL would fsync on every commit.
        exec("PRAGMA synchronous=NORMAL");
        exec("PRAGMA foreign_keys=ON");
        create_or_check_schema();
    } catch (...) {
        sqlite3_close(db_);
        db_ = nullptr;
        throw;
    }
}

Database::~Database() { sqlite3_close(db_); }

void Database::exec(const char* sql) {
    char* error = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
        std::string why = error ? error : sqlite3_errmsg(db_);
        sqlite3_free(error);
        if (why.find("file is not a database") != std::string::npos)
            throw TraceError(fmt::format("{}: not an SQLite database", path_));
        throw TraceError(fmt::format("{}: {}", path_, why));
    }
}

void Database::create_or_check_schema() {
    // A file with tables but no allocsim_meta is someone else's database: refuse it
    // rather than add tables to it.
    Statement tables(*this, "SELECT count(*) FROM sqlite_schema WHERE type = 'table'");
    tables.step();
    const std::int64_t table_count = tables.column_int(0);
    Statement meta(*this, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'allocsim_meta'");
    meta.step();
    if (meta.column_int(0) == 0) {
        if (table_count > 0) throw TraceError(fmt::format("{}: not an allocsim database (it has other tables)", path_));
        exec("BEGIN IMMEDIATE");
        try {
            exec(kSchema);
            exec(events_view_sql().c_str());
            Statement fill(*this, "INSERT INTO chunk_index(i) VALUES (?)");
            for (int i = 0; i < kEventsPerChunk; ++i) {
                fill.bind(1, i);
                fill.step();
                fill.reset();
            }
            Statement version(*this, "INSERT INTO allocsim_meta(key, value) VALUES ('schema_version', ?)");
            version.bind(1, std::to_string(kSchemaVersion));
            version.step();
            exec("COMMIT");
        } catch (...) {
            sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
            throw;
        }
        return;
    }
    Statement version(*this, "SELECT value FROM allocsim_meta WHERE key = 'schema_version'");
    if (!version.step()) throw TraceError(fmt::format("{}: allocsim database without a schema version", path_));
    const std::string v = version.column_text(0);
    if (v != std::to_string(kSchemaVersion))
        throw TraceError(fmt::format("{}: schema version {} (this allocsim reads version {})", path_, v, kSchemaVersion));
}

std::vector<TraceInfo> Database::traces() {
    std::vector<TraceInfo> out;
    Statement s(*this, "SELECT id, name, format, source, cpus, events, has_time, created, summary FROM traces ORDER BY id");
    while (s.step()) {
        out.push_back(TraceInfo{s.column_int(0), s.column_text(1), s.column_text(2), s.column_text(3),
                                static_cast<std::uint32_t>(s.column_int(4)), static_cast<std::uint64_t>(s.column_int(5)),
                                s.column_int(6) != 0, s.column_text(7), s.column_text(8)});
    }
    return out;
}

std::optional<TraceInfo> Database::find_trace(const std::string& name) {
    for (TraceInfo& t : traces())
        if (t.name == name) return t;
    return std::nullopt;
}

Statement::Statement(Database& db, const char* sql) : db_(db) {
    if (sqlite3_prepare_v2(db.handle(), sql, -1, &stmt_, nullptr) != SQLITE_OK) {
        const std::string why = sqlite3_errmsg(db.handle());
        if (why.find("file is not a database") != std::string::npos)
            throw TraceError(fmt::format("{}: not an SQLite database", db.path()));
        throw TraceError(fmt::format("{}: {}", db.path(), why));
    }
}

Statement::~Statement() { sqlite3_finalize(stmt_); }

Statement& Statement::bind_int(int index, std::int64_t value) {
    sqlite3_bind_int64(stmt_, index, value);
    return *this;
}

Statement& Statement::bind(int index, double value) {
    sqlite3_bind_double(stmt_, index, value);
    return *this;
}
Statement& Statement::bind(int index, const std::string& value) {
    sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
    return *this;
}
Statement& Statement::bind_blob(int index, const void* data, std::size_t bytes) {
    sqlite3_bind_blob64(stmt_, index, data, bytes, SQLITE_STATIC);
    return *this;
}

bool Statement::step() {
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    throw TraceError(fmt::format("{}: {}", db_.path(), sqlite3_errmsg(db_.handle())));
}

void Statement::reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
}

std::string Statement::column_text(int i) {
    const unsigned char* t = sqlite3_column_text(stmt_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)))
             : std::string();
}

}  // namespace allocsim::traces
