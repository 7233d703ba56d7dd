// ReplayMachine: the replay's state and its step, fed one event at a time. replay()
// runs it over a whole trace in one go; ReplaySession (the GUI's) steps it, saves
// and restores checkpoints to seek. See replayer.h for what the replay models.
#pragma once

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "alloc/hybrid_allocator_check.h"
#include "engine/replay/check_text.h"
#include "engine/replay/cycle_histogram.h"
#include "engine/replay/event_queue.h"
#include "engine/replay/op_pricer.h"
#include "engine/replay/region.h"
#include "engine/replay/replayer.h"
#include "engine/replay/sim_platform.h"
#include "engine/replay/trajectory_fingerprint.h"
#include "engine/replay/time_order_state.h"
#include "engine/replay/unread_streams.h"
#include "traces/dense_id_map.h"
#include "traces/event_codec.h"
#include "traces/import_summary.h"
#include "traces/trace_reader.h"

namespace allocsim::engine {

namespace replay_detail {

using traces::Op;
using traces::TraceEvent;

inline constexpr std::uint16_t kNoCpu = OpPricer::kNoCpu;  // "no CPU yet", as the pricer spells it

struct LiveObject {
    void* ptr = nullptr;
    std::uint64_t size = 0;
    std::uint16_t last_cpu = kNoCpu;  // the CPU that allocated or last resized it
    std::uint8_t align_log2 = 0;
    bool page = false;
    std::uint8_t order = 0;
    bool slab = false;  // a slab object (its request counts in the class rounding), else a page run or block
};
// With its id, a live map slot is 32 bytes: two to a cache line, none across two.
static_assert(sizeof(LiveObject) == 24);

template <class Core>
class ReplayMachine {
    // The hybrid core has a buddy and size classes; the linked list has neither.
    static constexpr bool kHybrid = requires(const Core& c) { c.buddy().free_bytes(); };

    // How far ahead, in events, the live map's slot is loaded: a free's slot was last
    // touched when its object was allocated, long ago, and would cost a miss.
    static constexpr std::size_t kPrefetchDistance = 16;
    // In simulated-time order, how many operations at least are read ahead of the
    // one running (run_in_time_order).
    static constexpr std::uint64_t kReadAhead = 128;

    // Everything a replay changes as it goes but the core (whose bytes a checkpoint
    // copies), in one struct: a checkpoint is this struct and the core's bytes, and no
    // field can be left out of one.
    struct State {
        std::vector<OpPricer::Resource> lines = std::vector<OpPricer::Resource>(OpPricer::kLines);  // the pricer's
        std::vector<std::int64_t> clock;            // per CPU: when its last operation ended
        std::vector<std::int64_t> last_trace_time;  // per CPU: its last operation's trace time
        DenseIdMap<LiveObject> live;                // trace object id -> the live object
        CycleHistogram histogram;
        ReplayResult result;
        std::uint64_t index = 0;
        std::uint64_t until_check = 0;   // events to the next check(); 0 and never reached when off
        std::uint64_t until_sample = 0;  // events to the next sample()
        std::uint64_t live_bytes = 0;
        std::uint64_t requested_slab = 0, requested_pages = 0;  // live_bytes split by slab_object()
        std::uint64_t sampled_cycles = 0, sampled_events = 0;  // modeled_cycles_so_far() and index at the last sample
        std::uint64_t measured_peak = 0;  // the footprint fragmentation was last measured at
        std::uint64_t fingerprint = kFingerprintSeed;  // trajectory_fingerprint.h, over the operations run so far
        TimeOrderState time;  // simulated-time order's streams and future event set (empty in trace order)
    };
    // Where simulated-time order reads the trace: a chunk's records as the reader
    // gave them (valid until its next call), so not part of a checkpoint.
    struct Cursor {
        const unsigned char* records = nullptr;
        std::size_t n = 0, at = 0;
    };

public:
    ReplayMachine(const ReplaySettings& settings, std::uint32_t cpus, std::vector<std::uint16_t> cpu_of_trace_cpu,
             bool has_time, Region& region, const ReplayListener* listener)
        : s_(settings),
          m_(settings.model),
          cpus_(cpus),
          map_(std::move(cpu_of_trace_cpu)),
          region_(region),
          listener_(listener) {
        AllocatorConfig config = settings.core;
        config.cpus = cpus;
        if (!settings.size_classes.empty()) {
            config.size_classes = settings.size_classes.data();
            config.size_class_count = static_cast<std::uint32_t>(settings.size_classes.size());
        }
        if (const InitError e = core_.init(region.base(), region.bytes(), config); e != InitError::None)
            throw ReplayError(fmt::format("the core refused the configuration: {}", init_error_name(e)));
        core_.observer().configure(m_, listener_, st_.lines.data());
        core_.observer().set_speeds(settings.cpu_speed_permille);
        open_loop_ = settings.loop == LoopMode::Open || (settings.loop == LoopMode::Auto && has_time);
        st_.clock.assign(cpus, 0);
        st_.last_trace_time.assign(cpus, traces::kNoTime);
        st_.result.per_cpu.assign(cpus, CpuFigures{});
        st_.until_check = settings.check_every;  // 0 (off): the countdown wraps, never reaching 0 again in 2^64 events
        st_.until_sample = settings.sample_every;
    }

