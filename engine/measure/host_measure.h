// allocsim measure: the measured replay on the host. The trace's measure plan runs
// through the real core on real threads, one per runner, each pinned to its own
// core, with the host platform layer and RDTSC around every operation
// (alloc/measure/timed_replay.h). The same plan runs in the kernel (capture).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/measure/measured_run.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"

namespace allocsim::engine {

// Called now and then with the operations done so far and the total.
using MeasureProgress = std::function<void(std::uint64_t done, std::uint64_t total)>;

// `threads` 0: as many as the plan has CPUs, at most the machine's cores. More
// threads than cores is refused: a thread waiting for another's allocation spins.
// `repeats` replays, each on a fresh core, combined by combine_repeats. The result
// is not stored (store_measured_run does that). Throws ReplayError.
MeasuredRun measure_on_host(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                            std::uint32_t threads, std::uint32_t repeats = 1, const MeasureProgress& progress = {});

// The cores this process may run on (its affinity mask).
std::uint32_t usable_cores();

}  // namespace allocsim::engine
