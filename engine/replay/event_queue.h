// EventQueue: the replay's future event set in simulated-time order. It holds at most
// one entry per modeled CPU, that CPU's next operation, keyed by the simulated cycle
// it starts at; take() gives the earliest.
//
// A tournament tree over the CPUs: a leaf per CPU (its operation, or none), and at
// every inner node the earlier of its two children's winners. Putting, replacing or
// removing a CPU's operation replays the matches on its leaf's path to the root:
// log2(CPUs) comparisons, always the same number, each choosing with a conditional
// move rather than a branch. (A binary heap's sift chooses its path by comparing, and
// with CPUs that take turns those branches are coin flips: mispredicted about every
// other time, they cost more than the comparisons.)
//
// Order. One rule, in one function, earlier(): the smaller start first, and at equal
// starts the operation earlier in the trace (its sequence number), so that a replay
// whose simulated times agree with the trace's order runs in trace order.
//
// Causality. Time never goes back: every take is checked against the previous one
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
    // For CPUs 0 .. cpus - 1.
    explicit EventQueue(std::uint32_t cpus) {
        while (leaves_ < cpus) leaves_ *= 2;
        keys_.assign(leaves_, kNone);
        winner_.assign(leaves_, 0);
        for (std::uint32_t i = leaves_ - 1; i >= 1; --i) winner_[i] = match(child(2 * i), child(2 * i + 1));
    }

    bool empty() const { return size_ == 0; }
    std::size_t size() const { return size_; }
    // REQUIRES: !empty().
    QueuedOp top() const {
        const std::uint32_t cpu = winner_[1];
        return QueuedOp{static_cast<std::int64_t>(keys_[cpu].hi ^ kSignBit), keys_[cpu].lo, static_cast<std::uint16_t>(cpu)};
    }

    // REQUIRES: op.cpu has no operation queued.
    void push(const QueuedOp& op) {
        ++size_;
        set(op.cpu, key_of(op));
    }

    // The earliest operation, removed.
    QueuedOp pop() {
        const QueuedOp out = take();
        remove_top();
        return out;
    }

    // The earliest operation, left in place for replace_top() or remove_top(): the
    // replay runs it, then usually queues its CPU's next one in its place. Checks
    // causality, as pop() does.
    QueuedOp take() {
        const QueuedOp out = top();
        if (out.start < last_start_)
            throw ReplayError(fmt::format("causality: operation {} starts at cycle {}, before the previous one's {}", out.seq,
                                          out.start, last_start_));
        last_start_ = out.start;
        return out;
    }
    // The top's place taken by `op` (usually the same CPU's next operation).
    void replace_top(const QueuedOp& op) {
        const std::uint32_t cpu = winner_[1];
        if (cpu != op.cpu) set(cpu, kNone);
        set(op.cpu, key_of(op));
    }
    void remove_top() {
        --size_;
        set(winner_[1], kNone);
    }

    // The start of the last operation taken: the simulation's present.
    std::int64_t now() const { return last_start_; }

private:
    // (start, seq) compared as one unsigned 128-bit number: the start's sign bit
    // flipped so that it orders as unsigned, then the seq. An empty leaf is the largest key.
    struct Key {
        std::uint64_t lo, hi;
        friend bool operator<(const Key& a, const Key& b) {
            return (a.hi < b.hi) | ((a.hi == b.hi) & (a.lo < b.lo));  // bitwise: no branch
        }
    };
    static constexpr std::uint64_t kSignBit = std::uint64_t{1} << 63;
    static constexpr Key kNone{UINT64_MAX, UINT64_MAX};
    static Key key_of(const QueuedOp& op) { return Key{op.seq, static_cast<std::uint64_t>(op.start) ^ kSignBit}; }

    // Node n's winner: a leaf (n >= leaves_) is its own CPU.
    std::uint32_t child(std::uint32_t n) const { return n >= leaves_ ? n - leaves_ : winner_[n]; }
    std::uint32_t match(std::uint32_t a, std::uint32_t b) const { return keys_[b] < keys_[a] ? b : a; }

    // Keys are unique (the seq) but for empty leaves, so which side a match favours
    // does not matter.
    void set(std::uint32_t cpu, const Key& key) {
        keys_[cpu] = key;
        std::uint32_t w = match(cpu, cpu ^ 1);  // against the sibling leaf
        for (std::uint32_t n = (leaves_ + cpu) / 2;; n /= 2) {
            winner_[n] = w;
            if (n == 1) break;
            w = match(w, winner_[n ^ 1]);
        }
    }

    std::uint32_t leaves_ = 2;       // a power of two, at least 2 (so the root is an inner node)
    std::vector<Key> keys_;          // per CPU
    std::vector<std::uint32_t> winner_;  // [1, leaves_): inner nodes, the root at 1
    std::size_t size_ = 0;
    std::int64_t last_start_ = INT64_MIN;
};

}  // namespace allocsim::engine