    void run(traces::TraceReader& reader, const ReplayProgress& progress) {
        // One CPU is one stream: its simulated-time order is the trace's, exactly.
        if (s_.order == ReplayOrder::Time && cpus_ > 1) return run_in_time_order(reader, progress);
        // Events are decoded one by one straight from SQLite's page, not copied out
        // into a chunk first.
        const unsigned char* records = nullptr;
        std::size_t n = 0;
        while (reader.next_records(records, n)) {
            for (std::size_t i = 0; i < n; ++i) {
                if (i + kPrefetchDistance < n)
                    st_.live.prefetch(traces::record_object(records + (i + kPrefetchDistance) * traces::kEventRecordBytes));
                apply(traces::decode_event(records + i * traces::kEventRecordBytes));
            }
            if (progress) progress(st_.index);
        }
        end();
    }

    // One event: the operation, then the periodic check and sample.
    ALLOCSIM_ALWAYS_INLINE void apply(const TraceEvent& e) {
        step(e);
        after_event();
    }

    // After each operation: the count, then the periodic check and sample.
    ALLOCSIM_ALWAYS_INLINE void after_event() {
        ++st_.index;
        // Countdowns rather than st_.index % N: two divisions per event were a
        // tenth of the replay's time.
        if (--st_.until_check == 0) {
            st_.until_check = s_.check_every;
            check();
        }
        if (--st_.until_sample == 0) {
            st_.until_sample = s_.sample_every;
            sample();
        }
    }

    // After the last event: the final check and sample.
    void end() {
        check();
        if (st_.result.samples.empty() || st_.result.samples.back().event != st_.index) sample();
    }

    std::uint64_t index() const { return st_.index; }
    const Core& core() const { return core_; }
    const ReplayResult& result_so_far() const { return st_.result; }
    std::uint64_t live_bytes() const { return st_.live_bytes; }

    // Changes who hears the operations, waits and actions (the GUI records actions
    // only when it shows them).
    void set_listener(const ReplayListener* listener) {
        listener_ = listener;
        core_.observer().configure(m_, listener_, st_.lines.data());
    }

    // Everything the replay's state is made of, to come back to later (the GUI's
    // seek). The core and its observer hold no owning pointer: every pointer in
    // them points into the region or at objects that outlive the machine (the
    // settings, the cost model, the listener). So their bytes, put back at the same
    // address with the region's pages, are the same state. (OpPricer keeps its
    // arrays inline for this reason.)
    struct Checkpoint {
        std::vector<unsigned char> core;
        State state;
    };

    void save(Checkpoint& c) const {
        c.core.resize(sizeof(Core));
        std::memcpy(c.core.data(), static_cast<const void*>(&core_), sizeof(Core));
        c.state = st_;
    }

    // REQUIRES: the region holds the pages it held at save() (region_snapshot.h).
    void restore(const Checkpoint& c) {
        std::memcpy(static_cast<void*>(&core_), c.core.data(), sizeof(Core));
        st_ = c.state;  // the lines keep their storage (same size), hence the pricer's pointer
        core_.observer().configure(m_, listener_, st_.lines.data());
    }

    ReplayResult finish() {
        fill(st_.result.summary, st_.result.per_cpu);
        return std::move(st_.result);
    }

