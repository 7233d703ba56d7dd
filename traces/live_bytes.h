// LiveBytes: the requested bytes of a trace's live objects as the events go by, and
// their peak. Every stored trace records its peak (the TraceWriter runs one), so the
// replay can size its region without a first pass over the trace.
//
// Objects follow the trace's own rules: an alloc of an object id already live is
// ignored (the trace is malformed there; the replay reports it), a free or realloc
// of an object that is not live changes nothing, and an object never freed stays
// live to the end. Memory follows the live objects, not the trace's length.
#pragma once

#include <algorithm>
#include <cstdint>

#include "traces/trace_event.h"
#include "traces/u64_map.h"

namespace allocsim::traces {

class LiveBytes {
public:
    void on(const TraceEvent& e) {
        switch (e.op) {
            case Op::Alloc:
            case Op::PageAlloc: {
                const std::uint64_t bytes = e.op == Op::Alloc ? e.size : page_block_bytes(e.arg);
                if (live_.try_emplace(e.object, bytes).second) now_ += bytes;
                break;
            }
            case Op::Realloc:
                if (std::uint64_t* bytes = live_.find(e.object)) {
                    now_ = now_ - *bytes + e.size;
                    *bytes = e.size;
                }
                break;
            case Op::Free:
            case Op::PageFree:
                if (std::uint64_t bytes = 0; live_.erase(e.object, &bytes)) now_ -= bytes;
                break;
        }
        peak_ = std::max(peak_, now_);
    }

    std::uint64_t now() const { return now_; }
    std::uint64_t peak() const { return peak_; }

private:
    U64Map<std::uint64_t> live_;  // object -> requested bytes
    std::uint64_t now_ = 0, peak_ = 0;
};

}  // namespace allocsim::traces
