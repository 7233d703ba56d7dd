// A generated trace in a database file, written and closed before it is read, as
// `allocsim gen` then another command would: closing checkpoints the WAL into the
// database file (replaying through the writer's 300 MB WAL ran 25% slower).
#pragma once

#include <cstdint>
#include <string>

#include "traces/database.h"
#include "traces/event_emitter.h"
#include "traces/generators.h"
#include "traces/trace_writer.h"

namespace allocsim::bench {

inline void generate_trace(const std::string& path, const std::string& name, const std::string& workload,
                           std::uint64_t ops) {
    traces::Database db(path);
    traces::TraceWriter writer(db, name, "gen", workload);
    traces::EventEmitter emitter(writer);
    traces::GeneratorOptions options;
    options.ops = ops;
    traces::generate(workload, options, emitter);
    writer.commit(emitter.summary());
}

}  // namespace allocsim::bench