    // The figures so far, without ending anything (the GUI's live summary).
    ReplaySummary summary_now() const {
        ReplaySummary s = st_.result.summary;
        std::vector<CpuFigures> per_cpu = st_.result.per_cpu;
        fill(s, per_cpu);
        return s;
    }

private:
    // The summary's derived figures and the per-CPU clocks and cache counts.
    void fill(ReplaySummary& s, std::vector<CpuFigures>& per_cpu) const {
        s.events = st_.index;
        s.cpus = cpus_;
        s.fingerprint = st_.fingerprint;
        const OpPricer& counted = core_.observer();
        s.thread_cache_hit_rate = hit_rate();
        s.refills = counted.count(ActionKind::Refill);
        s.drains = counted.count(ActionKind::Drain);
        s.buddy_splits = counted.count(ActionKind::BuddySplit);
        s.buddy_coalesces = counted.count(ActionKind::BuddyCoalesce);
        s.lock_acquires = counted.count(ActionKind::LockAcquire);
        const WaitFigures& waits = core_.observer().waits();
        s.lock_contended = waits.lock_contended;
        s.lock_wait_cycles = waits.lock_wait_cycles;
        s.line_wait_cycles = waits.line_wait_cycles;
        s.modeled_cycles_p50 = st_.histogram.percentile(50);
        s.modeled_cycles_p99 = st_.histogram.percentile(99);
        s.utilization = s.peak_footprint_bytes == 0
                            ? 0
                            : static_cast<double>(s.peak_live_bytes) / static_cast<double>(s.peak_footprint_bytes);
        s.region_bytes = region_.bytes();
        for (std::uint32_t c = 0; c < cpus_; ++c) {
            per_cpu[c].clock = st_.clock[c];
            const CpuId cpu{static_cast<std::uint16_t>(c)};
            per_cpu[c].cache_hits = counted.count(cpu, ActionKind::CacheHit);
            per_cpu[c].cache_misses = counted.count(cpu, ActionKind::CacheMiss);
            s.makespan_cycles = std::max(s.makespan_cycles, st_.clock[c]);
            s.work_cycles_total += per_cpu[c].work_cycles;
            s.modeled_cycles_total += per_cpu[c].work_cycles + per_cpu[c].wait_cycles;
        }
    }

    std::uint16_t cpu_of(std::uint16_t trace_cpu) const {
        return trace_cpu < map_.size() ? map_[trace_cpu] : static_cast<std::uint16_t>(trace_cpu % cpus_);
    }

    std::int64_t cycles_of_ns(std::int64_t ns) const { return ns * static_cast<std::int64_t>(m_.mhz) / 1000; }

    // When an operation of `cpu` could start, from its CPU's clock (the end of the
    // CPU's previous operation) and, in open loop, its trace time, or, in closed loop,
    // the trace's think time since the CPU's previous operation. Called once per
    // operation, in its CPU's order (it keeps the CPU's last trace time).
    ALLOCSIM_ALWAYS_INLINE std::int64_t ready_time(const TraceEvent& e, std::uint16_t cpu) {
        std::int64_t start = st_.clock[cpu];
        if (e.time_ns != traces::kNoTime) {
            if (open_loop_) {
                start = std::max(start, cycles_of_ns(e.time_ns));
            } else if (st_.last_trace_time[cpu] != traces::kNoTime) {
                std::int64_t think = cycles_of_ns(std::max<std::int64_t>(0, e.time_ns - st_.last_trace_time[cpu]));
                if (s_.think_scale_permille != 1000) think = think * s_.think_scale_permille / 1000;
                start += think;
            }
            st_.last_trace_time[cpu] = e.time_ns;
        }
        return start;
    }

    // Always inlined: the machine is instantiated in replayer.cpp and in the GUI's
    // session, and an out-of-line copy chosen from the other one made replay() 20-40%
    // slower.
    ALLOCSIM_ALWAYS_INLINE void step(const TraceEvent& e) {
        const std::uint16_t cpu = cpu_of(e.cpu);
        const std::int64_t start = ready_time(e, cpu);
        execute(e, cpu, start, start, st_.index);
    }

