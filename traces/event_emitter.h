// EventEmitter: what every importer, generator and the recorder share. It turns
// source-level facts ("pointer P was allocated with N bytes on CPU c at time t")
// into trace events with dense object ids, and keeps the summary.
//
// Object identity: a source key (a pointer, a malloclab id, a page frame number)
// maps to an object id while the object is live. A free ends the mapping, so an
// address reused after a free becomes a new object. Memory stays proportional to
// the live objects, not to the trace.
//
// Unmatched events: a free or realloc of a key that is not live happens in real
// logs when the object was allocated before tracing began. It is skipped and
// counted (skipped_unmatched), never an error.
#pragma once

#include <cstdint>

#include "traces/event_sink.h"
#include "traces/import_summary.h"
#include "traces/u64_map.h"

namespace allocsim::traces {

class EventEmitter {
public:
    explicit EventEmitter(EventSink& sink) : sink_(sink) {}

    // Times are in ns on the source's clock, or kNoTime; the trace starts at 0.
    void alloc(std::uint64_t key, std::uint64_t size, std::uint16_t cpu, std::int64_t time_ns,
               std::uint8_t align_log2 = 0);
    void free(std::uint64_t key, std::uint16_t cpu, std::int64_t time_ns);
    // The object at old_key now lives at new_key (they may be equal) with new_size bytes.
    void realloc(std::uint64_t old_key, std::uint64_t new_key, std::uint64_t new_size, std::uint16_t cpu,
                 std::int64_t time_ns);
    void page_alloc(std::uint64_t pfn, std::uint8_t order, std::uint16_t cpu, std::int64_t time_ns);
    void page_free(std::uint64_t pfn, std::uint8_t order, std::uint16_t cpu, std::int64_t time_ns);

    // free(NULL) frees nothing the trace allocated: skipped and counted with the
    // unmatched frees, never an event.
    void count_null_free() { ++summary_.skipped_unmatched; }
    void count_malformed() { ++summary_.malformed; }
    void count_failed_realloc() { ++summary_.failed_reallocs; }
    void set_lines(std::uint64_t lines) { summary_.lines = lines; }

    const ImportSummary& summary() const { return summary_; }
    std::size_t live_objects() const { return live_.size() + live_pages_.size(); }

private:
    void emit(TraceEvent e, std::int64_t time_ns);
    static std::uint64_t page_key(std::uint64_t pfn, std::uint8_t order) { return (pfn << 6) | order; }

    EventSink& sink_;
    ImportSummary summary_;
    U64Map<std::uint64_t> live_;        // key -> object id
    U64Map<std::uint64_t> live_pages_;  // page_key -> object id
    std::uint64_t next_object_ = 0;
    std::int64_t time_base_ = kNoTime;
};

}  // namespace allocsim::traces
