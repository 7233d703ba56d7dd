// What an import (or a generation, or a recording) produced and what it skipped.
// `--json` prints it as one object with these keys.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace allocsim::traces {

struct ImportSummary {
    std::uint64_t events = 0;
    std::uint64_t allocs = 0;
    std::uint64_t frees = 0;
    std::uint64_t reallocs = 0;
    std::uint64_t page_allocs = 0;
    std::uint64_t page_frees = 0;
    std::uint64_t skipped_unmatched = 0;  // free/realloc of an object the trace never allocated, free(NULL)
    std::uint64_t malformed = 0;          // lines skipped under --lenient
    std::uint64_t failed_reallocs = 0;    // mtrace '!': the old block stays allocated
    std::uint64_t replaced_live = 0;      // an address allocated again without a free in between
    std::uint64_t lines = 0;              // input lines read (0 for generators)
    std::uint64_t peak_live_bytes = 0;    // the highest sum of requested bytes of live objects
    std::uint32_t cpus = 0;               // 1 + the highest CPU index
    bool has_time = false;
    // The trace's layout, which a simulated-time replay needs before it starts: the
    // index of each CPU's last event (kNoEvent: none), and whether every event has a
    // time and the times never go back. Stored by the TraceWriter; empty, and not
    // printed, in a summary that did not come from one.
    std::vector<std::uint64_t> last_event_by_cpu;
    bool times_monotone = false;

    std::string to_json() const;

private:
    std::string layout_json() const;
};

// The peak_live_bytes a stored summary (to_json's text) records; nullopt for a trace
// stored before summaries had it.
std::optional<std::uint64_t> stored_peak_live_bytes(std::string_view summary_json);

inline constexpr std::uint64_t kNoEvent = UINT64_MAX;

struct TraceLayout {
    std::vector<std::uint64_t> last_event_by_cpu;  // per trace CPU; kNoEvent: it has none
    bool times_monotone = false;
};
// The layout a stored summary records; nullopt for a trace stored before summaries
// had it (the replay then finds it with one pass over the events).
std::optional<TraceLayout> stored_layout(std::string_view summary_json);

}  // namespace allocsim::traces
