// Every operation of a replay, as the engine modeled it: its cycles, what the core
// did (action kinds, buddy splits) and its cost features. compare and calibrate set
// these beside a measured run's records, event by event.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "alloc/action.h"
#include "engine/measure/cost_features.h"
#include "engine/replay/replay_result.h"
#include "engine/replay/replay_settings.h"
#include "traces/database.h"

namespace allocsim::engine {

struct ModeledOp {
    std::uint64_t cycles = 0;      // work and waiting
    std::uint64_t unpriced = 0;    // cycles not from the features: waiting
    std::uint32_t kinds = 0;       // bit k: an action of ActionKind k
    std::uint32_t splits = 0;
    std::uint32_t signature = 0;   // index into ModeledOps::signatures
    bool waited = false;           // waited for a lock or a line
    std::uint32_t transfers = 0;   // cache lines moved from another CPU's cache
    std::uint64_t lock_wait = 0;   // cycles of `unpriced` spent waiting for locks
};

struct ModeledOps {
    std::vector<ModeledOp> ops;               // one per trace event
    std::vector<CostFeatures> signatures;     // the distinct feature vectors
    std::array<std::uint64_t, kActionKindCount> actions{};  // every action, by kind
    ReplaySummary summary;
};

// Replays `trace` with `settings` (nothing is stored). Throws ReplayError.
ModeledOps model_ops(traces::Database& db, const std::string& trace, const ReplaySettings& settings);

}  // namespace allocsim::engine
