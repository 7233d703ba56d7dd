#include "engine/replay/chrome_trace.h"

#include <fmt/format.h>

#include "traces/json_text.h"

namespace allocsim::engine {

ChromeTraceWriter::ChromeTraceWriter(std::ostream& out, std::uint32_t mhz, std::uint32_t cpus, const std::string& title)
    : out_(out), mhz_(mhz) {
    out_ << R"({"displayTimeUnit":"ns","traceEvents":[)";
    event(fmt::format(R"({{"ph":"M","pid":1,"name":"process_name","args":{{"name":{}}}}})", json_quote(title)));
    for (std::uint32_t c = 0; c < cpus; ++c) {
        event(fmt::format(R"({{"ph":"M","pid":1,"tid":{0},"name":"thread_name","args":{{"name":"CPU {0}"}}}})", c));
        event(fmt::format(R"({{"ph":"M","pid":1,"tid":{0},"name":"thread_sort_index","args":{{"sort_index":{0}}}}})", c));
    }
}

void ChromeTraceWriter::event(const std::string& body) {
    if (!first_) out_ << ",\n";
    first_ = false;
    out_ << body;
}

// Cycles to microseconds at the model's clock, exactly: whole part and a fixed
// number of decimals, without floating point (the same run writes the same bytes).
std::string ChromeTraceWriter::micros(std::int64_t cycles) const {
    const std::int64_t scaled = cycles * 1000 / static_cast<std::int64_t>(mhz_);  // nanoseconds
    return fmt::format("{}.{:03}", scaled / 1000, scaled % 1000);
}

void ChromeTraceWriter::op(const OpSpan& s) {
    event(fmt::format(
        R"({{"ph":"X","pid":1,"tid":{},"name":"{}","ts":{},"dur":{},"args":{{"event":{},"cycles":{},"wait_cycles":{},)"
        R"("lock_wait_cycles":{},"line_wait_cycles":{},"dependency_wait_cycles":{}}}}})",
        s.cpu, traces::op_name(s.op), micros(s.start), micros(s.end - s.start), s.event, s.end - s.start, s.wait,
        s.lock_wait, s.line_wait, s.dependency_wait));
}

void ChromeTraceWriter::wait(const WaitSpan& s) {
    std::string what;
    if (s.kind == WaitSpan::Kind::Dependency) what = "wait: the object's earlier operation on another CPU";
    else if (s.kind == WaitSpan::Kind::Line) what = fmt::format("wait: remote queue line {}", s.resource);
    else if (s.resource == 0xFF) what = "wait: buddy lock";
    else what = fmt::format("wait: buddy order-{} lock", s.resource);
    event(fmt::format(R"({{"ph":"X","pid":1,"tid":{},"name":"{}","ts":{},"dur":{},"args":{{"event":{},"cycles":{}}}}})",
                      s.cpu, what, micros(s.start), micros(s.end - s.start), s.event, s.end - s.start));
}

void ChromeTraceWriter::finish() { out_ << "]}\n"; }

}  // namespace allocsim::engine
