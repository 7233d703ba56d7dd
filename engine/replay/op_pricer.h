// OpPricer: the observer the replay drives the core with. It prices each action as
// the core reports it (alloc/action.h), in order, and places locks and remote-queue
// lines in simulated time; it also counts the actions of each kind per CPU.
//
// Pricing as the actions arrive, rather than logging them and pricing afterwards,
// keeps the replay's hottest path (one or two actions per operation) to a few adds.
//
// Per operation: begin() with its CPU, the time it starts working and the work
// already charged; the core reports its actions; end() releases the lock still held.
// time(), work() and wait() then give the operation's end, work and waiting.
//
// Shared resources. A lock (LockAcquire) is held from its acquisition to the next
// lock the operation takes or to the operation's end; a CPU that wants it earlier
// waits until then, plus the handoff price. Atomics on a remote queue's line
// serialize the same way, and pay a line transfer when the line was last touched by
// another CPU. Waiting is counted apart from work.
#pragma once

#include <array>
#include <algorithm>
#include <cstdint>
#include <vector>

#include "alloc/action.h"
#include "engine/replay/cost_model.h"
#include "engine/replay/op_span.h"

namespace allocsim::engine {

// Waiting, over the whole run.
struct WaitFigures {
    std::uint64_t lock_contended = 0;  // lock acquisitions that waited
    std::uint64_t lock_wait_cycles = 0;
    std::uint64_t line_wait_cycles = 0;
};

class OpPricer {
public:
    static constexpr bool kEnabled = true;
    static constexpr std::uint16_t kNoCpu = 0xFFFF;

    // A lock or a contended cache line in simulated time.
    struct Resource {
        std::int64_t free_at = 0;  // when its last holder let it go
        std::uint16_t last_cpu = kNoCpu;
    };
    // The remote queues' lines, owner x class: kept by the caller, not in the pricer
    // (see `lines_`).
    static constexpr std::size_t kLines = std::size_t{kMaxCpus} * kMaxSizeClasses;

    // Before the first operation; the model, the listener and `lines` (kLines of
    // them) outlive the replay.
    void configure(const CostModel& model, const ReplayListener* listener, Resource* lines) {
        m_ = &model;
        lines_ = lines;
        listener_ = listener != nullptr && listener->wait ? listener : nullptr;
        action_listener_ = listener != nullptr && listener->action ? &listener->action : nullptr;
    }

    // A what-if: each CPU's speed in thousandths (settings' cpu.speed; missing: 1000).
    // A CPU's work is its priced cycles times 1000 / speed, in 16.16 fixed point:
    // exact at speed 1.
    void set_speeds(const std::vector<std::uint32_t>& permille) {
        for (std::size_t c = 0; c < kMaxCpus; ++c) {
            const std::uint64_t speed = c < permille.size() && permille[c] != 0 ? permille[c] : 1000;
            scale_q16_[c] = static_cast<std::uint32_t>(std::min<std::uint64_t>((std::uint64_t{1000} << 16) / speed, 0xFFFFFFFFu));
        }
    }

    // The operation starts at `t` on `cpu`, its entry (`base` priced cycles) first.
    void begin(std::uint64_t event, std::uint16_t cpu, std::int64_t t, std::uint64_t base) {
        event_ = event;
        cpu_ = cpu;
        scale_ = scale_q16_[cpu % kMaxCpus];
        work_ = scaled(base);
        t_ = t + static_cast<std::int64_t>(work_);
        wait_ = 0;
        lock_wait_ = line_wait_ = 0;
        held_ = nullptr;
        after_remote_free_ = false;
        kinds_ = 0;
        transfers_ = 0;
    }

