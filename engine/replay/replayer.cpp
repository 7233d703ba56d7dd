#include "engine/replay/replayer.h"

#include <fmt/format.h>
#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <array>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "alloc/hybrid_allocator_check.h"
#include "alloc/linked_list_allocator.h"
#include "engine/replay/action_log.h"
#include "engine/replay/cycle_histogram.h"
#include "engine/replay/sim_platform.h"
#include "traces/trace_reader.h"
#include "traces/u64_map.h"

namespace allocsim::engine {

namespace {

using traces::Op;
using traces::TraceEvent;

constexpr std::uint16_t kNoCpu = 0xFFFF;

// The modeled memory: reserved with mmap so that only the pages the core touches
// cost anything, whatever size the trace needs.
class Region {
public:
    explicit Region(std::size_t bytes) : bytes_(bytes) {
        void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw ReplayError(fmt::format("cannot reserve a region of {} bytes", bytes));
        base_ = p;
    }
    ~Region() { munmap(base_, bytes_); }
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    void* base() const { return base_; }
    std::size_t bytes() const { return bytes_; }

private:
    void* base_ = nullptr;
    std::size_t bytes_;
};

std::uint64_t event_bytes(const TraceEvent& e) {
    if (e.op == Op::PageAlloc) return std::uint64_t{kPageSize} << e.arg;
    return e.size;
}

// Peak requested bytes of live objects, by a first pass over the trace: what the
// region must hold at least.
std::uint64_t peak_live_bytes(traces::Database& db, const std::string& trace) {
    traces::TraceReader reader(db, trace);
    U64Map<std::uint64_t> live;  // object -> bytes
    std::uint64_t now = 0, peak = 0;
    std::vector<TraceEvent> chunk;
    while (reader.next_chunk(chunk)) {
        for (const TraceEvent& e : chunk) {
            switch (e.op) {
                case Op::Alloc:
                case Op::PageAlloc:
                    if (live.try_emplace(e.object, event_bytes(e)).second) now += event_bytes(e);
                    break;
                case Op::Realloc:
                    if (std::uint64_t* bytes = live.find(e.object)) {
                        now = now - *bytes + e.size;
                        *bytes = e.size;
                    }
                    break;
                case Op::Free:
                case Op::PageFree:
                    if (const std::uint64_t* bytes = live.find(e.object)) {
                        now -= *bytes;
                        live.erase(e.object);
                    }
                    break;
            }
            peak = std::max(peak, now);
        }
    }
    return peak;
}

// The region a trace fits in: twice its peak live bytes (room for per-CPU caches,
// partial slabs and buddy fragmentation) plus a slab run per CPU and class, rounded
// up to a power of two, at least 64 MiB. --set region=... overrides it.
std::uint64_t fitting_region(std::uint64_t peak_live, std::uint32_t cpus, std::uint32_t classes) {
    const std::uint64_t need = 2 * peak_live + std::uint64_t{cpus} * classes * (64 << 10) + (16 << 20);
    return std::max<std::uint64_t>(std::bit_ceil(need), 64ull << 20);
}

struct LiveObject {
    void* ptr = nullptr;
    std::uint64_t size = 0;
    std::uint16_t last_cpu = kNoCpu;  // the CPU that allocated or last resized it
    std::uint8_t align_log2 = 0;
    bool page = false;
    std::uint8_t order = 0;
};

// A lock or a contended cache line in simulated time.
struct Resource {
    std::int64_t free_at = 0;       // when its last holder let it go
    std::uint16_t last_cpu = kNoCpu;
};

template <class Core>
class Replayer {
public:
    Replayer(const ReplaySettings& settings, std::uint32_t cpus, std::vector<std::uint16_t> cpu_of_trace_cpu,
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
        open_loop_ = settings.loop == LoopMode::Open || (settings.loop == LoopMode::Auto && has_time);
        clock_.assign(cpus, 0);
        last_trace_time_.assign(cpus, traces::kNoTime);
        result_.per_cpu.assign(cpus, CpuFigures{});
    }

    void run(traces::TraceReader& reader, const ReplayProgress& progress) {
        std::vector<TraceEvent> chunk;
        while (reader.next_chunk(chunk)) {
            for (const TraceEvent& e : chunk) {
                step(e);
                ++index_;
                if (s_.check_every != 0 && index_ % s_.check_every == 0) check();
                if (index_ % s_.sample_every == 0) sample();
            }
            if (progress) progress(index_);
        }
        check();
        if (result_.samples.empty() || result_.samples.back().event != index_) sample();
    }

