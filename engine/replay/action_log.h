// The observer the replay drives the core with: it keeps the actions of the
// current operation, in order, for the replayer to price and to place locks in
// simulated time, and counts every action per CPU for the run's totals.
#pragma once

#include <vector>

#include "alloc/action.h"
#include "alloc/counting_observer.h"

namespace allocsim::engine {

class ActionLog {
public:
    static constexpr bool kEnabled = true;

    void record(const Action& a) {
        ops_.push_back(a);
        counts_.record(a);
    }

    // The actions since the last clear(), in the order the core took them.
    const std::vector<Action>& actions() const { return ops_; }
    void clear() { ops_.clear(); }
    const CountingObserver& counts() const { return counts_; }

private:
    std::vector<Action> ops_;
    CountingObserver counts_;
};

}  // namespace allocsim::engine
