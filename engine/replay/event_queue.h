// EventQueue: the replay's future event set in simulated-time order. It holds at most
// one entry per modeled CPU, that CPU's next operation, keyed by the simulated cycle
// it starts at; pop() gives the earliest. A binary heap over at most kMaxCpus
// entries: push and pop cost O(log CPUs).
//
// Order. One rule, in one function, earlier(): the smaller start first, and at equal
// starts the operation earlier in the trace (its sequence number), so that a replay
// whose simulated times agree with the trace's order runs in trace order.
//
// Causality. Time never goes back: every pop is checked against the previous one
// (an engine bug, not a user's error, if it fails; it throws, in every build).
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <vector>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

struct QueuedOp {
    std::int64_t start = 0;   // simulated cycle
    std::uint64_t seq = 0;    // the operation's index in the trace
    std::uint16_t cpu = 0;    // the modeled CPU whose next operation it is
};

// The one tie-break rule of the replay's order.
constexpr bool earlier(const QueuedOp& a, const QueuedOp& b) {
    return a.start != b.start ? a.start < b.start : a.seq < b.seq;
}

class EventQueue {
public:
    bool empty() const { return heap_.empty(); }
    std::size_t size() const { return heap_.size(); }
    const QueuedOp& top() const { return heap_.front(); }

    void push(const QueuedOp& op) {
        heap_.push_back(op);
        std::size_t i = heap_.size() - 1;
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!earlier(heap_[i], heap_[parent])) break;
            std::swap(heap_[i], heap_[parent]);
            i = parent;
        }
    }

    QueuedOp pop() {
        const QueuedOp out = heap_.front();
        if (out.start < last_start_)
            throw ReplayError(fmt::format("causality: operation {} starts at cycle {}, before the previous one's {}", out.seq,
                                          out.start, last_start_));
        last_start_ = out.start;
        heap_.front() = heap_.back();
        heap_.pop_back();
        std::size_t i = 0;
        for (;;) {
            const std::size_t l = 2 * i + 1, r = l + 1;
            std::size_t m = i;
            if (l < heap_.size() && earlier(heap_[l], heap_[m])) m = l;
            if (r < heap_.size() && earlier(heap_[r], heap_[m])) m = r;
            if (m == i) break;
            std::swap(heap_[i], heap_[m]);
            i = m;
        }
        return out;
    }

    // The start of the last operation popped: the simulation's present.
    std::int64_t now() const { return last_start_; }

private:
    std::vector<QueuedOp> heap_;
    std::int64_t last_start_ = INT64_MIN;
};

}  // namespace allocsim::engine
