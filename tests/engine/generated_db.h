// A database in a temporary folder holding generated traces, removed afterwards:
// the fixture of the engine's tests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "tests/traces/test_support.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/trace_writer.h"

namespace allocsim::engine::test {

class GeneratedDb {
public:
    GeneratedDb() : db_(std::make_unique<traces::Database>(dir_.file("generated.db"))) {}
    traces::Database& db() { return *db_; }
    void generate(const std::string& name, const std::string& workload, std::uint32_t cpus, std::uint64_t ops,
                  std::uint64_t seed = 1) {
        traces::TraceWriter w(*db_, name, "gen", workload, traces::IfExists::Fail);
        traces::EventEmitter emitter(w);
        traces::generate(workload, {cpus, ops, seed}, emitter);
        w.commit(emitter.summary());
    }
    std::uint64_t events(const std::string& trace) { return db_->find_trace(trace)->events; }

private:
    traces::test::TempDir dir_;  // declared first: removed after the database is closed
    std::unique_ptr<traces::Database> db_;
};

}  // namespace allocsim::engine::test
