// The shared body of the importer fuzz targets: run one importer over the input,
// strict or lenient (chosen by the first byte), and check what every import must
// keep whatever the input: it either succeeds with consistent counts or throws
// TraceError. Anything else (a crash, another exception, a sanitizer report, a
// huge allocation) is a finding.
#pragma once

#include <cstdint>
#include <cstdlib>
#include <sstream>
#include <string>

#include "traces/event_sink.h"
#include "traces/import_error.h"
#include "traces/import_summary.h"
#include "traces/importers.h"

namespace allocsim::fuzz {

struct CountingSink final : traces::EventSink {
    std::uint64_t events = 0;
    void add(const traces::TraceEvent&) override { ++events; }
};

inline void check(bool ok) {
    if (!ok) std::abort();
}

inline void check_summary(const traces::ImportSummary& s, std::uint64_t sunk, bool lenient) {
    check(s.events == sunk);
    check(s.events == s.allocs + s.frees + s.reallocs + s.page_allocs + s.page_frees);
    check(lenient || s.malformed == 0);
    check(s.frees <= s.allocs && s.page_frees <= s.page_allocs);
}

// `run(stream, options, sink)` imports and returns the summary.
template <class Run>
int fuzz_one(const std::uint8_t* data, std::size_t size, Run run) {
    const bool lenient = size > 0 && (data[0] & 1) != 0;
    std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
    CountingSink sink;
    try {
        const traces::ImportSummary s = run(in, traces::ImportOptions{lenient}, sink);
        check_summary(s, sink.events, lenient);
    } catch (const traces::TraceError&) {
        // A clear error is a correct answer to bad input.
    }
    return 0;
}

}  // namespace allocsim::fuzz
