// TraceWriter: writes one trace into the database inside one transaction. Events
// are buffered into chunks of kEventsPerChunk records and stored as blobs. Until
// commit() nothing is visible; if the writer is destroyed first (an error, an
// exception, Ctrl-C unwinding) or the process dies, the database is exactly as it
// was: SQLite's WAL discards the uncommitted transaction.
#pragma once

#include <string>
#include <vector>

#include "traces/database.h"
#include "traces/event_sink.h"
#include "traces/import_summary.h"
#include "traces/live_bytes.h"

namespace allocsim::traces {

enum class IfExists { Fail, Replace };

class TraceWriter final : public EventSink {
public:
    // Begins the transaction and claims the name. Throws TraceError if the name is
    // invalid or taken (unless Replace: the old trace is deleted in this transaction).
    TraceWriter(Database& db, std::string name, std::string format, std::string source,
                IfExists if_exists = IfExists::Fail);
    ~TraceWriter() override;
    TraceWriter(const TraceWriter&) = delete;
    TraceWriter& operator=(const TraceWriter&) = delete;

    void add(const TraceEvent& event) override;
    std::uint64_t events() const { return next_seq_; }

    // Stores the last chunk, the counts and the summary (with the peak live bytes
    // this writer saw, whatever `summary` says), and commits.
    TraceInfo commit(const ImportSummary& summary);

private:
    void claim(std::string name, std::string format, std::string source, IfExists if_exists);
    void flush();

    Database& db_;
    Statement insert_chunk_;
    TraceInfo info_;
    std::vector<unsigned char> buffer_;
    LiveBytes live_;
    std::vector<std::uint64_t> last_event_by_cpu_;  // the layout (import_summary.h)
    bool times_monotone_ = true;
    std::int64_t last_time_ = INT64_MIN;
    std::uint64_t next_seq_ = 0;
    std::uint64_t chunk_first_ = 0;
    bool open_ = false;
};

// Checks a trace name: 1..200 printable characters. Throws TraceError.
void validate_trace_name(const std::string& name);

}  // namespace allocsim::traces
