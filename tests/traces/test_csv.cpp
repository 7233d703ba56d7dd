// CSV: the export format reads back identically; hand-written CSV is validated.
#include "tests/traces/test_support.h"
#include "traces/csv_format.h"
#include "traces/import_error.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

namespace {
std::string to_csv(const std::vector<TraceEvent>& events) {
    std::ostringstream out;
    write_csv_header(out);
    for (std::size_t i = 0; i < events.size(); ++i) write_csv_event(out, i, events[i]);
    return out.str();
}

Imported from_csv(const std::string& text, bool lenient = false) {
    VectorSink sink;
    std::istringstream in(text);
    const ImportSummary s = import_csv(in, "t.csv", sink, ImportOptions{lenient});
    return Imported{sink.events, s};
}

std::string error_of(const std::string& text) {
    return error_message([&] { from_csv(text); });
}

// A valid trace (every free matches a live object) with every op and field.
std::vector<TraceEvent> valid_events() {
    std::vector<TraceEvent> out;
    for (std::uint64_t i = 0; i < 2000; ++i) {
        out.push_back(TraceEvent{static_cast<std::int64_t>(i * 10), i, 1 + i * 3, 0, static_cast<std::uint16_t>(i % 4),
                                 Op::Alloc, static_cast<std::uint8_t>(i % 5)});
        if (i % 3 == 0) out.push_back(TraceEvent{kNoTime, i, 77, static_cast<std::uint32_t>(i), 1, Op::Realloc, 0});
        if (i % 2 == 0) out.push_back(TraceEvent{kNoTime, i, 0, 0, 2, Op::Free, 0});
        out.push_back(TraceEvent{kNoTime, 100000 + i, 0, 0, 3, Op::PageAlloc, static_cast<std::uint8_t>(i % 9)});
        out.push_back(TraceEvent{kNoTime, 100000 + i, 0, 0, 0, Op::PageFree, static_cast<std::uint8_t>(i % 9)});
    }
    return out;
}
}  // namespace

TEST_CASE("csv: export then import gives the same events, and the same text again") {
    const auto events = valid_events();
    const std::string text = to_csv(events);
    const Imported back = from_csv(text);
    CHECK(back.events == events);
    CHECK(to_csv(back.events) == text);
    CHECK(back.summary.events == events.size());
    CHECK(back.summary.allocs == 2000);
    CHECK(back.summary.frees == 1000);
    CHECK(back.summary.page_allocs == 2000);
    CHECK(back.summary.skipped_unmatched == 0);
    CHECK(back.summary.cpus == 4);
    CHECK(back.summary.has_time);
}

TEST_CASE("csv: the documented example") {
    const Imported r = from_csv(
        "seq,time_ns,cpu,op,object,size,align,order,cycles\n"
        "0,,0,alloc,0,64,,,\n"
        "1,,0,page_alloc,1,0,,3,\n"
        "2,5,1,alloc,2,100,4096,,120\n"
        "3,,1,free,0,0,,,\n"
        "4,,1,free,7,0,,,\n");  // never allocated: skipped and counted
    REQUIRE(r.events.size() == 4);
    CHECK(r.events[1] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::PageAlloc, 3});
    CHECK(r.events[2] == TraceEvent{5, 2, 100, 120, 1, Op::Alloc, 12});
    CHECK(r.summary.skipped_unmatched == 1);
}

TEST_CASE("csv: malformed lines name the file and line, --lenient skips and counts them") {
    const std::string h = std::string(kCsvHeader) + "\n";
    CHECK(error_of("") .find("t.csv: empty file") != std::string::npos);
    CHECK(error_of("seq,op\n").find("t.csv:1: expected the header") != std::string::npos);
    CHECK(error_of(h + "0,,0,alloc,0,64,,\n").find("t.csv:2: 8 fields") != std::string::npos);
    CHECK(error_of(h + "0,,0,malloc,0,64,,,\n").find("t.csv:2: unknown op 'malloc'") != std::string::npos);
    CHECK(error_of(h + "0,,0,alloc,0,99999999999999999999,,,\n").find("t.csv:2: size") != std::string::npos);
    CHECK(error_of(h + "0,-5,0,alloc,0,64,,,\n").find("t.csv:2: time_ns") != std::string::npos);
    CHECK(error_of(h + "0,,70000,alloc,0,64,,,\n").find("t.csv:2: cpu") != std::string::npos);
    CHECK(error_of(h + "0,,0,alloc,0,64,48,,\n").find("power of two") != std::string::npos);
    CHECK(error_of(h + "0,,0,page_alloc,0,0,,,\n").find("needs an order") != std::string::npos);
    CHECK(error_of(h + "0,,0,alloc,0,8,,,\n1,,0,free,0,8,,,\n").find("t.csv:3: only alloc and realloc have a size") !=
          std::string::npos);
    CHECK(error_of(h + "1,,0,alloc,0,64,,,\n").find("t.csv:2: seq 1 where 0") != std::string::npos);
    CHECK(error_of(h + "0,,0,alloc,0,64,,,\n1,,0,alloc,0,64,,,\n").find("t.csv:3: object 0 is allocated again") !=
          std::string::npos);
    CHECK(error_of(h + std::string("0,,0,alloc,0,6\0,,,\n", 19)).find("t.csv:2: NUL byte") != std::string::npos);
    CHECK(error_of(h + std::string(100000, '7') + "\n").find("t.csv:2: line longer") != std::string::npos);
    const Imported lenient = from_csv(h + "0,,0,alloc,0,64,,,\n1,,0,bogus,0,64,,,\n2,,0,free,0,0,,,\n", true);
    CHECK(lenient.summary.malformed == 1);
    CHECK(lenient.events.size() == 2);
}
