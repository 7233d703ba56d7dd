// Where events go: the database writer, a vector in tests, a counter in benchmarks.
#pragma once

#include "traces/trace_event.h"

namespace allocsim::traces {

class EventSink {
public:
    virtual ~EventSink() = default;
    virtual void add(const TraceEvent& event) = 0;
};

}  // namespace allocsim::traces
