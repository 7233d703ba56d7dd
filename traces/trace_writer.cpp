#include "traces/trace_writer.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>

#include "traces/event_codec.h"
#include "traces/import_error.h"

namespace allocsim::traces {

void validate_trace_name(const std::string& name) {
    if (name.empty() || name.size() > 200) throw TraceError("a trace name has 1 to 200 characters");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7F) throw TraceError(fmt::format("trace name '{}' holds a control character", name));
}

TraceWriter::TraceWriter(Database& db, std::string name, std::string format, std::string source, IfExists if_exists)
    : db_(db),
      insert_chunk_(db, "INSERT INTO event_chunks(trace_id, first_seq, count, data) VALUES (?, ?, ?, ?)") {
    validate_trace_name(name);
    db_.exec("BEGIN IMMEDIATE");
    open_ = true;
    // A constructor that throws runs no destructor: roll back here.
    try {
        claim(std::move(name), std::move(format), std::move(source), if_exists);
    } catch (...) {
        sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
        open_ = false;
        throw;
    }
    buffer_.reserve(kEventsPerChunk * kEventRecordBytes);
}

void TraceWriter::claim(std::string name, std::string format, std::string source, IfExists if_exists) {
    {
        Statement existing(db_, "SELECT id FROM traces WHERE name = ?");
        existing.bind(1, name);
        if (existing.step()) {
            if (if_exists == IfExists::Fail)
                throw TraceError(fmt::format("{}: a trace named '{}' exists already (use --replace, or another --name)",
                                             db_.path(), name));
            Statement drop(db_, "DELETE FROM traces WHERE id = ?");
            drop.bind(1, existing.column_int(0));
            drop.step();
        }
    }
    info_.name = std::move(name);
    info_.format = std::move(format);
    info_.source = std::move(source);
    info_.created = fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", fmt::gmtime(std::chrono::system_clock::to_time_t(
                                                            std::chrono::system_clock::now())));
    Statement insert(db_, "INSERT INTO traces(name, format, source, cpus, events, has_time, created) VALUES (?, ?, ?, 0, 0, 0, ?)");
    insert.bind(1, info_.name).bind(2, info_.format).bind(3, info_.source).bind(4, info_.created);
    insert.step();
    info_.id = sqlite3_last_insert_rowid(db_.handle());
}

TraceWriter::~TraceWriter() {
    if (open_) sqlite3_exec(db_.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
}

void TraceWriter::add(const TraceEvent& event) {
    const std::size_t at = buffer_.size();
    buffer_.resize(at + kEventRecordBytes);
    encode_event(event, buffer_.data() + at);
    live_.on(event);
    if (event.cpu >= last_event_by_cpu_.size()) last_event_by_cpu_.resize(event.cpu + 1, kNoEvent);
    last_event_by_cpu_[event.cpu] = next_seq_;
    if (event.time_ns == kNoTime || event.time_ns < last_time_) times_monotone_ = false;
    else last_time_ = event.time_ns;
    ++next_seq_;
    if (buffer_.size() == kEventsPerChunk * kEventRecordBytes) flush();
}

void TraceWriter::flush() {
    if (buffer_.empty()) return;
    const std::uint64_t count = buffer_.size() / kEventRecordBytes;
    insert_chunk_.bind(1, info_.id)
        .bind(2, static_cast<std::int64_t>(chunk_first_))
        .bind(3, static_cast<std::int64_t>(count))
        .bind_blob(4, buffer_.data(), buffer_.size());
    insert_chunk_.step();
    insert_chunk_.reset();
    chunk_first_ += count;
    buffer_.clear();
}

TraceInfo TraceWriter::commit(const ImportSummary& summary) {
    flush();
    info_.cpus = summary.cpus;
    info_.events = next_seq_;
    info_.has_time = summary.has_time;
    ImportSummary stored = summary;
    stored.peak_live_bytes = live_.peak();
    stored.last_event_by_cpu = last_event_by_cpu_;
    stored.times_monotone = times_monotone_ && next_seq_ != 0;
    info_.summary = stored.to_json();
    Statement update(db_, "UPDATE traces SET cpus = ?, events = ?, has_time = ?, summary = ? WHERE id = ?");
    update.bind(1, info_.cpus)
        .bind(2, static_cast<std::int64_t>(info_.events))
        .bind(3, info_.has_time ? 1 : 0)
        .bind(4, info_.summary)
        .bind(5, info_.id);
    update.step();
    db_.exec("COMMIT");
    open_ = false;
    return info_;
}

}  // namespace allocsim::traces
