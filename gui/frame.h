// What the session's worker thread hands the views after each move: the core's
// state at the current event, the event just applied and what it did, and the
// figures so far. Immutable once made; shared between the views.
#pragma once

#include <QMetaType>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/replay/core_snapshot.h"
#include "engine/replay/replay_result.h"
#include "engine/replay/replay_session.h"

namespace allocsim::gui {

struct Frame {
    std::uint64_t position = 0;  // events applied; the current event is position - 1
    std::uint64_t events = 0;    // in the trace
    std::uint32_t cpus = 0;
    bool time_order = false;     // steps follow simulated time (a run replayed with order=time)
    engine::CoreSnapshot core;
    std::optional<engine::StepRecord> last;  // the current event, when it was stepped into
    engine::ReplaySummary summary;
    std::uint64_t live_bytes = 0;
    int slab_class = 0;
    std::vector<engine::SlabRunView> slab_runs;  // of slab_class
    double events_per_second = 0;                // while running fast or express
    bool gauge_only = false;                     // express runs: position and rate only
};

using FramePtr = std::shared_ptr<const Frame>;
using OverviewPtr = std::shared_ptr<const engine::TraceOverview>;

// Where "run until" stops.
enum class StopAt : int { Event, Split, Coalesce, Miss, RemoteFree, Failure, Breakpoint };

// How play runs: every event drawn and animated, frames at 60 per second, or no
// drawing at all until paused (OMNeT++'s run modes).
enum class RunMode : int { Animated, Fast, Express };

}  // namespace allocsim::gui

Q_DECLARE_METATYPE(allocsim::gui::FramePtr)
Q_DECLARE_METATYPE(allocsim::gui::OverviewPtr)
