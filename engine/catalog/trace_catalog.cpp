#include "engine/catalog/trace_catalog.h"

#include "engine/replay/run_store.h"
#include "traces/database.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

namespace allocsim::engine::catalog {

std::vector<TraceEntry> list_traces(const std::string& db) {
    traces::Database d(db, traces::Database::Mode::ReadOnly);
    std::vector<TraceEntry> out;
    for (const traces::TraceInfo& t : d.traces()) out.push_back({t.name, t.events, t.cpus});
    return out;
}

std::vector<MeasuredRunInfo> list_measured(const std::string& db) {
    traces::Database d(db, traces::Database::Mode::ReadOnly);
    return list_measured_runs(d);
}

std::vector<RunEntry> list_runs(const std::string& db) {
    traces::Database d(db, traces::Database::Mode::ReadOnly);
    std::vector<RunEntry> out;
    for (const RunInfo& r : engine::list_runs(d)) out.push_back({r.id, r.trace, r.label, r.allocator, r.started});
    return out;
}

RunToOpen stored_run(const std::string& db, std::int64_t run) {
    traces::Database d(db, traces::Database::Mode::ReadOnly);
    const StoredRun stored = load_run(d, run);
    return {stored.trace, stored.settings_json};
}

void ensure_generated(const std::string& db, const std::string& name) {
    traces::Database d(db);
    if (d.find_trace(name)) return;
    traces::TraceWriter writer(d, name, "gen", name);
    traces::EventEmitter emitter(writer);
    traces::generate(name, traces::GeneratorOptions{}, emitter);
    writer.commit(emitter.summary());
}

OpenTrace::OpenTrace(const std::string& db, const std::string& trace, const ReplaySettings& settings)
    : db_(std::make_unique<traces::Database>(db, traces::Database::Mode::ReadOnly)),
      session_(std::make_unique<ReplaySession>(*db_, trace, settings)) {}

OpenTrace::~OpenTrace() = default;

MeasuredRun OpenTrace::measured_run(std::int64_t id) { return load_measured_run(*db_, id); }

ModeledOps OpenTrace::modeled_ops(const std::string& trace, const ReplaySettings& settings) {
    return model_ops(*db_, trace, settings);
}

TraceEvents::TraceEvents(const std::string& db, const std::string& trace)
    : db_(std::make_unique<traces::Database>(db, traces::Database::Mode::ReadOnly)),
      reader_(std::make_unique<traces::TraceReader>(*db_, trace)),
      events_(reader_->info().events) {}

TraceEvents::~TraceEvents() = default;

const traces::TraceEvent& TraceEvents::at(std::uint64_t i) {
    for (auto it = chunks_.begin(); it != chunks_.end(); ++it)
        if (i >= it->first && i < it->first + it->events.size()) {
            if (it != chunks_.begin()) chunks_.splice(chunks_.begin(), chunks_, it);
            return chunks_.front().events[static_cast<std::size_t>(i - chunks_.front().first)];
        }
    Chunk c;
    c.first = reader_->seek(i);
    reader_->next_chunk(c.events);
    chunks_.push_front(std::move(c));
    if (chunks_.size() > 16) chunks_.pop_back();
    return chunks_.front().events[static_cast<std::size_t>(i - chunks_.front().first)];
}

}  // namespace allocsim::engine::catalog
