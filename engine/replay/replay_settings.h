// Everything a replay can be told: the core's configuration, the cost model, and
// the replay's own options. `--set key=value` and model files set these by name
// (engine/replay/settings.cpp; the keys are listed in docs/ENGINE.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "alloc/config.h"
#include "engine/replay/cost_model.h"

namespace allocsim::engine {

enum class AllocatorKind : std::uint8_t { Hybrid, LinkedList };
enum class LoopMode : std::uint8_t {
    Auto,    // open if the trace has times, closed if not
    Open,    // an operation starts at max(its trace time, its CPU's clock)
    Closed,  // back to back on each CPU, keeping the trace's think time between ops
};

enum class ReplayOrder : std::uint8_t {
    Trace,  // events run in the trace's order (a lock's state is what the last one in trace order left)
    Time,   // a future event set: each CPU's next operation runs at its simulated start (replay_machine.h)
};

struct ReplaySettings {
    AllocatorKind allocator = AllocatorKind::Hybrid;
    AllocatorConfig core;                    // core.cpus is set from the trace or --cpus
    std::vector<std::uint32_t> size_classes;  // empty: the core's default table
    CostModel model;
    std::uint64_t region_bytes = 0;          // 0: fit the trace (its stored peak live bytes)
    std::uint32_t cpus = 0;                  // 0: the trace's; else fold trace CPU c onto c % cpus
    std::vector<std::uint32_t> cpu_map;      // if set: trace CPU c runs on cpu_map[c % size]
    LoopMode loop = LoopMode::Auto;
    ReplayOrder order = ReplayOrder::Trace;
    // What-ifs, in thousandths. A modeled CPU's speed (empty, or a missing entry:
    // 1000): its operations' work takes 1000 / speed times the priced cycles, so 500 is
    // a CPU half as fast. The think time between a CPU's operations in closed loop is
    // multiplied by think_scale / 1000.
    std::vector<std::uint32_t> cpu_speed_permille;
    std::uint32_t think_scale_permille = 1000;
    std::uint64_t check_every = 0;           // run the core's check() every N events (0: at the end only)
    std::uint64_t sample_every = 10000;      // time-series sample interval, in events
};

}  // namespace allocsim::engine
