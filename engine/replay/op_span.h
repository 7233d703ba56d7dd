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
    std::uint64_t wait = 0;      // cycles spent waiting: the three kinds below
    std::uint32_t transfers = 0; // cache lines fetched from another CPU's cache (each priced line_transfer)
    std::uint64_t lock_wait = 0;        // for locks another CPU held
    std::uint64_t line_wait = 0;        // for remote queues' lines another CPU held
    std::uint64_t dependency_wait = 0;  // time order: for another CPU's operation on the object to end (first)
};
// A wait inside an operation: for a lock, a contended line, or (time order, at its
// start) another CPU's earlier operation on the same object.
struct WaitSpan {
    enum class Kind : std::uint8_t { Lock, Line, Dependency };
    std::uint64_t event = 0;
    std::uint16_t cpu = 0;
    Kind kind = Kind::Lock;
    std::uint32_t resource = 0;  // lock id (255: the buddy's global lock; else an order), line, or the object's earlier event
    std::int64_t start = 0, end = 0;
};
struct ReplayListener {
    std::function<void(const OpSpan&)> op;      // every operation, in the order they ran
    std::function<void(const WaitSpan&)> wait;  // every wait, before its operation's span
    // Every action the core reports, before its operation's span (compare and
    // calibrate build each operation's class and cost features from them).
    std::function<void(const Action&)> action;
};

}  // namespace allocsim::engine
