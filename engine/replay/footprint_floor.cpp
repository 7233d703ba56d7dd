#include "engine/replay/footprint_floor.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "alloc/hybrid_allocator.h"
#include "engine/replay/op_pricer.h"
#include "engine/replay/region.h"
#include "engine/replay/sim_platform.h"
#include "traces/trace_reader.h"
#include "traces/u64_map.h"

namespace allocsim::engine {

namespace {

using Core = HybridAllocator<OpPricer, SimPlatform>;

// A live object: its requested bytes, the modeled CPU whose run holds it, and what
// it holds in the floor: a slot of class `size_class`, or `pages` whole pages (above
// the classes, or a page block).
struct FloorObject {
    std::uint64_t size = 0;
    std::uint64_t pages = 0;        // 0 for a slot
    std::uint16_t cpu = 0;
    std::uint8_t size_class = 0;
};

// The runs and pages the live objects need, kept up to date one event at a time:
// runs shared by all CPUs (the floor), and runs of the CPU that allocated each
// object (the per-CPU floor).
class FloorCounter {
public:
    FloorCounter(const SizeClassTable& table, std::uint32_t cpus)
        : table_(table), live_in_class_(table.count(), 0), live_on_cpu_(std::size_t{cpus} * table.count(), 0) {}

    void on(const traces::TraceEvent& e, std::uint16_t cpu, std::uint32_t buddy_max_order) {
        switch (e.op) {
            case traces::Op::Alloc:
                if (!objects_.contains(e.object)) add(e.object, e.size, place(e.size, e.arg, cpu));
                break;
            case traces::Op::PageAlloc:
                // The core refuses an order above its largest block; nothing is held.
                if (e.arg <= buddy_max_order && !objects_.contains(e.object)) {
                    const std::uint64_t bytes = traces::page_block_bytes(e.arg);
                    add(e.object, bytes, FloorObject{bytes, bytes >> kPageShift, cpu, 0});
                }
                break;
            case traces::Op::Realloc:
                // The object ends in the class of its new size, in place in its run if
                // that is its class, else moved to a run of the CPU that reallocates
                // (reallocate() moves it otherwise); or in the pages that size needs.
                if (const FloorObject* old = objects_.find(e.object)) {
                    FloorObject next = place(e.size, 0, cpu);
                    if (next.pages == 0 && old->pages == 0 && next.size_class == old->size_class) next.cpu = old->cpu;
                    remove(e.object);
                    add(e.object, e.size, next);
                }
                break;
            case traces::Op::Free:
            case traces::Op::PageFree:
                if (objects_.contains(e.object)) remove(e.object);
                break;
        }
    }

    std::uint64_t live_bytes() const { return live_bytes_; }
    std::uint64_t held_bytes() const { return pages_bytes_ + shared_runs_bytes_; }
    std::uint64_t held_per_cpu_bytes() const { return pages_bytes_ + cpu_runs_bytes_; }

private:
    FloorObject place(std::uint64_t size, std::uint8_t align_log2, std::uint16_t cpu) const {
        const std::size_t request = size == 0 ? 1 : size;
        FloorObject o;
        o.cpu = cpu;
        SizeClass c{};
        const bool small = align_log2 > 3 ? table_.class_for_aligned(request, std::size_t{1} << align_log2, c)
                                          : request <= table_.max_size();
        if (small) {
            if (align_log2 <= 3) c = table_.class_for(request);
            o.size_class = static_cast<std::uint8_t>(index_of(c));
        } else {
            o.pages = (request + kPageSize - 1) >> kPageShift;
        }
        return o;
    }

    // The bytes of the runs that `n` objects of class k need.
    std::uint64_t runs_bytes(std::uint32_t k, std::uint64_t n) const {
        const SizeClass c{static_cast<std::uint8_t>(k)};
        const std::uint64_t per_run = table_.objects_per_run(c);
        return (n + per_run - 1) / per_run * table_.run_bytes(c);
    }
    // One more (+1) or one fewer (-1) object of class k in `count`: the runs' bytes change.
    void step(std::uint64_t& count, std::uint32_t k, int delta, std::uint64_t& runs) const {
        const std::uint64_t before = runs_bytes(k, count);
        count = delta > 0 ? count + 1 : count - 1;
        runs = runs - before + runs_bytes(k, count);
    }

