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

// The public traces' free(NULL): bash.rep holds 8 "f -1" lines.
TEST_CASE("malloclab: 'f -1' is free(NULL), a skipped free, in strict mode too") {
    const std::string text =
        "20000\n3\n10\n1\n"
        "a 0 16\nf -1\na 1 32\nf -1\nf 0\nf -1\nr 1 64\nf 1\nf -1\na 2 8\n";
    for (const bool lenient : {false, true}) {
        CAPTURE(lenient);
        const Imported r = rep(text, lenient);
        REQUIRE(r.events.size() == 6);
        CHECK(r.events[0] == TraceEvent{kNoTime, 0, 16, 0, 0, Op::Alloc, 0});
        CHECK(r.events[1] == TraceEvent{kNoTime, 1, 32, 0, 0, Op::Alloc, 0});
        CHECK(r.events[2] == TraceEvent{kNoTime, 0, 0, 0, 0, Op::Free, 0});
        CHECK(r.events[3] == TraceEvent{kNoTime, 1, 64, 0, 0, Op::Realloc, 0});
        CHECK(r.events[4] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::Free, 0});
        CHECK(r.events[5] == TraceEvent{kNoTime, 2, 8, 0, 0, Op::Alloc, 0});
        CHECK(r.summary.events == 6);
        CHECK(r.summary.allocs == 3);
        CHECK(r.summary.frees == 2);
        CHECK(r.summary.reallocs == 1);
        CHECK(r.summary.skipped_unmatched == 4);  // the four "f -1"
        CHECK(r.summary.malformed == 0);
        CHECK(r.summary.lines == 14);
    }
    // Only a free may name -1; any other id outside the header's stays an error.
    CHECK(error_of("0 3 2 1\na 0 8\na -1 8\n") == "t.rep:3: id: '-1' is not a whole number in 0..2 (the header has 3 ids)");
    CHECK(error_of("0 3 2 1\na 0 8\nr -1 8\n") == "t.rep:3: id: '-1' is not a whole number in 0..2 (the header has 3 ids)");
    CHECK(error_of("0 3 2 1\na 0 8\nf -2\n") == "t.rep:3: id: '-2' is not a whole number in 0..2 (the header has 3 ids)");
}

// The public alaska.rep's shape: its first "a ID" line with no size is line 7, and
// well-formed lines follow each such line.
const std::string kSizeless =
    "20000\n40\n11\n1\n"  // lines 1-4: the header
    "a 0 100\n"           // 5
    "a 1 200\n"           // 6
    "a 2\n"               // 7: no size
    "a 34 1234\n"         // 8
    "f 0\n"               // 9
    "a 3\n"               // 10: no size, before an 'r'
    "r 1 300\n"           // 11
    "f 34\n"              // 12
    "a 4\n"               // 13: no size, before an 'f'
    "f 1\n"               // 14
    "a 5\n";              // 15: no size, at the end of the file

TEST_CASE("malloclab: strict, an 'a ID' line with no size is an error naming its line") {
    CHECK(error_of(kSizeless) == "t.rep:7: 'a' without its size");
    CHECK(error_of("0 2 2 1\na 0 8\nr 0\nf 0\n") == "t.rep:3: 'r' without its size");
    CHECK(error_of("0 2 2 1\na 0 8\na\nf 0\n") == "t.rep:3: 'a' without its id");
}

TEST_CASE("malloclab: lenient, an 'a ID' line with no size drops that line and no other") {
    const Imported r = rep(kSizeless, true);
    REQUIRE(r.events.size() == 7);
    CHECK(r.events[0] == TraceEvent{kNoTime, 0, 100, 0, 0, Op::Alloc, 0});   // line 5
    CHECK(r.events[1] == TraceEvent{kNoTime, 1, 200, 0, 0, Op::Alloc, 0});   // line 6
    CHECK(r.events[2] == TraceEvent{kNoTime, 2, 1234, 0, 0, Op::Alloc, 0});  // line 8: a 34 1234
    CHECK(r.events[3] == TraceEvent{kNoTime, 0, 0, 0, 0, Op::Free, 0});      // line 9
    CHECK(r.events[4] == TraceEvent{kNoTime, 1, 300, 0, 0, Op::Realloc, 0}); // line 11
    CHECK(r.events[5] == TraceEvent{kNoTime, 2, 0, 0, 0, Op::Free, 0});      // line 12
    CHECK(r.events[6] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::Free, 0});      // line 14
    CHECK(r.summary.events == 7);
    CHECK(r.summary.allocs == 3);
    CHECK(r.summary.frees == 3);
    CHECK(r.summary.reallocs == 1);
    CHECK(r.summary.skipped_unmatched == 0);
    CHECK(r.summary.malformed == 4);  // lines 7, 10, 13 and 15, and the header's 11 ops all read
    CHECK(r.summary.lines == 15);
}

TEST_CASE("malloclab: lenient, a bad operand on its op's own line drops the rest of that line only") {
    // Line 2's size is not a number: "7 f 0" after it is on the same line and goes
    // with it; line 3 imports.
    const Imported r = rep("0 2 3 1\na 0 big 7 f 0\na 1 16\n", true);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0] == TraceEvent{kNoTime, 0, 16, 0, 0, Op::Alloc, 0});
    CHECK(r.summary.malformed == 2);  // line 2, and the header's third op that never came
    CHECK(error_of("0 2 3 1\na 0 big 7 f 0\na 1 16\n") == "t.rep:2: size: 'big' is not a whole number in 0..2^48");
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
