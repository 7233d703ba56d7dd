// The state of a replay in simulated-time order (--set order=time; ReplayMachine's
// run_in_time_order and step_in_time_order, docs/ENGINE.md "How a replay runs"),
// apart from the core and the figures: the CPUs' streams of operations read and not
// run, the future event set, and the reading's place in the trace. It is a value, so
// that a checkpoint copies it whole (the GUI's seek in simulated-time order).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/replay/event_queue.h"
#include "engine/replay/unread_streams.h"
#include "traces/dense_id_map.h"
#include "traces/trace_event.h"

namespace allocsim::engine {

// An event's place in its stream: 1 + its seq in the low 48 bits (0: none) and its
// modeled CPU above. An operation's predecessor on its object is named this way.
inline constexpr int kSeqBits = 48;
inline constexpr std::uint64_t kSeqMask = (std::uint64_t{1} << kSeqBits) - 1;
constexpr std::uint64_t event_ref(std::uint64_t seq, std::uint16_t cpu) {
    return (seq + 1) | (std::uint64_t{cpu} << kSeqBits);
}

struct PendingOp {
    traces::TraceEvent e;
    std::uint64_t seq = 0;
    std::uint64_t after = 0;  // event_ref() of the trace's previous event on its object; 0: none
};

// A FIFO of the operations read and not run, on a power-of-two ring that doubles.
class PendingRing {
public:
    bool empty() const { return head_ == tail_; }
    const PendingOp& front() const { return ring_[head_ & mask_]; }
    // The ring is read long after it was written (how long: how far the streams
    // drift apart), so the next entries are fetched ahead of their turn.
    void pop_front() {
        ++head_;
        __builtin_prefetch(&ring_[(head_ + 2) & mask_]);
    }
    void push_back(const PendingOp& op) {
        if (tail_ - head_ == ring_.size()) grow();
        ring_[tail_++ & mask_] = op;
    }

private:
    void grow() {
        std::vector<PendingOp> bigger(ring_.empty() ? 64 : 2 * ring_.size());
        for (std::uint64_t i = head_; i != tail_; ++i) bigger[i - head_] = ring_[i & mask_];
        tail_ -= head_;
        head_ = 0;
        ring_ = std::move(bigger);
        mask_ = ring_.size() - 1;
    }
    std::vector<PendingOp> ring_;
    std::uint64_t head_ = 0, tail_ = 0, mask_ = 0;
};

enum class StreamState : std::uint8_t { Empty, Queued, Parked };

// One modeled CPU's operations. A stream runs its operations in trace order, so
// "has event (seq, cpu) run?" is streams[cpu].done > seq, with no per-object state.
struct Stream {
    PendingRing ops;              // read, not run; the head is queued or parked
    StreamState state = StreamState::Empty;
    std::int64_t ready = 0;       // the head's ready_time()
    std::uint64_t end_seq = 0;    // 1 + the seq of the stream's last event in the trace
    std::uint64_t done = 0;       // 1 + the seq of the last operation it ran; 0: none
    std::uint64_t waits_for = 0;  // Parked: the event_ref() its head waits for
    std::uint32_t waiters = 0;    // streams parked on one of this stream's operations
};

struct TimeOrderState {
    bool started = false;
    bool monotone = false;           // open loop over a trace whose times never go back
    bool eof = false;                // every event read
    std::uint64_t next_seq = 0;      // the next event to read
    std::int64_t read_time = INT64_MIN;  // cycles: the last trace time read (monotone open loop)
    std::vector<Stream> streams;     // per modeled CPU
    // Per object, the event_ref() of the last event read on it. An entry lives from
    // the object's first event read to its free run (when no later event was read).
    DenseIdMap<std::uint64_t> last_read;
    EventQueue queue{1};
    UnreadStreams unread{1};
};

}  // namespace allocsim::engine