    void add(std::uint64_t id, std::uint64_t size, FloorObject o) {
        o.size = size;
        objects_.try_emplace(id, o);
        live_bytes_ += size;
        if (o.pages != 0) {
            pages_bytes_ += o.pages << kPageShift;
        } else {
            step(live_in_class_[o.size_class], o.size_class, +1, shared_runs_bytes_);
            step(live_on_cpu_[std::size_t{o.cpu} * table_.count() + o.size_class], o.size_class, +1, cpu_runs_bytes_);
        }
    }

    void remove(std::uint64_t id) {
        FloorObject o;
        objects_.erase(id, &o);
        live_bytes_ -= o.size;
        if (o.pages != 0) {
            pages_bytes_ -= o.pages << kPageShift;
        } else {
            step(live_in_class_[o.size_class], o.size_class, -1, shared_runs_bytes_);
            step(live_on_cpu_[std::size_t{o.cpu} * table_.count() + o.size_class], o.size_class, -1, cpu_runs_bytes_);
        }
    }

    const SizeClassTable& table_;
    U64Map<FloorObject> objects_;
    std::vector<std::uint64_t> live_in_class_;  // live objects of each class, all CPUs
    std::vector<std::uint64_t> live_on_cpu_;    // [cpu * classes + class]: live objects from that CPU's runs
    std::uint64_t live_bytes_ = 0, pages_bytes_ = 0, shared_runs_bytes_ = 0, cpu_runs_bytes_ = 0;
};

}  // namespace

FootprintFloor footprint_floor(traces::Database& db, const std::string& trace, const ReplaySettings& settings,
                               const ReplayProgress& progress, std::vector<std::uint64_t>* each_event) {
    traces::TraceReader reader(db, trace);
    const ReplayLayout layout = replay_layout(db, reader.info(), settings);
    // The core itself, configured as the replay configures it, gives the class
    // table, the run sizes and its metadata: nothing here restates them.
    Region region(layout.region_bytes, region_alignment(settings.core.buddy_max_order));
    AllocatorConfig config = settings.core;
    config.cpus = layout.cpus;
    if (!settings.size_classes.empty()) {
        config.size_classes = settings.size_classes.data();
        config.size_class_count = static_cast<std::uint32_t>(settings.size_classes.size());
    }
    auto core = std::make_unique<Core>();
    if (const InitError e = core->init(region.base(), region.bytes(), config); e != InitError::None)
        throw ReplayError(fmt::format("the core refused the configuration: {}", init_error_name(e)));

    FootprintFloor f;
    f.cpus = layout.cpus;
    f.fixed_metadata_bytes = core->footprint_bytes();  // nothing allocated yet: the per-CPU structures
    f.descriptor_bytes = sizeof(PageDescriptor);
    FloorCounter counter(core->size_classes(), layout.cpus);
    // The core's footprint counts a descriptor per page in use, as footprint_bytes().
    const auto with_metadata = [&f](std::uint64_t bytes) {
        return bytes + f.fixed_metadata_bytes + (bytes >> kPageShift) * f.descriptor_bytes;
    };
    std::vector<traces::TraceEvent> chunk;
    while (reader.next_chunk(chunk)) {
        for (const traces::TraceEvent& e : chunk) {
            counter.on(e, e.cpu < layout.map.size() ? layout.map[e.cpu] : std::uint16_t{0}, settings.core.buddy_max_order);
            f.peak_live_bytes = std::max(f.peak_live_bytes, counter.live_bytes());
            f.floor_per_cpu_bytes = std::max(f.floor_per_cpu_bytes, counter.held_per_cpu_bytes());
            if (counter.held_bytes() > f.floor_bytes) {
                f.floor_bytes = counter.held_bytes();
                f.floor_event = f.events;
            }
            if (each_event != nullptr) each_event->push_back(with_metadata(counter.held_bytes()));
            ++f.events;
        }
        if (progress) progress(f.events);
    }
    f.floor_footprint_bytes = with_metadata(f.floor_bytes);
    f.floor_per_cpu_footprint_bytes = with_metadata(f.floor_per_cpu_bytes);
    const auto ratio = [](std::uint64_t a, std::uint64_t b) { return b == 0 ? 0.0 : static_cast<double>(a) / static_cast<double>(b); };
    f.utilization_bound = ratio(f.peak_live_bytes, f.floor_footprint_bytes);
    f.utilization_bound_no_metadata = ratio(f.peak_live_bytes, f.floor_bytes);
    f.utilization_bound_per_cpu = ratio(f.peak_live_bytes, f.floor_per_cpu_footprint_bytes);
    return f;
}

}  // namespace allocsim::engine
