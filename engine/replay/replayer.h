// The replay: streams a stored trace through the real core, one modeled CPU per
// ThreadCache, and prices every operation with the cost model in simulated time.
//
// Order and time. With settings.order = Trace, events run in trace order, which is
// the causal order (an object is freed after it is allocated, by whichever CPU);
// with Time, in simulated-time order from a future event set, an operation on an
// object waiting for the trace's previous one on it (replay_machine.h,
// run_in_time_order; docs/ENGINE.md says what each captures). Each modeled CPU has its own
// clock; an operation starts when its CPU is free and, in open loop, not before its
// trace time (converted at CostModel::mhz). In closed loop it starts right after
// the CPU's previous operation plus the trace's think time on that CPU. Its modeled
// cost is the sum of the prices of the actions the core reported while doing it.
//
// Shared resources. A lock (as the core reports it, LockAcquire) is held from its
// acquisition to the next lock the operation takes or to the operation's end; a
// CPU that wants it earlier waits until then, plus the handoff price. Atomics on a
// remote queue's line serialize the same way, and pay a line transfer when the
// line was last touched by another CPU; so does freeing an object another CPU
// allocated or last touched. Waiting is counted apart from work. In trace order, a
// lock's state is the one left by the last operation that took it in trace order:
// an approximation that is exact when the trace's order agrees with the simulated
// times; in time order, operations take it in the order they start.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/replay/op_span.h"
#include "engine/replay/replay_result.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"
#include "traces/trace_event.h"

namespace allocsim::engine {

// A replay that cannot go on: a bad configuration, a trace the core cannot hold, or
// an invariant violation (the message names the event index and the broken rule).
class ReplayError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// Called every few thousand events with the number replayed so far.
using ReplayProgress = std::function<void(std::uint64_t)>;

// How a trace is laid out on the core: the modeled CPUs, trace CPU c's modeled CPU
// (map[c]) and the region's size. The replay and the measured runs share it, so the
// core is configured the same way on each side.
struct ReplayLayout {
    std::uint32_t cpus = 1;
    std::vector<std::uint16_t> map;  // one entry per trace CPU
    std::uint64_t region_bytes = 0;
};
ReplayLayout replay_layout(traces::Database& db, const traces::TraceInfo& info, const ReplaySettings& settings);

ReplayResult replay(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                    const ReplayProgress& progress = {}, const ReplayListener* listener = nullptr);

}  // namespace allocsim::engine
