#include "traces/event_emitter.h"

#include <algorithm>

namespace allocsim::traces {

void EventEmitter::emit(TraceEvent e, std::int64_t time_ns) {
    if (time_ns != kNoTime) {
        // Importers pass times >= 0 (they reject others), so the subtraction below
        // cannot overflow; a negative time that slips through is clamped, not UB.
        time_ns = std::max<std::int64_t>(0, time_ns);
        if (time_base_ == kNoTime) time_base_ = time_ns;
        // Sources are not always monotonic across CPUs; clamp rather than go negative.
        e.time_ns = std::max<std::int64_t>(0, time_ns - time_base_);
        summary_.has_time = true;
    }
    summary_.cpus = std::max<std::uint32_t>(summary_.cpus, std::uint32_t{e.cpu} + 1);
    ++summary_.events;
    sink_.add(e);
}

void EventEmitter::alloc(std::uint64_t key, std::uint64_t size, std::uint16_t cpu, std::int64_t time_ns,
                         std::uint8_t align_log2) {
    auto [id, inserted] = live_.try_emplace(key, next_object_);
    if (!inserted) {
        // The source never freed the previous object at this address (a lost free):
        // that object stays live in the trace, and this is a new one.
        ++summary_.replaced_live;
        *id = next_object_;
    }
    const std::uint64_t object = next_object_++;
    ++summary_.allocs;
    emit(TraceEvent{kNoTime, object, size, 0, cpu, Op::Alloc, align_log2}, time_ns);
}

void EventEmitter::free(std::uint64_t key, std::uint16_t cpu, std::int64_t time_ns) {
    const std::uint64_t* id = live_.find(key);
    if (id == nullptr) {
        ++summary_.skipped_unmatched;
        return;
    }
    const std::uint64_t object = *id;
    live_.erase(key);
    ++summary_.frees;
    emit(TraceEvent{kNoTime, object, 0, 0, cpu, Op::Free, 0}, time_ns);
}

void EventEmitter::realloc(std::uint64_t old_key, std::uint64_t new_key, std::uint64_t new_size,
                           std::uint16_t cpu, std::int64_t time_ns) {
    const std::uint64_t* id = live_.find(old_key);
    if (id == nullptr) {
        ++summary_.skipped_unmatched;
        return;
    }
    const std::uint64_t object = *id;
    if (new_key != old_key) {
        live_.erase(old_key);
        auto [moved, inserted] = live_.try_emplace(new_key, object);
        if (!inserted) {
            ++summary_.replaced_live;
            *moved = object;
        }
    }
    ++summary_.reallocs;
    emit(TraceEvent{kNoTime, object, new_size, 0, cpu, Op::Realloc, 0}, time_ns);
}

void EventEmitter::page_alloc(std::uint64_t pfn, std::uint8_t order, std::uint16_t cpu, std::int64_t time_ns) {
    auto [id, inserted] = live_pages_.try_emplace(page_key(pfn, order), next_object_);
    if (!inserted) {
        ++summary_.replaced_live;
        *id = next_object_;
    }
    const std::uint64_t object = next_object_++;
    ++summary_.page_allocs;
    emit(TraceEvent{kNoTime, object, 0, 0, cpu, Op::PageAlloc, order}, time_ns);
}

void EventEmitter::page_free(std::uint64_t pfn, std::uint8_t order, std::uint16_t cpu, std::int64_t time_ns) {
    const std::uint64_t* id = live_pages_.find(page_key(pfn, order));
    if (id == nullptr) {
        ++summary_.skipped_unmatched;
        return;
    }
    const std::uint64_t object = *id;
    live_pages_.erase(page_key(pfn, order));
    ++summary_.page_frees;
    emit(TraceEvent{kNoTime, object, 0, 0, cpu, Op::PageFree, order}, time_ns);
}

}  // namespace allocsim::traces