    // Runs trace event `seq` on `cpu` at simulated cycle `start`, the core taking the
    // whole operation at once; `ready` is when it could have started, before waiting
    // for another CPU's operation on its object (start - ready is that wait).
    ALLOCSIM_ALWAYS_INLINE void execute(const TraceEvent& e, std::uint16_t cpu, std::int64_t ready, std::int64_t start,
                                        std::uint64_t seq) {
        const CpuId id{cpu};
        OpPricer& pricer = core_.observer();
        pricer.begin(seq, cpu, start, m_.op_base);
        const void* new_block = nullptr;
        ReplaySummary& s = st_.result.summary;
        switch (e.op) {
            case Op::Alloc:
            case Op::PageAlloc: {
                // One probe: the slot is claimed now and released if the core fails.
                const auto [slot, fresh] = st_.live.try_emplace(e.object, LiveObject{});
                if (!fresh) throw ReplayError(fmt::format("event {}: object {} is allocated while live", seq, e.object));
                void* p = nullptr;
                LiveObject o;
                o.last_cpu = cpu;
                if (e.op == Op::Alloc) {
                    ++s.allocs;
                    o.size = e.size;
                    o.align_log2 = e.arg;
                    const std::size_t size = e.size == 0 ? 1 : e.size;  // malloc(0) is a unique object
                    p = e.arg > 3 ? core_.allocate_aligned(id, size, std::size_t{1} << e.arg) : core_.allocate(id, size);
                    if (p != nullptr) o.slab = slab_object(p, size, e.arg);
                } else {
                    ++s.page_allocs;
                    o.page = true;
                    o.slab = !kHybrid;
                    o.order = e.arg;
                    o.size = traces::page_block_bytes(e.arg);
                    if (e.arg <= s_.core.buddy_max_order) p = core_.allocate_pages(id, Order{e.arg});
                    else pricer.record(Action{ActionKind::AllocFailure, id});
                }
                if (p == nullptr) {
                    st_.live.erase(e.object);
                    ++s.failed_allocs;
                    break;
                }
                o.ptr = p;
                new_block = p;
                *slot = o;
                st_.live_bytes += o.size;
                (o.slab ? st_.requested_slab : st_.requested_pages) += o.size;
                s.peak_live_bytes = std::max(s.peak_live_bytes, st_.live_bytes);
                break;
            }
            case Op::Free:
            case Op::PageFree: {
                e.op == Op::Free ? ++s.frees : ++s.page_frees;
                LiveObject o;
                if (!st_.live.erase(e.object, &o)) break;  // its allocation failed
                st_.live_bytes -= o.size;
                (o.slab ? st_.requested_slab : st_.requested_pages) -= o.size;
                if (o.last_cpu != cpu) {
                    // The object's line is in another CPU's cache.
                    pricer.charge(m_.line_transfer);
                    ++s.remote_frees;
                    ++st_.result.per_cpu[cpu].remote_frees;
                }
                if (o.page) core_.free_pages(id, o.ptr, Order{o.order});
                else if (o.align_log2 > 3) core_.deallocate_aligned(id, o.ptr, o.size == 0 ? 1 : o.size, std::size_t{1} << o.align_log2);
                else core_.deallocate(id, o.ptr, o.size == 0 ? 1 : o.size);
                break;
            }
            case Op::Realloc: {
                ++s.reallocs;
                LiveObject* found = st_.live.find(e.object);
                if (found == nullptr) break;
                LiveObject& o = *found;
                if (o.last_cpu != cpu) pricer.charge(m_.line_transfer);
                void* p = core_.reallocate(id, o.ptr, e.size == 0 ? 1 : e.size);
                if (p == nullptr) {
                    ++s.failed_allocs;  // the old block stays, as realloc's contract says
                    break;
                }
                st_.live_bytes = st_.live_bytes - o.size + e.size;
                s.peak_live_bytes = std::max(s.peak_live_bytes, st_.live_bytes);
                (o.slab ? st_.requested_slab : st_.requested_pages) -= o.size;
                o.slab = slab_object(p, e.size == 0 ? 1 : e.size, 0);
                (o.slab ? st_.requested_slab : st_.requested_pages) += e.size;
                o.ptr = p;
                new_block = p;
                o.size = e.size;
                o.align_log2 = 0;
                o.last_cpu = cpu;
                break;
            }
        }

        pricer.end();
        const std::int64_t t = pricer.time();
        const std::uint64_t dependency_wait = static_cast<std::uint64_t>(start - ready);
        const std::uint64_t work = pricer.work(), wait = pricer.wait() + dependency_wait;
        s.dependency_wait_cycles += dependency_wait;
        st_.fingerprint = fingerprint_step(st_.fingerprint, seq, cpu, ready, t, wait, pricer.kinds());
        st_.clock[cpu] = t;
        if (listener_ != nullptr) [[unlikely]] {
            if (dependency_wait != 0 && listener_->wait)
                listener_->wait(WaitSpan{seq, cpu, WaitSpan::Kind::Dependency, 0, ready, start});
            if (listener_->op)
                listener_->op(OpSpan{seq, cpu, e.op, ready, t, wait, pricer.transfers(), pricer.lock_wait(),
                                     pricer.line_wait(), dependency_wait});
        }
        // Per-CPU sums only: the run's totals and the samples' windows add them up.
        const std::uint64_t total = work + wait;
        st_.histogram.add(total);
        s.modeled_cycles_max = std::max(s.modeled_cycles_max, total);
        CpuFigures& f = st_.result.per_cpu[cpu];
        ++f.ops;
        f.work_cycles += work;
        f.wait_cycles += wait;
        note_footprint(new_block);
    }

