// The modeled timeline as Chrome Trace Event JSON (the format Perfetto's UI and
// chrome://tracing open): one track per modeled CPU, a complete event ("ph":"X")
// per operation, and one per wait for a lock or a contended line, nested inside
// its operation. Times are microseconds at the model's clock (CostModel::mhz).
// Streamed: memory stays flat whatever the trace's length.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

class ChromeTraceWriter {
public:
    // `title` names the process track (e.g. "run 3: larson, hybrid").
    ChromeTraceWriter(std::ostream& out, std::uint32_t mhz, std::uint32_t cpus, const std::string& title);
    void op(const OpSpan& span);
    void wait(const WaitSpan& span);
    // Closes the JSON; nothing may be written after.
    void finish();

private:
    void event(const std::string& body);
    std::string micros(std::int64_t cycles) const;

    std::ostream& out_;
    std::uint32_t mhz_;
    bool first_ = true;
};

}  // namespace allocsim::engine
