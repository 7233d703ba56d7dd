// Helpers for the traces/ tests: a sink that keeps events in memory, and importing
// a string through any importer.
#pragma once

#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "traces/event_emitter.h"
#include "traces/event_sink.h"
#include "traces/importers.h"

namespace allocsim::traces::test {

struct VectorSink : EventSink {
    std::vector<TraceEvent> events;
    void add(const TraceEvent& e) override { events.push_back(e); }
};

struct Imported {
    std::vector<TraceEvent> events;
    ImportSummary summary;
};

template <class ImportFn>
Imported import_text(ImportFn fn, const std::string& text, bool lenient = false, const std::string& file = "input") {
    VectorSink sink;
    EventEmitter emitter(sink);
    std::istringstream in(text);
    fn(in, file, emitter, ImportOptions{lenient});
    return Imported{sink.events, emitter.summary()};
}

}  // namespace allocsim::traces::test