    ALLOCSIM_ALWAYS_INLINE void record(const Action& a) {
        if (action_listener_ != nullptr) [[unlikely]] (*action_listener_)(a);
        ++counts_[index_of(a.cpu) % kMaxCpus][static_cast<unsigned>(a.kind)];
        const std::uint32_t bit = 1u << static_cast<unsigned>(a.kind);
        // An operation's first split pays buddy_split_entry on top (most of a split's
        // measured cost is paid once, however deep the split goes).
        const bool first_split = a.kind == ActionKind::BuddySplit && (kinds_ & bit) == 0;
        kinds_ |= bit;
        std::uint64_t price = scaled(price_of(a) + (first_split ? m_->buddy_split_entry : 0));
        if (a.kind == ActionKind::LockAcquire) take_lock(a);
        else if (a.kind == ActionKind::AtomicOp) price += touch_line(a, price);
        after_remote_free_ = a.kind == ActionKind::RemoteFree;
        if (after_remote_free_) {
            remote_owner_ = a.other_cpu;
            remote_class_ = a.size_class;
        }
        work_ += price;
        t_ += static_cast<std::int64_t>(price);
    }

    // Work the replayer prices itself (a line transfer for an object another CPU
    // touched last), charged before the core's actions.
    void charge(std::uint64_t cycles) {
        cycles = scaled(cycles);
        ++transfers_;
        work_ += cycles;
        t_ += static_cast<std::int64_t>(cycles);
    }

    void end() {
        if (held_ != nullptr) held_->free_at = t_;
    }

    std::int64_t time() const { return t_; }
    std::uint64_t work() const { return work_; }
    std::uint64_t wait() const { return wait_; }
    std::uint64_t lock_wait() const { return lock_wait_; }  // of wait(): for locks
    std::uint64_t line_wait() const { return line_wait_; }  // of wait(): for lines
    // Cache lines that came from another CPU's cache (charge() and remote queues).
    std::uint32_t transfers() const { return transfers_; }
    // Whether blocks left or returned to the buddy in this operation: the only way
    // the hybrid core's footprint moves.
    bool blocks_moved() const { return (kinds_ & kBlockMoves) != 0; }
    // The kinds of action the operation's core call reported (bit k: ActionKind k).
    std::uint32_t kinds() const { return kinds_; }

    // Actions of a kind, on one CPU or on all. (Only counts: the replay's figures need
    // no more, and one add per action is what the hot path can afford.)
    std::uint64_t count(CpuId cpu, ActionKind kind) const {
        return counts_[index_of(cpu) % kMaxCpus][static_cast<unsigned>(kind)];
    }
    std::uint64_t count(ActionKind kind) const {
        std::uint64_t sum = 0;
        for (const auto& row : counts_) sum += row[static_cast<unsigned>(kind)];
        return sum;
    }
    const WaitFigures& waits() const { return waits_; }

private:
    static constexpr unsigned kBlockMoves =
        1u << static_cast<unsigned>(ActionKind::BuddyAlloc) | 1u << static_cast<unsigned>(ActionKind::BuddyFree) |
        1u << static_cast<unsigned>(ActionKind::LargeAlloc) | 1u << static_cast<unsigned>(ActionKind::LargeFree);
    static_assert(kActionKindCount <= 32);

    std::uint64_t scaled(std::uint64_t cycles) const { return (cycles * scale_ + 0x8000) >> 16; }

    std::uint64_t price_of(const Action& a) const {
        const CostModel& m = *m_;
        const std::uint64_t objects = a.objects;
        const std::uint64_t touched = std::uint64_t{m.node_touch} * a.nodes;
        switch (a.kind) {
            case ActionKind::CacheHit: return m.cache_hit;
            case ActionKind::CacheMiss: return m.cache_miss;
            case ActionKind::CacheFree: return m.cache_free;
            case ActionKind::CacheFull: return m.cache_full;
            case ActionKind::Refill: return m.refill_per_object * objects + touched;
            case ActionKind::Drain: return m.drain_per_object * objects + touched;
            case ActionKind::SlabCarve: return m.slab_carve + m.slab_carve_per_object * objects;
            case ActionKind::PageReturn: return m.page_return;
            case ActionKind::RemoteFree: return m.remote_free + touched;
            case ActionKind::RemoteCollect: return m.remote_collect + touched;
            case ActionKind::BuddyAlloc: return m.buddy_alloc + touched;
            case ActionKind::BuddyFree: return m.buddy_free + touched;
            case ActionKind::BuddySplit: return m.buddy_split;
            case ActionKind::BuddyCoalesce: return m.buddy_coalesce;
            case ActionKind::LargeAlloc: return m.large_alloc;
            case ActionKind::LargeFree: return m.large_free;
            case ActionKind::LockAcquire: return m.lock;
            case ActionKind::AtomicOp: return m.atomic;
            case ActionKind::AllocFailure: return m.alloc_failure;
            case ActionKind::InvalidFree: return 0;
        }
        return 0;
    }

