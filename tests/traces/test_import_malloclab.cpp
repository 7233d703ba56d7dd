// CS:APP malloclab .rep importer: header, ops, ids, and mdriver's whitespace rules.
#include <fstream>

#include "tests/traces/test_support.h"
#include "traces/import_error.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

namespace {

Imported rep(const std::string& text, bool lenient = false) {
    return import_text(import_malloclab, text, lenient, "t.rep");
}

std::string error_of(const std::string& text) {
    return error_message([&] { rep(text); });
}

}  // namespace

TEST_CASE("malloclab: the FORMATS.md example, op by op") {
    const Imported r = rep("20000\n3\n8\n1\na 0 512\na 1 128\nr 0 640\na 2 128\nf 1\nr 0 768\nf 0\nf 2\n");
    REQUIRE(r.events.size() == 8);
    CHECK(r.events[0] == TraceEvent{kNoTime, 0, 512, 0, 0, Op::Alloc, 0});
    CHECK(r.events[2] == TraceEvent{kNoTime, 0, 640, 0, 0, Op::Realloc, 0});
    CHECK(r.events[3] == TraceEvent{kNoTime, 2, 128, 0, 0, Op::Alloc, 0});
    CHECK(r.events[4] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::Free, 0});
    CHECK(r.events[7] == TraceEvent{kNoTime, 2, 0, 0, 0, Op::Free, 0});
    CHECK(r.summary.allocs == 3);
    CHECK(r.summary.reallocs == 2);
    CHECK(r.summary.frees == 3);
    CHECK(r.summary.cpus == 1);
}

TEST_CASE("malloclab: line breaks are not significant, as with mdriver's fscanf") {
    const Imported r = rep("20000 2 4 1 a 0 8 a\n1\n16\r\n\tf 0   f 1\n\n");
    REQUIRE(r.events.size() == 4);
    CHECK(r.events[1].size == 16);
    CHECK(r.summary.lines == 5);
}

TEST_CASE("malloclab: an id reused after its free is a new object, unmatched ops are skipped") {
    const Imported r = rep("0 2 6 1\nf 1\na 0 8\nf 0\na 0 24\nr 1 5\nf 0\n");
    REQUIRE(r.events.size() == 4);
    CHECK(r.events[2] == TraceEvent{kNoTime, 1, 24, 0, 0, Op::Alloc, 0});
    CHECK(r.summary.skipped_unmatched == 2);
}

TEST_CASE("malloclab: malformed input names the file and line, --lenient skips and counts") {
    CHECK(error_of("") == "t.rep: empty file");
    CHECK(error_of("20000 3\n") == "t.rep:1: the header ends before its number of ops (it has 4 numbers)");
    CHECK(error_of("20000 -3 8 1\n") == "t.rep:1: header: number of ids: '-3' is not a whole number in 0..2^40");
    CHECK(error_of("1 99999999999999 1 1\na 0 1\n") ==
          "t.rep:1: header: number of ids: '99999999999999' is not a whole number in 0..2^40");
    CHECK(error_of("x 2 2 1\n") == "t.rep:1: header: heap size: 'x' is not a whole number");
    CHECK(error_of("0 2 2 1\na 0 8\nx 1 8\n") == "t.rep:3: unknown op 'x' (expected a, r or f)");
    CHECK(error_of("0 2 2 1\na 0 8\na 2 8\n") == "t.rep:3: id: '2' is not a whole number in 0..1 (the header has 2 ids)");
    CHECK(error_of("0 2 2 1\na 0 8\na -1 8\n") == "t.rep:3: id: '-1' is not a whole number in 0..1 (the header has 2 ids)");
    CHECK(error_of("0 0 1 1\na 0 8\n") == "t.rep:2: id '0': the header has 0 ids");
    CHECK(error_of("0 2 1 1\na 0 999999999999999999\n") ==
          "t.rep:2: size: '999999999999999999' is not a whole number in 0..2^48");
    CHECK(error_of("0 2 1 1\na 0 -8\n") == "t.rep:2: size: '-8' is not a whole number in 0..2^48");
    CHECK(error_of("0 2 2 1\na 0 8\nr 0\n") == "t.rep:3: 'r' without its size");
    CHECK(error_of("0 2 2 1\na 0 8\nf\n") == "t.rep:3: 'f' without its id");
    CHECK(error_of("0 2 3 1\na 0 8\nf 0\n") == "t.rep:3: the header promises 3 ops, the file has 2 (truncated?)");
    CHECK(error_of("0 2 1 1\na 0 8\nf 0\n") == "t.rep:3: more ops than the header's 1");
    CHECK(error_of(std::string("0 2 1 1\na 0 \0\n", 15)) == "t.rep:2: NUL byte: this is not a text file");
    CHECK(error_of("0 2 1 1\n" + std::string(10 << 20, '7')).find("t.rep:2: line longer than") == 0);

    const Imported r = rep("0 3 4 1\na 0 8\nq 1 2 3\na 1 16\nf 0\n", true);
    CHECK(r.summary.malformed == 1);
    CHECK(r.events.size() == 3);
}

TEST_CASE("malloclab: the sample traces import with exact counts") {
    struct Expected {
        const char* file;
        std::uint64_t allocs, frees, reallocs;
    };
    for (const Expected& x : {Expected{"example.rep", 3, 3, 2}, Expected{"binary-small.rep", 250, 250, 0}}) {
        CAPTURE(x.file);
        std::ifstream in(std::string(ALLOCSIM_TEST_DATA) + "/malloclab/" + x.file, std::ios::binary);
        REQUIRE(in);
        VectorSink sink;
        EventEmitter emitter(sink);
        import_malloclab(in, x.file, emitter, ImportOptions{});
        CHECK(emitter.summary().allocs == x.allocs);
        CHECK(emitter.summary().frees == x.frees);
        CHECK(emitter.summary().reallocs == x.reallocs);
        CHECK(emitter.live_objects() == 0);
    }
}
