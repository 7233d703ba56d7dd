// What a replay tells a listener about simulated time: each operation's span and
// each wait inside one. The Chrome trace export and the GUI's timeline draw them.
#pragma once

#include <cstdint>
#include <functional>

#include "alloc/action.h"
#include "traces/trace_event.h"

namespace allocsim::engine {

// One operation in simulated time, for timelines (Chrome trace export, the GUI).
struct OpSpan {
    std::uint64_t event = 0;     // its index in the trace
    std::uint16_t cpu = 0;       // the modeled CPU
    traces::Op op{};
    std::int64_t start = 0;      // cycles
    std::int64_t end = 0;        // start + work + waiting
    std::uint64_t wait = 0;      // cycles spent waiting for locks and lines
    std::uint32_t transfers = 0; // cache lines fetched from another CPU's cache (each priced line_transfer)
};
// A wait for a lock (or a contended line) inside an operation.
struct WaitSpan {
    std::uint64_t event = 0;
    std::uint16_t cpu = 0;
    bool lock = true;            // false: a remote queue's cache line
    std::uint32_t resource = 0;  // lock id (255: the buddy's global lock; else an order), or line
    std::int64_t start = 0, end = 0;
};
struct ReplayListener {
    std::function<void(const OpSpan&)> op;      // every operation, in trace order
    std::function<void(const WaitSpan&)> wait;  // every wait, before its operation's span
    // Every action the core reports, before its operation's span (compare and
    // calibrate build each operation's class and cost features from them).
    std::function<void(const Action&)> action;
};

}  // namespace allocsim::engine
