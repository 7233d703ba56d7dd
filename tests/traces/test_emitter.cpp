// EventEmitter: dense object ids, address reuse, unmatched frees, time rebasing.
#include "tests/traces/test_support.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

TEST_CASE("emitter: dense ids, reuse after free is a new object, unmatched frees are skipped") {
    VectorSink sink;
    EventEmitter e(sink);
    e.alloc(0x1000, 64, 0, kNoTime);
    e.alloc(0x2000, 32, 1, kNoTime);
    e.free(0x1000, 1, kNoTime);
    e.alloc(0x1000, 128, 0, kNoTime);  // same address, new object
    e.free(0x9999, 0, kNoTime);        // never allocated: skipped
    e.realloc(0x2000, 0x3000, 48, 0, kNoTime);
    e.free(0x3000, 0, kNoTime);        // the moved object
    e.free(0x2000, 0, kNoTime);        // its old address is no longer live
    REQUIRE(sink.events.size() == 6);
    CHECK(sink.events[0] == TraceEvent{kNoTime, 0, 64, 0, 0, Op::Alloc, 0});
    CHECK(sink.events[2] == TraceEvent{kNoTime, 0, 0, 0, 1, Op::Free, 0});
    CHECK(sink.events[3].object == 2);
    CHECK(sink.events[4] == TraceEvent{kNoTime, 1, 48, 0, 0, Op::Realloc, 0});
    CHECK(sink.events[5] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::Free, 0});
    const ImportSummary& s = e.summary();
    CHECK(s.events == 6);
    CHECK(s.allocs == 3);
    CHECK(s.frees == 2);
    CHECK(s.reallocs == 1);
    CHECK(s.skipped_unmatched == 2);
    CHECK(s.cpus == 2);
    CHECK_FALSE(s.has_time);
    CHECK(e.live_objects() == 1);
}

TEST_CASE("emitter: pages pair by frame and order, times start at zero") {
    VectorSink sink;
    EventEmitter e(sink);
    e.page_alloc(500, 2, 3, 1'000'000);
    e.page_free(500, 1, 3, 1'000'500);  // other order: not the same block
    e.page_free(500, 2, 0, 1'002'000);
    REQUIRE(sink.events.size() == 2);
    CHECK(sink.events[0] == TraceEvent{0, 0, 0, 0, 3, Op::PageAlloc, 2});
    CHECK(sink.events[1] == TraceEvent{2000, 0, 0, 0, 0, Op::PageFree, 2});
    CHECK(e.summary().skipped_unmatched == 1);
    CHECK(e.summary().cpus == 4);
    CHECK(e.summary().has_time);
    CHECK(e.summary().to_json().find("\"page_allocs\":1") != std::string::npos);
}
