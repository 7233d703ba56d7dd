// Helpers for the traces/ tests: a sink that keeps events in memory, and importing
// a string through any importer.
#pragma once

#include <doctest/doctest.h>

#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "traces/event_emitter.h"
#include "traces/event_sink.h"
#include "traces/import_error.h"
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

// The message of the TraceError that `f` throws, or "no error".
inline std::string error_message(const std::function<void()>& f) {
    try {
        f();
    } catch (const TraceError& e) {
        return e.what();
    }
    return "no error";
}

template <class ImportFn>
Imported import_text(ImportFn fn, const std::string& text, bool lenient = false, const std::string& file = "input") {
    VectorSink sink;
    EventEmitter emitter(sink);
    std::istringstream in(text);
    fn(in, file, emitter, ImportOptions{lenient});
    return Imported{sink.events, emitter.summary()};
}

}  // namespace allocsim::traces::test

#include <filesystem>
#include <random>

namespace allocsim::traces::test {

// A fresh folder under the system's temp folder, removed with everything in it.
class TempDir {
public:
    TempDir() {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() / ("allocsim-test-" + std::to_string(rd()) + std::to_string(rd()));
        std::filesystem::create_directories(path_);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

private:
    std::filesystem::path path_;
};

// Events covering every op and field, including the edge values.
inline std::vector<TraceEvent> sample_events(std::size_t n) {
    std::vector<TraceEvent> out;
    std::mt19937_64 rng(17);
    for (std::size_t i = 0; i < n; ++i) {
        TraceEvent e;
        e.op = static_cast<Op>(i % kOpCount);
        e.time_ns = i % 7 == 0 ? kNoTime : static_cast<std::int64_t>(i * 1000 + rng() % 1000);
        e.object = i % 11 == 0 ? UINT64_MAX - i : rng() % 100000;
        e.size = (e.op == Op::Alloc || e.op == Op::Realloc) ? 1 + rng() % (std::uint64_t{1} << 40) : 0;
        e.cycles = i % 3 == 0 ? 0 : static_cast<std::uint32_t>(rng());
        e.cpu = static_cast<std::uint16_t>(i % 5 == 0 ? 65535 : rng() % 64);
        e.arg = e.op == Op::Alloc ? static_cast<std::uint8_t>(rng() % 13)
                : (e.op == Op::PageAlloc || e.op == Op::PageFree) ? static_cast<std::uint8_t>(rng() % 11)
                                                                    : 0;
        out.push_back(e);
    }
    return out;
}

}  // namespace allocsim::traces::test
