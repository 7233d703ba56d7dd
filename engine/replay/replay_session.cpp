#include "engine/replay/replay_session.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "engine/replay/region_snapshot.h"
#include "engine/replay/replay_machine.h"
#include "traces/import_error.h"
#include "traces/trace_reader.h"

namespace allocsim::engine {

namespace {

using Machine = ReplayMachine<HybridAllocator<OpPricer, SimPlatform>>;

struct Saved {
    Machine::Checkpoint machine;
    RegionSnapshot region;
};

}  // namespace

struct ReplaySession::Impl {
    Impl(traces::Database& database, const std::string& trace, const ReplaySettings& s)
        : db(database), settings(s), reader(database, trace), info(reader.info()),
          layout(replay_layout(database, info, settings)),
          region(layout.region_bytes, region_alignment(settings.core.buddy_max_order)) {
        if (settings.allocator != AllocatorKind::Hybrid)
            throw ReplayError("the session shows the hybrid core only (allocator=hybrid)");
        if (info.events == 0) throw ReplayError(fmt::format("trace '{}' has no events", trace));
        time_order = settings.order == ReplayOrder::Time && layout.cpus > 1;
        machine = std::make_unique<Machine>(settings, layout.cpus, layout.map, info.has_time, region, nullptr);
        interval = std::max<std::uint64_t>(65536, (info.events + 15) / 16);
        listener.op = [this](const OpSpan& span) { recorded_span = span; };
        listener.action = [this](const Action& a) {
            if (recording != nullptr) recording->push_back(a);
        };
        save_checkpoint();
    }

    // The next event in trace order, from the reader's current chunk.
    bool next_event(traces::TraceEvent& e) {
        if (chunk_pos == chunk.size()) {
            chunk_first += chunk.size();
            chunk_pos = 0;
            if (!reader.next_chunk(chunk)) return false;
        }
        e = chunk[chunk_pos++];
        return true;
    }

    // Puts the reader at event `index` (the machine must be there too).
    void position_reader(std::uint64_t index) {
        chunk.clear();
        chunk_pos = 0;
        if (index >= info.events) {
            chunk_first = info.events;
            return;
        }
        chunk_first = reader.seek(index);
        if (!reader.next_chunk(chunk)) throw traces::TraceError(fmt::format("trace '{}': no chunk at event {}", info.name, index));
        chunk_pos = static_cast<std::size_t>(index - chunk_first);
    }

    // Runs the next step, in the session's order; false at the end. `ran` gets the
    // trace event and its index.
    bool run_step(std::pair<std::uint64_t, traces::TraceEvent>& ran) {
        if (time_order) {
            if (machine->step_in_time_order(reader, {}, &ran)) return true;
            machine->end_time_order();
            return false;
        }
        ran.first = machine->index();
        if (!next_event(ran.second)) return false;
        machine->apply(ran.second);
        return true;
    }

    bool advance(StepRecord* out) {
        if (machine->index() >= info.events) return false;
        if (out != nullptr) {
            out->index = machine->index();
            out->actions.clear();
            recording = &out->actions;
            machine->set_listener(&listener);
        }
        std::pair<std::uint64_t, traces::TraceEvent> ran;
        const bool stepped = run_step(ran);
        if (out != nullptr) {
            out->seq = ran.first;
            out->event = ran.second;
            out->span = recorded_span;
            recording = nullptr;
            machine->set_listener(nullptr);
        }
        if (!stepped) return false;
        checkpoint_if_due();
        return true;
    }

    // On a multiple of the interval, the first time the machine gets there.
    void checkpoint_if_due() {
        if (machine->index() % interval == 0 && checkpoints.count(machine->index()) == 0) save_checkpoint();
    }

    void save_checkpoint() {
        Saved& s = checkpoints[machine->index()];
        machine->save(s.machine);
        s.region = RegionSnapshot::take(region);
    }

    void restore(const std::map<std::uint64_t, Saved>::const_iterator& it) {
        it->second.region.restore(region);
        machine->restore(it->second.machine);
        if (time_order) machine->resume_reading(reader);
        else position_reader(it->first);
    }

