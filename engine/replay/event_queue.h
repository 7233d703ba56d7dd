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
        sift_up(heap_.size() - 1, op);
    }

    // The earliest operation, removed.
    QueuedOp pop() {
        const QueuedOp out = take();
        remove_top();
        return out;
    }

    // The earliest operation, left in place for replace_top() or remove_top(): the
    // replay runs it, then usually queues its CPU's next one in its place, one sift
    // instead of two. Checks causality, as pop() does.
    const QueuedOp& take() {
        const QueuedOp& out = heap_.front();
        if (out.start < last_start_)
            throw ReplayError(fmt::format("causality: operation {} starts at cycle {}, before the previous one's {}", out.seq,
                                          out.start, last_start_));
        last_start_ = out.start;
        return out;
    }
    void replace_top(const QueuedOp& op) { sift_down(0, op); }
    void remove_top() {
        const QueuedOp last = heap_.back();
        heap_.pop_back();
        if (!heap_.empty()) sift_down(0, last);
    }

    // The start of the last operation taken: the simulation's present.
    std::int64_t now() const { return last_start_; }

private:
    // Places `op` at or above slot i, moving the later parents down (a hole, not swaps).
    void sift_up(std::size_t i, const QueuedOp& op) {
        while (i > 0) {
            const std::size_t parent = (i - 1) / 2;
            if (!earlier(op, heap_[parent])) break;
            heap_[i] = heap_[parent];
            i = parent;
        }
        heap_[i] = op;
    }
    // Places `op` at or below slot i, moving the earlier children up.
    void sift_down(std::size_t i, const QueuedOp& op) {
        const std::size_t n = heap_.size();
        for (;;) {
            const std::size_t l = 2 * i + 1;
            if (l >= n) break;
            const std::size_t c = l + 1 < n && earlier(heap_[l + 1], heap_[l]) ? l + 1 : l;
            if (!earlier(heap_[c], op)) break;
            heap_[i] = heap_[c];
            i = c;
        }
        heap_[i] = op;
    }

    std::vector<QueuedOp> heap_;
    std::int64_t last_start_ = INT64_MIN;
};

}  // namespace allocsim::engine
