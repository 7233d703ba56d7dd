// Turns a stored trace into a measure plan (alloc/measure/measure_plan.h): the form
// the kernel and the host's measured replay read. The plan carries the core's
// configuration and the CPU layout the engine would use for the same settings
// (replay_layout), so both sides run the same core the same way.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alloc/measure/measure_plan.h"
#include "engine/replay/replay_settings.h"
#include "engine/replay/replayer.h"
#include "traces/database.h"

namespace allocsim::engine {

struct MeasurePlan {
    measure::PlanHeader header{};
    std::vector<measure::PlanOp> ops;
};

// Throws ReplayError (a setting a measured run cannot honour, such as the
// linked-list allocator, or an object allocated twice, naming the event) or
// traces::TraceError (no such trace).
MeasurePlan build_measure_plan(traces::Database& db, const std::string& trace, const ReplaySettings& settings);

// The plan as one file: the header, then the ops. Throws std::runtime_error naming
// the file when it cannot be written.
void write_measure_plan(const MeasurePlan& plan, const std::string& path);

}  // namespace allocsim::engine