    // --- simulated-time order (--set order=time) ----------------------------------------
    //
    // Each modeled CPU is a stream of operations, in trace order (trace CPUs folded onto
    // one modeled CPU form one stream). The EventQueue holds each stream's next
    // operation at the cycle it starts; the earliest runs next. An operation on an
    // object waits for the trace's previous operation on that object, wherever it ran:
    // until it has run (a stream whose head waits is parked on the object) and, if
    // another CPU ran it, until it ended (a dependency wait, counted apart).
    //
    // The trace is read ahead only as far as needed: the earliest queued operation can
    // run once no stream whose next operation is not read yet could start before it.
    // Such a stream starts no earlier than its CPU's clock, and in open loop over a
    // trace whose times never go back, no earlier than the last time read either.
    // Reading ahead buffers the events of the streams that are behind in the trace and
    // ahead in simulated time: memory follows how far the streams drift apart.

    // Before the first operation in simulated-time order: where each stream ends, and
    // whether the times never go back, from the trace's stored layout, or, for a trace
    // stored before it had one, a pass over its events. `reader` is at the start.
    void begin_time_order(traces::TraceReader& reader) {
        TimeOrderState& t = st_.time;
        t = TimeOrderState{};
        t.started = true;
        t.streams.assign(cpus_, Stream{});
        t.queue = EventQueue(cpus_);
        t.unread = UnreadStreams(cpus_);
        t.monotone = open_loop_;
        if (const auto layout = traces::stored_layout(reader.info().summary)) {
            for (std::size_t c = 0; c < layout->last_event_by_cpu.size(); ++c) {
                const std::uint64_t last = layout->last_event_by_cpu[c];
                if (last == traces::kNoEvent) continue;
                Stream& st = t.streams[cpu_of(static_cast<std::uint16_t>(c))];
                st.end_seq = std::max(st.end_seq, last + 1);
            }
            t.monotone = t.monotone && layout->times_monotone;
        } else {
            const unsigned char* records = nullptr;
            std::size_t n = 0;
            std::uint64_t seq = 0;
            std::int64_t last_time = INT64_MIN;
            while (reader.next_records(records, n)) {
                for (std::size_t i = 0; i < n; ++i, ++seq) {
                    const TraceEvent e = traces::decode_event(records + i * traces::kEventRecordBytes);
                    t.streams[cpu_of(e.cpu)].end_seq = seq + 1;
                    if (e.time_ns == traces::kNoTime || e.time_ns < last_time) t.monotone = false;
                    else last_time = e.time_ns;
                }
            }
            reader.seek(0);
        }
        for (std::uint32_t c = 0; c < cpus_; ++c)
            if (t.streams[c].end_seq != 0) t.unread.add(static_cast<std::uint16_t>(c), 0);
        cursor_ = Cursor{};
    }

    // A stream's head becomes runnable: queued at its start, or parked until its
    // object's previous event has run. `in_top`: the stream's previous operation is
    // still the queue's top (it just ran), so the new head takes its place, or it leaves.
    //
    // The previous event on the object, if another stream's, must have run, and the
    // head starts no earlier than it ended. Only the last operation a CPU ran can end
    // after the present (each of its operations starts after the one before ends,
    // and the queue's present is the start of the latest run): so its end is that
    // CPU's clock if it was the CPU's last, and otherwise is past, and every head
    // promoted now is ready at the present or later.
    ALLOCSIM_ALWAYS_INLINE void promote(TimeOrderState& t, std::uint16_t cpu, bool in_top) {
        Stream& st = t.streams[cpu];
        const PendingOp& head = st.ops.front();
        // It runs within a few operations: its live slot, and for a free the entry
        // that goes after it, both touched long ago, are cold.
        st_.live.prefetch(head.e.object);
        if (head.e.op == Op::Free || head.e.op == Op::PageFree) t.last_read.prefetch(head.e.object);
        st.ready = ready_time(head.e, cpu);
        std::int64_t start = st.ready;
        const auto on = static_cast<std::uint16_t>(head.after >> kSeqBits);
        // One branch, rarely taken (a free's or a realloc's predecessor is usually
        // its own CPU's: the same stream's ran before, on this CPU), where testing
        // `after` first would branch on whether the head is an allocation.
        if ((head.after != 0) & (on != cpu)) {
            Stream& before = t.streams[on];
            const std::uint64_t seq1 = head.after & kSeqMask;
            if (before.done < seq1) {
                st.waits_for = head.after;
                st.state = StreamState::Parked;
                ++before.waiters;
                if (in_top) t.queue.remove_top();
                return;
            }
            if (before.done == seq1) start = std::max(start, st_.clock[on]);
        }
        if (in_top) t.queue.replace_top(QueuedOp{start, head.seq, cpu});
        else t.queue.push(QueuedOp{start, head.seq, cpu});
        st.state = StreamState::Queued;
    }