    // Waits until `r` is free, plus `extra`; adds the wait to `total` too.
    void wait_for(const Resource& r, std::uint64_t extra, bool lock, std::uint32_t id, std::uint64_t& total) {
        const std::uint64_t w = static_cast<std::uint64_t>(r.free_at - t_) + extra;
        if (listener_ != nullptr)
            listener_->wait(WaitSpan{event_, cpu_, lock ? WaitSpan::Kind::Lock : WaitSpan::Kind::Line, id, t_,
                                     t_ + static_cast<std::int64_t>(w)});
        wait_ += w;
        (lock ? lock_wait_ : line_wait_) += w;
        t_ += static_cast<std::int64_t>(w);
        total += w;
    }

    void take_lock(const Action& a) {
        if (held_ != nullptr) held_->free_at = t_;
        Resource& lock = locks_[static_cast<std::uint8_t>(a.lock)];
        if (lock.free_at > t_ && lock.last_cpu != cpu_) {
            ++waits_.lock_contended;
            wait_for(lock, m_->lock_handoff, true, static_cast<std::uint32_t>(a.lock), waits_.lock_wait_cycles);
        }
        lock.last_cpu = cpu_;
        held_ = &lock;
    }

    // The remote queue's line: the owner's queue for the class the batch went to.
    // Returns the transfer price when the line comes from another CPU's cache.
    std::uint64_t touch_line(const Action& a, std::uint64_t price) {
        const std::uint32_t owner = index_of(after_remote_free_ ? remote_owner_ : a.cpu);
        const std::uint32_t cls = index_of(after_remote_free_ ? remote_class_ : a.size_class);
        const std::uint32_t id = owner * kMaxSizeClasses + cls;
        Resource& line = lines_[id];
        const std::uint64_t transfer = line.last_cpu != kNoCpu && line.last_cpu != cpu_ ? m_->line_transfer : 0;
        transfers_ += transfer != 0;
        if (line.free_at > t_ && line.last_cpu != cpu_) wait_for(line, 0, false, id, waits_.line_wait_cycles);
        line.free_at = t_ + static_cast<std::int64_t>(price + transfer);
        line.last_cpu = cpu_;
        return transfer;
    }

    const CostModel* m_ = nullptr;
    const ReplayListener* listener_ = nullptr;  // set only when it wants waits
    const std::function<void(const Action&)>* action_listener_ = nullptr;  // set only when it wants actions
    std::uint64_t counts_[kMaxCpus][kActionKindCount] = {};  // by CPU and kind
    WaitFigures waits_;
    std::array<Resource, 256> locks_{};  // by LockId: an order, or 0xFF (the buddy's global lock)

    // The operation being priced.
    std::uint64_t event_ = 0;
    std::uint16_t cpu_ = 0;
    std::int64_t t_ = 0;
    std::uint64_t work_ = 0, wait_ = 0, lock_wait_ = 0, line_wait_ = 0;
    Resource* held_ = nullptr;
    bool after_remote_free_ = false;
    CpuId remote_owner_{};
    SizeClass remote_class_{};
    std::uint32_t kinds_ = 0;
    std::uint32_t scale_ = 1u << 16;  // this operation's CPU's, 16.16
    std::uint32_t scale_q16_[kMaxCpus] = {};  // by CPU: 1000 / speed, 16.16 (set_speeds)
    std::uint32_t transfers_ = 0;
    // The remote queues' lines (64 KiB) live outside the pricer: it sits in the
    // core, whose bytes a checkpoint copies (replay_machine.h), so it may own nothing
    // on the heap; and inline, they made the replay 30-40% slower.
    Resource* lines_ = nullptr;
};

}  // namespace allocsim::engine
