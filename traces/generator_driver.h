// What every synthetic workload shares: fresh keys, the event budget, and the two
// ways CPUs take turns (round robin without times, or merged by synthetic clocks).
//
// The budget: every alloc is freed before the trace ends, so a trace has exactly
// 2 * allocs + reallocs events. The drivers stop stepping once that reaches ops and
// then drain (free what is live), so a workload whose steps make at most one alloc
// gives exactly ops events (ops + 1 if ops is odd, or if reallocs made it odd),
// wherever the stop falls.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "traces/event_emitter.h"
#include "traces/splitmix64.h"

namespace allocsim::traces::gen {

// What a workload holds: an object, or a block of 2^order pages.
struct Block {
    std::uint64_t key = UINT64_MAX;  // UINT64_MAX: no block
    std::uint8_t order = 0;          // pages only
    bool page = false;

    bool empty() const { return key == UINT64_MAX; }
};

// The emitter, seen by a workload: a step emits on the current CPU at the current
// time. Each alloc gets a key never used before, so it is always a new object.
class Out {
public:
    explicit Out(EventEmitter& emitter) : emitter_(emitter) {}

    // Events until the next at() are on `cpu` at `time_ns` (kNoTime: untimed);
    // with tick_ns > 0 each event moves the time on by tick_ns (the final drain).
    void at(std::uint16_t cpu, std::int64_t time_ns, std::int64_t tick_ns = 0) {
        cpu_ = cpu;
        time_ = time_ns;
        tick_ = tick_ns;
    }
    std::int64_t time() const { return time_; }

    Block alloc(std::uint64_t size, std::uint8_t align_log2 = 0) {
        ++allocs_;
        emitter_.alloc(next_key_, size, cpu_, time_, align_log2);
        advance();
        return Block{next_key_++, 0, false};
    }
    Block page_alloc(std::uint8_t order) {
        ++allocs_;
        emitter_.page_alloc(next_key_, order, cpu_, time_);
        advance();
        return Block{next_key_++, order, true};
    }
    // The object keeps its key with a new size.
    void realloc(const Block& b, std::uint64_t new_size) {
        ++reallocs_;
        emitter_.realloc(b.key, b.key, new_size, cpu_, time_);
        advance();
    }
    void free(const Block& b) {
        if (b.page)
            emitter_.page_free(b.key, b.order, cpu_, time_);
        else
            emitter_.free(b.key, cpu_, time_);
        advance();
    }

    // Object and page allocations so far.
    std::uint64_t allocs() const { return allocs_; }
    // The events the trace will have once every live object is freed: events so far
    // plus one free per live object, i.e. 2 * allocs + reallocs.
    std::uint64_t budget() const { return 2 * allocs_ + reallocs_; }

private:
    void advance() {
        if (tick_ != 0) time_ += tick_;
    }

    EventEmitter& emitter_;
    std::uint64_t next_key_ = 0;
    std::uint64_t allocs_ = 0;
    std::uint64_t reallocs_ = 0;
    std::int64_t time_ = kNoTime;
    std::int64_t tick_ = 0;
    std::uint16_t cpu_ = 0;
};

// A workload: per-CPU steps over shared state. The drivers below decide whose turn it is.
class Workload {
public:
    virtual ~Workload() = default;
    // One turn of `cpu`: a few events, at most one of them an alloc (see the budget above).
    virtual void step(std::uint16_t cpu, Out& out) = 0;
    // Frees everything `cpu` holds. After drain() of every CPU nothing is live.
    virtual void drain(std::uint16_t cpu, Out& out) = 0;
};

// CPUs take turns in order 0, 1, ..., cpus-1, 0, ...; no times.
inline void run_round_robin(Workload& w, std::uint16_t cpus, std::uint64_t ops, Out& out) {
    std::uint16_t cpu = 0;
    while (out.budget() < ops) {
        out.at(cpu, kNoTime);
        w.step(cpu, out);
        cpu = cpu + 1 == cpus ? 0 : static_cast<std::uint16_t>(cpu + 1);
    }
    for (cpu = 0; cpu < cpus; ++cpu) {
        out.at(cpu, kNoTime);
        w.drain(cpu, out);
    }
}

// Think time between two turns of a CPU, uniform in [min_ns, min_ns + span_ns).
struct ThinkTime {
    std::int64_t min_ns;
    std::int64_t span_ns;
};

// Whose turn it is, by clock: a binary min-heap of clock * 64 + cpu. The keys are
// unique (REQUIRES: cpu < 64), so equal clocks go to the lower CPU, and one integer
// compare orders two turns.
class Turns {
public:
    void add(std::int64_t clock, std::uint16_t cpu) {
        heap_.push_back(clock * 64 + cpu);
        std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
    }
    bool empty() const { return heap_.empty(); }
    std::int64_t clock() const { return heap_.front() / 64; }
    std::uint16_t cpu() const { return static_cast<std::uint16_t>(heap_.front() % 64); }

    // The earliest CPU's next turn is at `clock`: one sift-down instead of a pop and a push.
    void reschedule(std::int64_t clock) {
        const std::int64_t key = clock * 64 + cpu();
        std::size_t i = 0;
        for (std::size_t child = 1; child < heap_.size(); child = 2 * i + 1) {
            if (child + 1 < heap_.size() && heap_[child + 1] < heap_[child]) ++child;
            if (key < heap_[child]) break;
            heap_[i] = heap_[child];
            i = child;
        }
        heap_[i] = key;
    }
    void pop() {
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
    }

private:
    std::vector<std::int64_t> heap_;
};

// Each CPU has its own clock, moved on by a random think time after each of its
// turns; the CPU with the earliest clock goes next. So the events of all CPUs come
// out merged in time order, and times never decrease. The drain runs CPU after CPU
// in clock order, think.min_ns per event. REQUIRES: cpus <= 64.
inline void run_timed(Workload& w, std::uint16_t cpus, std::uint64_t ops, ThinkTime think, SplitMix64 rng,
                      Out& out) {
    const auto span = static_cast<std::uint64_t>(think.span_ns);
    const auto pause = [&] { return think.min_ns + static_cast<std::int64_t>(rng.below(span)); };
    Turns turns;
    for (std::uint16_t cpu = 0; cpu < cpus; ++cpu) turns.add(pause(), cpu);
    while (out.budget() < ops) {
        const std::int64_t clock = turns.clock();
        out.at(turns.cpu(), clock);
        w.step(turns.cpu(), out);
        turns.reschedule(clock + pause());
    }
    std::int64_t now = 0;
    for (; !turns.empty(); turns.pop()) {
        now = std::max(now, turns.clock());
        out.at(turns.cpu(), now, think.min_ns);
        w.drain(turns.cpu(), out);
        now = out.time();
    }
}

}  // namespace allocsim::traces::gen
