// Database: one SQLite file holding many traces (and, later, runs). Opening checks
// that the file is an allocsim database of the schema version this build knows,
// creating the schema in a new or empty file. WAL mode: readers never block the
// one writer, and a killed writer leaves the last committed state.
#pragma once

#include <sqlite3.h>

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace allocsim::traces {

inline constexpr int kSchemaVersion = 1;

struct TraceInfo {
    std::int64_t id = 0;
    std::string name;
    std::string format;   // mtrace, malloclab, ftrace, csv, gen, record
    std::string source;   // the file, the generator and its options, or the command line
    std::uint32_t cpus = 0;
    std::uint64_t events = 0;
    bool has_time = false;
    std::string created;  // UTC, ISO 8601
    std::string summary;  // the import summary as JSON
};

class Statement;

class Database {
public:
    // ReadWrite creates the file if there is none; Existing (read-write too) refuses
    // a missing file, for commands that read a trace and must not leave an empty
    // database behind a typo.
    enum class Mode { ReadWrite, ReadOnly, Existing };

    // Throws TraceError naming the file if it cannot be opened, is not an SQLite
    // database, or holds another schema version.
    explicit Database(const std::string& path, Mode mode = Mode::ReadWrite);
    ~Database();
    Database(const Database&) = delete;
    Database& operator=(const Database&) = delete;

    const std::string& path() const { return path_; }
    sqlite3* handle() { return db_; }

    // Runs SQL with no result rows; throws TraceError with SQLite's message.
    void exec(const char* sql);

    std::vector<TraceInfo> traces();
    std::optional<TraceInfo> find_trace(const std::string& name);

private:
    void create_or_check_schema();

    std::string path_;
    sqlite3* db_ = nullptr;
};

// A prepared statement, finalized on scope exit.
class Statement {
public:
    Statement(Database& db, const char* sql);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Any integer, stored as an int64: a uint64 keeps its bits, and column_u64 reads
    // it back exactly.
    template <class T>
        requires std::integral<T>
    Statement& bind(int index, T value) { return bind_int(index, static_cast<std::int64_t>(value)); }
    Statement& bind_int(int index, std::int64_t value);
    Statement& bind(int index, double value);
    Statement& bind(int index, const std::string& value);
    Statement& bind_blob(int index, const void* data, std::size_t bytes);
    // True while there is a row; false when done. Throws TraceError on errors.
    bool step();
    void reset();

    std::int64_t column_int(int i) { return sqlite3_column_int64(stmt_, i); }
    std::uint64_t column_u64(int i) { return static_cast<std::uint64_t>(sqlite3_column_int64(stmt_, i)); }
    double column_double(int i) { return sqlite3_column_double(stmt_, i); }
    bool column_is_null(int i) { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }
    std::string column_text(int i);
    const unsigned char* column_blob(int i) { return static_cast<const unsigned char*>(sqlite3_column_blob(stmt_, i)); }
    std::size_t column_bytes(int i) { return static_cast<std::size_t>(sqlite3_column_bytes(stmt_, i)); }

private:
    Database& db_;
    sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace allocsim::traces