    traces::Database& db;
    const ReplaySettings settings;  // the machine keeps references to it and its model
    traces::TraceReader reader;
    const traces::TraceInfo info;
    const ReplayLayout layout;
    bool time_order = false;  // steps in simulated-time order
    Region region;
    std::unique_ptr<Machine> machine;
    std::uint64_t interval = 65536;
    std::map<std::uint64_t, Saved> checkpoints;
    TraceOverview overview;

    std::vector<traces::TraceEvent> chunk;
    std::uint64_t chunk_first = 0;
    std::size_t chunk_pos = 0;

    ReplayListener listener;
    std::vector<Action>* recording = nullptr;
    OpSpan recorded_span;

    // event_at's own reader and its last chunk.
    std::unique_ptr<traces::TraceReader> lookup;
    std::vector<traces::TraceEvent> lookup_chunk;
    std::uint64_t lookup_first = ~std::uint64_t{0};
};

ReplaySession::ReplaySession(traces::Database& db, const std::string& trace, const ReplaySettings& settings)
    : impl_(std::make_unique<Impl>(db, trace, settings)) {}

ReplaySession::~ReplaySession() = default;

const traces::TraceInfo& ReplaySession::info() const { return impl_->info; }
std::uint64_t ReplaySession::events() const { return impl_->info.events; }
std::uint32_t ReplaySession::cpus() const { return impl_->layout.cpus; }
std::uint64_t ReplaySession::position() const { return impl_->machine->index(); }
std::uint64_t ReplaySession::checkpoint_interval() const { return impl_->interval; }
std::size_t ReplaySession::checkpoints() const { return impl_->checkpoints.size(); }

std::uint64_t ReplaySession::checkpoint_bytes() const {
    std::uint64_t bytes = 0;
    for (const auto& [at, s] : impl_->checkpoints) bytes += s.region.bytes() + s.machine.core.size();
    return bytes;
}

bool ReplaySession::step(StepRecord* out) { return impl_->advance(out); }

void ReplaySession::seek(std::uint64_t target, const std::atomic<bool>* cancel) {
    Impl& m = *impl_;
    target = std::min(target, m.info.events);
    const std::uint64_t now = m.machine->index();
    // The last checkpoint at or before the target; from there unless the machine is
    // already between it and the target.
    auto it = m.checkpoints.upper_bound(target);
    --it;  // the one at 0 always exists
    if (!(now >= it->first && now <= target)) m.restore(it);
    std::uint64_t polled = 0;
    while (m.machine->index() < target) {
        if (cancel != nullptr && (++polled & 4095) == 0 && cancel->load(std::memory_order_relaxed)) return;
        if (!m.advance(nullptr)) break;
    }
}

void ReplaySession::build_checkpoints(const std::function<void(std::uint64_t)>& progress,
                                     const std::atomic<bool>* cancel) {
    Impl& m = *impl_;
    const std::uint64_t back = m.machine->index();
    const std::uint64_t n = m.info.events;
    const std::uint32_t cpus = m.layout.cpus;
    // From the start: the overview needs every event.
    m.restore(m.checkpoints.begin());
    TraceOverview o;
    o.cpu.resize(n);
    o.op.resize(n);
    o.kinds.resize(n);
    if (m.time_order) o.seq.resize(n);
    o.bucket_events = std::max<std::uint64_t>(1, (n + 999) / 1000);
    const std::size_t buckets = static_cast<std::size_t>((n + o.bucket_events - 1) / o.bucket_events);
    o.cycles_per_op.assign(cpus, std::vector<double>(buckets, 0));
    std::vector<std::vector<std::uint64_t>> ops(cpus, std::vector<std::uint64_t>(buckets, 0));
    std::vector<std::uint64_t> hits(buckets, 0), misses(buckets, 0);
    o.hit_rate.assign(buckets, -1);
    o.live_bytes.assign(buckets, 0);
    o.footprint_bytes.assign(buckets, 0);
    o.footprint_parts.assign(buckets, FootprintParts{});

    std::uint32_t kinds = 0;
    ReplayListener listener;
    listener.action = [&](const Action& a) { kinds |= 1u << static_cast<unsigned>(a.kind); };
    listener.op = [&](const OpSpan& span) {
        // By step (the operations run before this one), which is the event in trace order.
        const std::uint64_t step = m.machine->index();
        const std::size_t b = static_cast<std::size_t>(step / o.bucket_events);
        o.cpu[step] = span.cpu;
        o.op[step] = static_cast<std::uint8_t>(span.op);
        o.kinds[step] = kinds;
        if (!o.seq.empty()) o.seq[step] = span.event;
        o.cycles_per_op[span.cpu][b] += static_cast<double>(span.end - span.start);
        ++ops[span.cpu][b];
        hits[b] += (kinds >> static_cast<unsigned>(ActionKind::CacheHit)) & 1u;
        misses[b] += (kinds >> static_cast<unsigned>(ActionKind::CacheMiss)) & 1u;
        kinds = 0;
    };
    m.machine->set_listener(&listener);
    std::pair<std::uint64_t, traces::TraceEvent> ran;
    bool cancelled = false;
    while (m.run_step(ran)) {
        const std::uint64_t i = m.machine->index();
        m.checkpoint_if_due();
        if (i % o.bucket_events == 0 || i == n) {
            const std::size_t b = static_cast<std::size_t>((i - 1) / o.bucket_events);
            const auto& buddy = m.machine->core().buddy();
            o.live_bytes[b] = m.machine->live_bytes();
            o.footprint_bytes[b] = buddy.usable_bytes() - buddy.free_bytes();
            o.footprint_parts[b] = m.machine->core().footprint_parts();
        }
        if ((i & 65535) == 0) {
            if (progress) progress(i);
            if (cancel != nullptr && cancel->load(std::memory_order_relaxed)) {
                cancelled = true;
                break;
            }
        }
    }
    m.machine->set_listener(nullptr);
    if (progress && !cancelled) progress(m.machine->index());
    if (!cancelled) {
        for (std::size_t b = 0; b < buckets; ++b) {
            for (std::uint32_t c = 0; c < cpus; ++c)
                if (ops[c][b] != 0) o.cycles_per_op[c][b] /= static_cast<double>(ops[c][b]);
            if (hits[b] + misses[b] != 0) o.hit_rate[b] = static_cast<double>(hits[b]) / static_cast<double>(hits[b] + misses[b]);
        }
        m.overview = std::move(o);
    }
    seek(back);
}

const TraceOverview& ReplaySession::overview() const { return impl_->overview; }

bool ReplaySession::time_order() const { return impl_->time_order; }

traces::TraceEvent ReplaySession::event_at(std::uint64_t index) {
    Impl& m = *impl_;
    if (index >= m.info.events)
        throw traces::TraceError(fmt::format("trace '{}': no event {} (it has {})", m.info.name, index, m.info.events));
    if (m.time_order) {
        if (m.overview.seq.size() != m.info.events)
            throw ReplayError("in simulated-time order a step's event is known once the overview is built (build_checkpoints)");
        index = m.overview.seq[index];
    }
    if (index < m.lookup_first || index >= m.lookup_first + m.lookup_chunk.size()) {
        if (!m.lookup) m.lookup = std::make_unique<traces::TraceReader>(m.db, m.info.name);
        m.lookup_first = m.lookup->seek(index);
        if (!m.lookup->next_chunk(m.lookup_chunk))
            throw traces::TraceError(fmt::format("trace '{}': no chunk at event {}", m.info.name, index));
    }
    return m.lookup_chunk[static_cast<std::size_t>(index - m.lookup_first)];
}

CoreSnapshot ReplaySession::snapshot() const { return snapshot_of(impl_->machine->core()); }
std::vector<SlabRunView> ReplaySession::slab_runs(std::uint8_t size_class) const {
    return slab_runs_of(impl_->machine->core(), size_class);
}
ReplaySummary ReplaySession::summary() const { return impl_->machine->summary_now(); }
std::uint64_t ReplaySession::live_bytes() const { return impl_->machine->live_bytes(); }

}  // namespace allocsim::engine