    ReplayResult finish() {
        ReplaySummary& s = result_.summary;
        s.events = index_;
        s.cpus = cpus_;
        const ActionCounts totals = core_.observer().counts().total();
        const std::uint64_t hits = totals[ActionKind::CacheHit], misses = totals[ActionKind::CacheMiss];
        s.thread_cache_hit_rate = hits + misses == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
        s.refills = totals[ActionKind::Refill];
        s.drains = totals[ActionKind::Drain];
        s.buddy_splits = totals[ActionKind::BuddySplit];
        s.buddy_coalesces = totals[ActionKind::BuddyCoalesce];
        s.lock_acquires = totals[ActionKind::LockAcquire];
        s.modeled_cycles_p50 = histogram_.percentile(50);
        s.modeled_cycles_p99 = histogram_.percentile(99);
        s.utilization = s.peak_footprint_bytes == 0
                            ? 0
                            : static_cast<double>(s.peak_live_bytes) / static_cast<double>(s.peak_footprint_bytes);
        s.region_bytes = region_.bytes();
        for (std::uint32_t c = 0; c < cpus_; ++c) {
            result_.per_cpu[c].clock = clock_[c];
            const ActionCounts& row = core_.observer().counts().cpu(CpuId{static_cast<std::uint16_t>(c)});
            result_.per_cpu[c].cache_hits = row[ActionKind::CacheHit];
            result_.per_cpu[c].cache_misses = row[ActionKind::CacheMiss];
            s.makespan_cycles = std::max(s.makespan_cycles, clock_[c]);
        }
        return std::move(result_);
    }

private:
    std::uint16_t cpu_of(std::uint16_t trace_cpu) const {
        return trace_cpu < map_.size() ? map_[trace_cpu] : static_cast<std::uint16_t>(trace_cpu % cpus_);
    }

    std::int64_t cycles_of_ns(std::int64_t ns) const { return ns * static_cast<std::int64_t>(m_.mhz) / 1000; }

