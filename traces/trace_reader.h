// TraceReader: streams a stored trace chunk by chunk, in sequence order. Memory
// stays at one chunk. A stored trace that does not decode (a gap in the sequence,
// a blob of the wrong length, an unknown op) is reported with the event index.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "traces/database.h"
#include "traces/trace_event.h"

namespace allocsim::traces {

class TraceReader {
public:
    // Throws TraceError if there is no trace of that name.
    TraceReader(Database& db, const std::string& name);
    ~TraceReader();
    TraceReader(const TraceReader&) = delete;
    TraceReader& operator=(const TraceReader&) = delete;

    const TraceInfo& info() const { return info_; }

    // Replaces `out` with the next chunk's events; false (and `out` empty) when the
    // trace is done. After a TraceError, `out` holds nothing to use.
    bool next_chunk(std::vector<TraceEvent>& out);

    // The next chunk's records as stored (traces/event_codec.h), checked: `count`
    // records, every op known; decode each with decode_event. They stay valid until
    // the next call. For the replay, which decodes each event as it goes instead of
    // copying the chunk out first. False when the trace is done.
    bool next_records(const unsigned char*& records, std::size_t& count);

    // Goes back or forward to the chunk that holds event `event` (< info().events):
    // the next chunk read starts there. Returns that chunk's first event, so the
    // caller skips event - first events of it.
    std::uint64_t seek(std::uint64_t event);

private:
    Database& db_;
    TraceInfo info_;
    Statement select_;
    std::uint64_t next_seq_ = 0;
    std::optional<std::int64_t> saved_cache_size_;  // the connection's page cache size, restored on destruction
};

}  // namespace allocsim::traces