    ALLOCSIM_ALWAYS_INLINE void read_one(TimeOrderState& t, traces::TraceReader& reader, const ReplayProgress& progress) {
        Cursor& c = cursor_;
        if (c.at == c.n) {
            if (!reader.next_records(c.records, c.n)) {
                t.eof = true;
                return;
            }
            c.at = 0;
            if (progress) progress(st_.index);
        }
        // The object's entry, touched when its event is read (its live slot is
        // fetched when it becomes its stream's head, shortly before it runs).
        if (c.at + kPrefetchDistance < c.n)
            t.last_read.prefetch(traces::record_object(c.records + (c.at + kPrefetchDistance) * traces::kEventRecordBytes));
        const TraceEvent e = traces::decode_event(c.records + c.at++ * traces::kEventRecordBytes);
        const std::uint64_t seq = t.next_seq++;
        if (t.monotone) t.read_time = cycles_of_ns(e.time_ns);
        const std::uint16_t cpu = cpu_of(e.cpu);
        const auto [ref, fresh] = t.last_read.try_emplace(e.object, 0);
        const std::uint64_t after = *ref;
        *ref = event_ref(seq, cpu);
        Stream& st = t.streams[cpu];
        st.ops.push_back(PendingOp{e, seq, after});
        if (st.state == StreamState::Empty) {
            t.unread.remove(cpu);
            promote(t, cpu, false);
        }
    }

    // Whether a stream not read up to its next operation could start before the
    // queue's first.
    ALLOCSIM_ALWAYS_INLINE bool must_read(const TimeOrderState& t) const {
        if (t.eof) return false;
        // A few operations read ahead of the one running: their entries, fetched
        // when they were read, are in the cache when they run.
        if (t.queue.empty() || t.next_seq < st_.index + kReadAhead) return true;
        const std::int64_t first = t.queue.top().start;
        if (t.monotone && first <= t.read_time) return false;  // every unread operation starts at read_time or later
        // The streams whose next operation is unread, by clock: the earliest bounds them all.
        if (t.unread.empty()) return false;
        const std::int64_t bound = t.monotone ? std::max(t.unread.earliest(), t.read_time) : t.unread.earliest();
        return bound < first;  // at equal starts the queued one, earlier in the trace, goes first
    }

public:
    // Runs the next operation in simulated-time order, reading `reader` as far as it
    // needs; false when every operation has run (then end_time_order()). The first
    // call begins at the trace's start; after restore(), resume_reading() first.
    // Returns, in *ran if given, the trace event that ran and its index.
    ALLOCSIM_ALWAYS_INLINE bool step_in_time_order(traces::TraceReader& reader, const ReplayProgress& progress = {},
                            std::pair<std::uint64_t, TraceEvent>* ran = nullptr) {
        TimeOrderState& t = st_.time;
        if (!t.started) begin_time_order(reader);
        while (must_read(t)) read_one(t, reader, progress);
        if (t.queue.empty()) return false;
        const QueuedOp next = t.queue.take();  // stays the top until its stream's next head replaces it
        const std::uint16_t cpu = next.cpu;
        Stream& st = t.streams[cpu];
        const PendingOp& op = st.ops.front();  // stays until the stream's next push, after this step
        if (ran != nullptr) *ran = {op.seq, op.e};
        execute(op.e, cpu, st.ready, next.start, op.seq);
        const std::uint64_t object = op.e.object, ref = event_ref(op.seq, cpu);
        // After a free the object is dead without asking the live map, whose miss
        // would probe its overflow table.
        const bool dead = op.e.op == Op::Free || op.e.op == Op::PageFree || st_.live.find(object) == nullptr;
        st.ops.pop_front();
        st.done = ref & kSeqMask;
        if (dead) {
            // Its entry goes once no event read after this one names it.
            if (const std::uint64_t* last = t.last_read.find(object); last != nullptr && *last == ref)
                t.last_read.erase(object);
        }
        // The stream's next head takes the top's place (or the stream leaves the
        // queue) before anything else is pushed, so the top is still this operation.
        st.state = StreamState::Empty;
        if (!st.ops.empty()) {
            promote(t, cpu, true);
        } else {
            t.queue.remove_top();
            if (st.end_seq > t.next_seq) t.unread.add(cpu, st_.clock[cpu]);  // its clock holds until it has an operation
        }
        if (st.waiters != 0) {
            // A parked head waits for one of this stream's operations: this one?
            for (std::uint32_t c = 0; c < cpus_; ++c) {
                Stream& w = t.streams[c];
                if (w.state != StreamState::Parked || w.waits_for != ref) continue;
                --st.waiters;
                t.queue.push(QueuedOp{std::max(w.ready, st_.clock[cpu]), w.ops.front().seq, static_cast<std::uint16_t>(c)});
                w.state = StreamState::Queued;
                break;  // an operation is the previous one on its object for one event at most
            }
        }
        after_event();
        return true;
    }