    void step(const TraceEvent& e) {
        const std::uint16_t cpu = cpu_of(e.cpu);
        const CpuId id{cpu};
        // When the operation starts.
        std::int64_t start = clock_[cpu];
        if (e.time_ns != traces::kNoTime) {
            if (open_loop_) {
                start = std::max(start, cycles_of_ns(e.time_ns));
            } else if (last_trace_time_[cpu] != traces::kNoTime) {
                start += cycles_of_ns(std::max<std::int64_t>(0, e.time_ns - last_trace_time_[cpu]));
            }
            last_trace_time_[cpu] = e.time_ns;
        }

        ActionLog& log = core_.observer();
        log.clear();
        const void* new_block = nullptr;
        std::uint64_t extra_work = 0;  // priced here, not by an action
        ReplaySummary& s = result_.summary;
        switch (e.op) {
            case Op::Alloc:
            case Op::PageAlloc: {
                if (live_.contains(e.object))
                    throw ReplayError(fmt::format("event {}: object {} is allocated while live", index_, e.object));
                void* p = nullptr;
                LiveObject o;
                o.last_cpu = cpu;
                if (e.op == Op::Alloc) {
                    ++s.allocs;
                    o.size = e.size;
                    o.align_log2 = e.arg;
                    const std::size_t size = e.size == 0 ? 1 : e.size;  // malloc(0) is a unique object
                    p = e.arg > 3 ? core_.allocate_aligned(id, size, std::size_t{1} << e.arg) : core_.allocate(id, size);
                } else {
                    ++s.page_allocs;
                    o.page = true;
                    o.order = e.arg;
                    o.size = std::uint64_t{kPageSize} << e.arg;
                    if (e.arg <= s_.core.buddy_max_order) p = core_.allocate_pages(id, Order{e.arg});
                    else log.record(Action{ActionKind::AllocFailure, id});
                }
                if (p == nullptr) {
                    ++s.failed_allocs;
                    break;
                }
                o.ptr = p;
                new_block = p;
                live_.try_emplace(e.object, o);
                live_bytes_ += o.size;
                s.peak_live_bytes = std::max(s.peak_live_bytes, live_bytes_);
                break;
            }
            case Op::Free:
            case Op::PageFree: {
                e.op == Op::Free ? ++s.frees : ++s.page_frees;
                const LiveObject* found = live_.find(e.object);
                if (found == nullptr) break;  // its allocation failed
                const LiveObject o = *found;
                live_.erase(e.object);
                live_bytes_ -= o.size;
                if (o.last_cpu != cpu) {
                    // The object's line is in another CPU's cache.
                    extra_work += m_.line_transfer;
                    ++s.remote_frees;
                    ++result_.per_cpu[cpu].remote_frees;
                }
                if (o.page) core_.free_pages(id, o.ptr, Order{o.order});
                else if (o.align_log2 > 3) core_.deallocate_aligned(id, o.ptr, o.size == 0 ? 1 : o.size, std::size_t{1} << o.align_log2);
                else core_.deallocate(id, o.ptr, o.size == 0 ? 1 : o.size);
                break;
            }
            case Op::Realloc: {
                ++s.reallocs;
                LiveObject* found = live_.find(e.object);
                if (found == nullptr) break;
                LiveObject& o = *found;
                if (o.last_cpu != cpu) extra_work += m_.line_transfer;
                void* p = core_.reallocate(id, o.ptr, e.size == 0 ? 1 : e.size);
                if (p == nullptr) {
                    ++s.failed_allocs;  // the old block stays, as realloc's contract says
                    break;
                }
                live_bytes_ = live_bytes_ - o.size + e.size;
                s.peak_live_bytes = std::max(s.peak_live_bytes, live_bytes_);
                o.ptr = p;
                new_block = p;
                o.size = e.size;
                o.align_log2 = 0;
                o.last_cpu = cpu;
                break;
            }
        }

        // Price the actions in order, placing locks and lines in simulated time.
        std::int64_t t = start + m_.op_base + static_cast<std::int64_t>(extra_work);
        std::uint64_t work = m_.op_base + extra_work;
        std::uint64_t wait = 0;
        Resource* held = nullptr;
        CpuId remote_owner{};
        SizeClass remote_class{};
        bool after_remote_free = false;
        bool buddy_changed = false;  // the footprint moves only when blocks leave or return
        for (const Action& a : log.actions()) {
            buddy_changed |= a.kind == ActionKind::BuddyAlloc || a.kind == ActionKind::BuddyFree ||
                             a.kind == ActionKind::LargeAlloc || a.kind == ActionKind::LargeFree;
            std::uint64_t price = price_of(a);
            if (a.kind == ActionKind::LockAcquire) {
                if (held != nullptr) held->free_at = t;
                Resource& lock = locks_[static_cast<std::uint8_t>(a.lock)];
                if (lock.free_at > t && lock.last_cpu != cpu) {
                    const std::uint64_t w = static_cast<std::uint64_t>(lock.free_at - t) + m_.lock_handoff;
                    if (listener_ != nullptr && listener_->wait)
                        listener_->wait(WaitSpan{index_, cpu, true, static_cast<std::uint32_t>(a.lock), t,
                                                 t + static_cast<std::int64_t>(w)});
                    wait += w;
                    t += static_cast<std::int64_t>(w);
                    ++s.lock_contended;
                    s.lock_wait_cycles += w;
                }
                lock.last_cpu = cpu;
                held = &lock;
            } else if (a.kind == ActionKind::AtomicOp) {
                // The remote queue's line: the owner's queue for the class the batch went to.
                const std::uint32_t owner = index_of(after_remote_free ? remote_owner : a.cpu);
                const std::uint32_t cls = index_of(after_remote_free ? remote_class : a.size_class);
                Resource& line = lines_[owner * kMaxSizeClasses + cls];
                if (line.last_cpu != kNoCpu && line.last_cpu != cpu) price += m_.line_transfer;
                if (line.free_at > t && line.last_cpu != cpu) {
                    const auto w = static_cast<std::uint64_t>(line.free_at - t);
                    if (listener_ != nullptr && listener_->wait)
                        listener_->wait(WaitSpan{index_, cpu, false, owner * kMaxSizeClasses + cls, t,
                                                 t + static_cast<std::int64_t>(w)});
                    wait += w;
                    t += static_cast<std::int64_t>(w);
                    s.line_wait_cycles += w;
                }
                line.free_at = t + static_cast<std::int64_t>(price);
                line.last_cpu = cpu;
            }
            after_remote_free = a.kind == ActionKind::RemoteFree;
            if (after_remote_free) {
                remote_owner = a.other_cpu;
                remote_class = a.size_class;
            }
            work += price;
            t += static_cast<std::int64_t>(price);
        }
        if (held != nullptr) held->free_at = t;

        clock_[cpu] = t;
        if (listener_ != nullptr && listener_->op) listener_->op(OpSpan{index_, cpu, e.op, start, t, wait});
        const std::uint64_t total = work + wait;
        histogram_.add(total);
        s.modeled_cycles_total += total;
        s.work_cycles_total += work;
        s.modeled_cycles_max = std::max(s.modeled_cycles_max, total);
        CpuFigures& f = result_.per_cpu[cpu];
        ++f.ops;
        f.work_cycles += work;
        f.wait_cycles += wait;
        window_cycles_ += total;
        ++window_ops_;
        note_footprint(new_block, buddy_changed);
    }

