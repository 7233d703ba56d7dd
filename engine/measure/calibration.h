// allocsim calibrate: fits the cost model's prices to a measured run.
//
// The fit. Events whose action kinds agree on both sides are grouped by their cost
// features (cost_features.h); each group's target is the mean of its measured
// cycles up to their p98, corrected for the timer's mean overhead, minus what the
// model does not price (waiting). The mean, not the median: with a coarse counter
// a short operation reads 0 or one tick, and only the mean resolves it. The prices
// then solve a weighted least-squares problem on relative errors (weight: the
// square root of the group's size over its target squared, so that a hit of 6
// cycles counts as much as a split of 1500, and the few expensive groups still
// count beside the many hits), with a light ridge towards the current prices,
// scaled by each price's own weight in the data: a price the run cannot tell apart
// from another (op_base and cache_hit always come together) stays near its prior
// split, and a price it never exercises keeps its prior. Prices are whole cycles, at least 0 (an active-set loop drops any that
// would go negative).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/measure/comparison.h"
#include "engine/measure/modeled_ops.h"
#include "engine/replay/cost_model.h"

namespace allocsim::engine {

struct CalibrationFit {
    CostModel model;              // the fitted prices; mhz and the prices not fitted as before
    double r_squared_before = 0;  // over the groups, weighted, with the prior prices
    double r_squared_after = 0;
    std::uint64_t groups = 0;     // distinct feature vectors fitted
    std::uint64_t events = 0;     // events in them
};

// Fits over the events whose index satisfies `keep` (nullptr: all).
CalibrationFit fit_cost_model(const ModeledOps& modeled, const MeasuredRun& measured, const CostModel& prior,
                              bool (*keep)(std::uint64_t) = nullptr);

}  // namespace allocsim::engine