    // After step_in_time_order() returned false: every operation read must have run.
    void end_time_order() {
        const TimeOrderState& t = st_.time;
        for (std::uint32_t c = 0; c < t.streams.size(); ++c)
            if (!t.streams[c].ops.empty())
                throw ReplayError(fmt::format("event {} on CPU {} never became runnable (its object's earlier event never ran)",
                                              t.streams[c].ops.front().seq, c));
    }

    // After restore() in simulated-time order: puts `reader` where the restored
    // state had read to (the records' pointer is not part of a checkpoint).
    void resume_reading(traces::TraceReader& reader) {
        cursor_ = Cursor{};
        const TimeOrderState& t = st_.time;
        if (!t.started) {
            reader.seek(0);
            return;
        }
        if (t.eof || t.next_seq >= reader.info().events) {
            st_.time.eof = true;  // as reading on would find: nothing left
            return;
        }
        const std::uint64_t first = reader.seek(t.next_seq);
        if (!reader.next_records(cursor_.records, cursor_.n))
            throw ReplayError(fmt::format("trace '{}': no chunk at event {}", reader.info().name, t.next_seq));
        cursor_.at = static_cast<std::size_t>(t.next_seq - first);
    }

private:
    void run_in_time_order(traces::TraceReader& reader, const ReplayProgress& progress) {
        begin_time_order(reader);
        while (step_in_time_order(reader, progress)) {
        }
        end_time_order();
        if (progress) progress(st_.index);
        end();
    }

    // ThreadCache hits over hits and misses, so far.
    double hit_rate() const {
        const std::uint64_t hits = core_.observer().count(ActionKind::CacheHit);
        const std::uint64_t misses = core_.observer().count(ActionKind::CacheMiss);
        return hits + misses == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
    }

    // The modeled cycles (work and wait) of all operations so far.
    std::uint64_t modeled_cycles_so_far() const {
        std::uint64_t sum = 0;
        for (const CpuFigures& f : st_.result.per_cpu) sum += f.work_cycles + f.wait_cycles;
        return sum;
    }

    // Footprint. The hybrid core's: memory taken from the buddy (slab runs, blocks,
    // large runs), which moves only when blocks do. The linked list's, as mdriver measures a heap: its
    // high-water mark, the end of the highest block ever handed out (`block` is the
    // operation's new block, or null).
    void note_footprint(const void* block) {
        if constexpr (kHybrid) {
            if (core_.observer().blocks_moved()) peak_candidate(footprint_now());
        } else if (block != nullptr) {
            const auto end = reinterpret_cast<std::uintptr_t>(block) + core_.usable_size(block);
            peak_candidate(end - reinterpret_cast<std::uintptr_t>(region_.base()));
        }
    }

    // A new peak footprint: fragmentation is measured there, when the peak has grown
    // by 1/64 since the last measurement (memory_stats() walks the pages, so it is
    // not run on every small step of a growing heap: a few hundred times at most).
    void peak_candidate(std::uint64_t footprint) {
        ReplaySummary& s = st_.result.summary;
        if (footprint <= s.peak_footprint_bytes) return;
        s.peak_footprint_bytes = footprint;
        take_breakdown(footprint);
        if (footprint < st_.measured_peak + st_.measured_peak / 64) return;
        st_.measured_peak = footprint;
        const MemoryStats m = core_.memory_stats();
        const std::uint64_t handed_out = m.live_bytes();
        s.internal_fragmentation =
            handed_out == 0 ? 0 : 1.0 - static_cast<double>(std::min(st_.live_bytes, handed_out)) / static_cast<double>(handed_out);
        s.external_fragmentation = external_fragmentation();
    }