    std::uint64_t price_of(const Action& a) const {
        const std::uint64_t objects = a.objects, nodes = a.nodes;
        const std::uint64_t touched = m_.node_touch * nodes;
        switch (a.kind) {
            case ActionKind::CacheHit: return m_.cache_hit;
            case ActionKind::CacheMiss: return m_.cache_miss;
            case ActionKind::CacheFree: return m_.cache_free;
            case ActionKind::CacheFull: return m_.cache_full;
            case ActionKind::Refill: return m_.refill_per_object * objects + touched;
            case ActionKind::Drain: return m_.drain_per_object * objects + touched;
            case ActionKind::SlabCarve: return m_.slab_carve + m_.slab_carve_per_object * objects;
            case ActionKind::PageReturn: return m_.page_return;
            case ActionKind::RemoteFree: return m_.remote_free + touched;
            case ActionKind::RemoteCollect: return m_.remote_collect + touched;
            case ActionKind::BuddyAlloc: return m_.buddy_alloc + touched;
            case ActionKind::BuddyFree: return m_.buddy_free + touched;
            case ActionKind::BuddySplit: return m_.buddy_split;
            case ActionKind::BuddyCoalesce: return m_.buddy_coalesce;
            case ActionKind::LargeAlloc: return m_.large_alloc;
            case ActionKind::LargeFree: return m_.large_free;
            case ActionKind::LockAcquire: return m_.lock;
            case ActionKind::AtomicOp: return m_.atomic;
            case ActionKind::AllocFailure: return m_.alloc_failure;
            case ActionKind::InvalidFree: return 0;
        }
        return 0;
    }

    // Footprint. The hybrid core's: memory taken from the buddy (slab runs, blocks,
    // large runs). The linked list's, as mdriver measures a heap: its high-water
    // mark, the end of the highest block ever handed out (`block` is the operation's
    // new block, or null). `buddy_changed`: blocks left or returned to the buddy in
    // this operation; the hybrid footprint cannot have moved otherwise.
    void note_footprint(const void* block, bool buddy_changed) {
        if constexpr (requires(Core& c) { c.buddy().free_bytes(); }) {
            if (buddy_changed) peak_candidate(core_.buddy().usable_bytes() - core_.buddy().free_bytes());
        } else if (block != nullptr) {
            const auto end = reinterpret_cast<std::uintptr_t>(block) + core_.usable_size(block);
            peak_candidate(end - reinterpret_cast<std::uintptr_t>(region_.base()));
        }
    }

    // A new peak footprint: fragmentation is measured there, when the peak has grown
    // by 1/64 since the last measurement (memory_stats() walks the pages, so it is
    // not run on every small step of a growing heap: a few hundred times at most).
    void peak_candidate(std::uint64_t footprint) {
        ReplaySummary& s = result_.summary;
        if (footprint <= s.peak_footprint_bytes) return;
        s.peak_footprint_bytes = footprint;
        if (footprint < measured_peak_ + measured_peak_ / 64) return;
        measured_peak_ = footprint;
        const MemoryStats m = core_.memory_stats();
        const std::uint64_t handed_out = m.live_bytes();
        s.internal_fragmentation =
            handed_out == 0 ? 0 : 1.0 - static_cast<double>(std::min(live_bytes_, handed_out)) / static_cast<double>(handed_out);
        s.external_fragmentation = external_fragmentation();
    }