    // The footprint now. The hybrid's: the pages taken from the buddy and the
    // metadata serving them (footprint_bytes(), from counters). The linked list's:
    // its used blocks (a walk; only the samples ask for it).
    std::uint64_t footprint_now() const {
        if constexpr (kHybrid)
            return core_.footprint_bytes();
        else
            return core_.memory_stats().footprint_bytes();
    }

    // Whether the object at p (of `size` bytes, aligned to 2^align_log2) is a slab
    // object: the linked list's all are; the hybrid's are when the size is within the
    // classes, unless an alignment above the classes' sent it to a page run.
    bool slab_object(const void* p, std::size_t size, std::uint8_t align_log2) const {
        if constexpr (kHybrid) {
            const std::size_t max = core_.size_classes().max_size();
            return align_log2 <= 3 ? size <= max : core_.usable_size(p) <= max;
        } else {
            return true;
        }
    }

    // The breakdown of a new peak footprint: the core's parts, with the requested
    // bytes taken out of the handed-out ones. Cheap (no page walk), so it is taken at
    // every new peak and is exact for the final one.
    void take_breakdown(std::uint64_t footprint) {
        FootprintParts p;
        if constexpr (kHybrid) p = core_.footprint_parts();
        else p = core_.footprint_parts(reinterpret_cast<std::uintptr_t>(region_.base()) + footprint);
        if (p.object_bytes < st_.requested_slab || p.page_bytes < st_.requested_pages || p.total() != footprint)
            throw ReplayError(fmt::format("event {}: the footprint's parts do not add up ({} B of parts, {} B of footprint; "
                                          "{} B of objects for {} B requested, {} B of pages for {} B requested)",
                                          st_.index, p.total(), footprint, p.object_bytes, st_.requested_slab, p.page_bytes,
                                          st_.requested_pages));
        FootprintBreakdown& b = st_.result.summary.footprint;
        b.event = st_.index;
        b.live_bytes = st_.live_bytes;
        b.class_rounding_bytes = p.object_bytes - st_.requested_slab;
        b.page_rounding_bytes = p.page_bytes - st_.requested_pages;
        b.run_tail_bytes = p.run_tail_bytes;
        b.cached_bytes = p.cached_bytes;
        b.partial_free_bytes = p.partial_free_bytes;
        b.empty_run_bytes = p.empty_run_bytes;
        b.remote_pending_bytes = p.remote_pending_bytes;
        b.metadata_bytes = p.metadata_bytes;
        b.heap_free_bytes = p.heap_free_bytes;
    }

    void sample() {
        Sample x;
        x.event = st_.index;
        for (std::int64_t c : st_.clock) x.time = std::max(x.time, c);
        x.live_bytes = st_.live_bytes;
        x.footprint_bytes = footprint_now();
        x.hit_rate = hit_rate();
        const std::uint64_t cycles = modeled_cycles_so_far();
        x.window_cycles = cycles - st_.sampled_cycles;
        x.window_ops = st_.index - st_.sampled_events;
        st_.sampled_cycles = cycles;
        st_.sampled_events = st_.index;
        st_.result.samples.push_back(x);
    }

    // The share of free memory that is not in blocks of the largest order: 0 when
    // every free byte could serve a max-order request, near 1 when free memory is
    // shredded into small blocks. (The largest free block against all free memory
    // would read 98% for a healthy 64 MiB region of 1 MiB blocks.) The linked list
    // has no orders: 0.
    double external_fragmentation() const {
        if constexpr (requires(const Core& c) { c.buddy().free_blocks(Order{0}); }) {
            const auto& buddy = core_.buddy();
            const std::size_t free = buddy.free_bytes();
            if (free == 0) return 0;
            const Order top = buddy.max_order();
            const double in_top = static_cast<double>(buddy.free_blocks(top)) * static_cast<double>(order_bytes(top));
            return 1.0 - in_top / static_cast<double>(free);
        } else {
            return 0;
        }
    }

    void check() {
        const CheckResult r = core_.check();
        if (r.ok) return;
        ++st_.result.summary.invariant_violations;
        // st_.index events have run: the last one's index is st_.index - 1.
        throw ReplayError(st_.index == 0 ? fmt::format("invariant violated before any event: {}", check_text(r))
                                      : fmt::format("invariant violated after event {}: {}", st_.index - 1, check_text(r)));
    }

    const ReplaySettings& s_;
    const CostModel& m_;
    std::uint32_t cpus_;
    std::vector<std::uint16_t> map_;
    Region& region_;
    const ReplayListener* listener_;
    Core core_;
    bool open_loop_ = false;
    State st_;
    Cursor cursor_;
};

}  // namespace replay_detail

using replay_detail::ReplayMachine;

}  // namespace allocsim::engine