    void sample() {
        const MemoryStats m = core_.memory_stats();
        Sample x;
        x.event = index_;
        for (std::int64_t c : clock_) x.time = std::max(x.time, c);
        x.live_bytes = live_bytes_;
        x.footprint_bytes = m.footprint_bytes();
        const ActionCounts totals = core_.observer().counts().total();
        const std::uint64_t hits = totals[ActionKind::CacheHit], misses = totals[ActionKind::CacheMiss];
        x.hit_rate = hits + misses == 0 ? 0 : static_cast<double>(hits) / static_cast<double>(hits + misses);
        x.window_cycles = window_cycles_;
        x.window_ops = window_ops_;
        window_cycles_ = window_ops_ = 0;
        result_.samples.push_back(x);
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
        ++result_.summary.invariant_violations;
        throw ReplayError(fmt::format("invariant violated after event {}: {} (at {:#x}; expected {}, found {})", index_,
                                      r.what ? r.what : "?", r.address, r.expected, r.actual));
    }

    const ReplaySettings& s_;
    const CostModel& m_;
    std::uint32_t cpus_;
    std::vector<std::uint16_t> map_;
    Region& region_;
    const ReplayListener* listener_;
    Core core_;
    bool open_loop_ = false;
    std::vector<std::int64_t> clock_;
    std::vector<std::int64_t> last_trace_time_;
    U64Map<LiveObject> live_;
    std::array<Resource, 256> locks_{};                         // by LockId: an order, or 0xFF (global)
    std::vector<Resource> lines_ = std::vector<Resource>(kMaxCpus * kMaxSizeClasses);  // owner x class
    CycleHistogram histogram_;
    ReplayResult result_;
    std::uint64_t index_ = 0;
    std::uint64_t live_bytes_ = 0;
    std::uint64_t window_cycles_ = 0, window_ops_ = 0;
    std::uint64_t measured_peak_ = 0;  // the footprint fragmentation was last measured at
};

}  // namespace

ReplayResult replay(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                    const ReplayProgress& progress, const ReplayListener* listener) {
    const auto wall_start = std::chrono::steady_clock::now();
    traces::TraceReader reader(db, trace);
    const traces::TraceInfo& info = reader.info();

    // Modeled CPUs and the mapping from the trace's.
    std::vector<std::uint16_t> map;
    std::uint32_t cpus = info.cpus == 0 ? 1 : info.cpus;
    if (!settings.cpu_map.empty()) {
        std::uint32_t highest = 0;
        for (std::uint32_t c = 0; c < info.cpus; ++c) {
            const std::uint32_t to = settings.cpu_map[c % settings.cpu_map.size()];
            highest = std::max(highest, to);
            map.push_back(static_cast<std::uint16_t>(to));
        }
        cpus = settings.cpus != 0 ? settings.cpus : highest + 1;
        if (highest >= cpus) throw ReplayError(fmt::format("--map sends a CPU to {}, but there are {} CPUs", highest, cpus));
    } else if (settings.cpus != 0) {
        cpus = settings.cpus;
    }
    if (cpus > kMaxCpus)
        throw ReplayError(fmt::format("trace '{}' has {} CPUs; the core models at most {}: fold them with --cpus N",
                                      trace, cpus, kMaxCpus));
    if (settings.sample_every == 0) throw ReplayError("sample_every must be at least 1");

    std::uint64_t region_bytes = settings.region_bytes;
    if (region_bytes == 0) {
        const std::uint32_t classes = settings.size_classes.empty() ? 64 : static_cast<std::uint32_t>(settings.size_classes.size());
        region_bytes = fitting_region(peak_live_bytes(db, trace), cpus, classes);
    }
    Region region(region_bytes);

    ReplayResult result;
    if (settings.allocator == AllocatorKind::Hybrid) {
        auto r = std::make_unique<Replayer<HybridAllocator<ActionLog, SimPlatform>>>(settings, cpus, map, info.has_time, region, listener);
        r->run(reader, progress);
        result = r->finish();
    } else {
        auto r = std::make_unique<Replayer<LinkedListAllocator<ActionLog, SimPlatform>>>(settings, cpus, map, info.has_time, region, listener);
        r->run(reader, progress);
        result = r->finish();
    }
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    result.summary.events_per_second = seconds > 0 ? static_cast<double>(result.summary.events) / seconds : 0;
    return result;
}

}  // namespace allocsim::engine
