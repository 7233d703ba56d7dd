// glibc mtrace importer: the record kinds, callers with spaces and brackets,
// realloc pairs, failed reallocs, and real logs recorded on this machine with
// libc_malloc_debug.so (tests/traces/data/mtrace).
#include <fstream>

#include "tests/traces/test_support.h"
#include "traces/import_error.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

namespace {

Imported mtrace(const std::string& text, bool lenient = false) { return import_text(import_mtrace, text, lenient, "m.log"); }

std::string error_of(const std::string& text) {
    return error_message([&] { mtrace(text); });
}

}  // namespace

TEST_CASE("mtrace: every record kind, with and without a caller") {
    const Imported r = mtrace(
        "= Start\n"
        "@ ./a.out:[0x400674] + 0xd506d0 0x64\n"
        "@ [0x4006b8] + 0xd50800 0x10\n"                      // empty file part
        "+ 0xd50900 0\n"                                       // no caller at all; malloc(0)
        "@ ./a.out:(main+0x2a)[0x4006b8] < 0xd506d0\n"
        "@ ./a.out:(main+0x2a)[0x4006b8] > 0xd50740 0x3e8\n"  // realloc that moved
        "@ ./a.out:[0x400684] - 0xd506d0\n"                   // the old address: no longer live
        "@ ./a.out:[0x400684] ! 0xd50800 0x7fffffff\n"        // failed realloc: the block stays
        "@ ./a.out:[0x400684] - 0xd50800\n"
        "@ ./a.out:[0x400684] - 0xd50740\n"
        "- (nil)\n"                                            // free(NULL)
        "+ (nil) 0x10\n"                                       // failed malloc
        "= End\n");
    REQUIRE(r.events.size() == 6);
    CHECK(r.events[0] == TraceEvent{kNoTime, 0, 100, 0, 0, Op::Alloc, 0});
    CHECK(r.events[1] == TraceEvent{kNoTime, 1, 16, 0, 0, Op::Alloc, 0});
    CHECK(r.events[2] == TraceEvent{kNoTime, 2, 0, 0, 0, Op::Alloc, 0});
    CHECK(r.events[3] == TraceEvent{kNoTime, 0, 1000, 0, 0, Op::Realloc, 0});
    CHECK(r.events[4] == TraceEvent{kNoTime, 1, 0, 0, 0, Op::Free, 0});
    CHECK(r.events[5] == TraceEvent{kNoTime, 0, 0, 0, 0, Op::Free, 0});
    CHECK(r.summary.skipped_unmatched == 1);
    CHECK(r.summary.failed_reallocs == 1);
    CHECK(r.summary.cpus == 1);
    CHECK(r.summary.lines == 13);
    CHECK_FALSE(r.summary.has_time);
}

TEST_CASE("mtrace: callers holding spaces, colons, parentheses and brackets") {
    const Imported r = mtrace(
        "@ /opt/My App/lib x.so:(operator new(unsigned long)+0x1c)[0x7f00] + 0x10 0x20\n"
        "@ /odd[dir]/a b:[0x1] - 0x10\n"
        "@ ./a.out:[0x400684] < 0x55\n"  // unmatched realloc: allocated before tracing
        "@ ./a.out:[0x400684] > 0x66 0x8\n");
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[0].size == 0x20);
    CHECK(r.events[1].op == Op::Free);
    CHECK(r.summary.skipped_unmatched == 1);
}

TEST_CASE("mtrace: a realloc in place keeps the object, address reuse after free is a new object") {
    const Imported r = mtrace(
        "+ 0x10 0x8\n< 0x10\n> 0x10 0x18\n- 0x10\n+ 0x10 0x8\n- 0x10\n");
    REQUIRE(r.events.size() == 5);
    CHECK(r.events[1] == TraceEvent{kNoTime, 0, 24, 0, 0, Op::Realloc, 0});
    CHECK(r.events[3].object == 1);
    CHECK(r.summary.allocs == 2);
    CHECK(r.summary.frees == 2);
}

TEST_CASE("mtrace: malformed lines name the file and line, --lenient skips and counts them") {
    CHECK(error_of("") == "m.log: empty file (an mtrace log starts with '= Start')");
    CHECK(error_of("= Start\n+ 0x10\n") == "m.log:2: '+' takes a pointer and a size");
    CHECK(error_of("+ 0xzz 0x10\n") == "m.log:1: pointer: '0xzz' is not a hex number");
    CHECK(error_of("+ 0x10 -5\n") == "m.log:1: size: '-5' is not a hex number in 0..2^48");
    CHECK(error_of("+ 0x10 0xffffffffffffffff\n") == "m.log:1: size: '0xffffffffffffffff' is not a hex number in 0..2^48");
    CHECK(error_of("+ 0x10 0x99999999999999999999\n") == "m.log:1: size: '0x99999999999999999999' is not a hex number in 0..2^48");
    CHECK(error_of("* 0x10 0x10\n") == "m.log:1: unknown record '*' (expected + - < > !)");
    CHECK(error_of("hello world\n") == "m.log:1: unknown record 'hello'");
    CHECK(error_of("= Begin\n") == "m.log:1: unknown '=' line (expected '= Start' or '= End')");
    CHECK(error_of("@ ./a.out:0x400684 - 0x10\n") == "m.log:1: caller '@ ...' without '[0xADDR] '");
    CHECK(error_of("- 0x10 0x20\n") == "m.log:1: '-' takes a pointer");
    // Truncated realloc pairs: a '>' without its '<', a '<' followed by something
    // else, and a log that ends after the '<'.
    CHECK(error_of("+ 0x10 0x8\n> 0x20 0x10\n") == "m.log:2: '>' (realloc) without the '<' line before it");
    CHECK(error_of("+ 0x10 0x8\n< 0x10\n- 0x10\n") == "m.log:3: '<' (realloc) on line 2 is not followed by its '>' line");
    CHECK(error_of("+ 0x10 0x8\n< 0x10\n") == "m.log:2: '<' (realloc) without its '>' line: the log is truncated");
    CHECK(error_of("+ 0x10 0x8\n\x01\x02\x03\n") == "m.log:2: unknown record '\x01\x02\x03'");
    CHECK(error_of(std::string("+ 0x10 0x8\n+ 0x\0 0x1\n", 22)) == "m.log:2: NUL byte: this is not a text file");
    CHECK(error_of("+ 0x10 0x8\n" + std::string(10 << 20, 'a') + "\n").find("m.log:2: line longer than") == 0);

    const Imported r = mtrace("= Start\n+ 0x10 0x8\n+ 0x20\n< 0x10\n- 0x10\n- 0x10\n< 0x30\n", true);
    CHECK(r.summary.malformed == 3);  // '+ 0x20', the broken pair at '- 0x10', the dangling '< 0x30'
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1].op == Op::Free);
    CHECK(r.summary.skipped_unmatched == 0);
}

TEST_CASE("mtrace: real logs from glibc 2.36 (perl and sort under libc_malloc_debug.so)") {
    struct Expected {
        const char* file;
        std::uint64_t allocs, frees, reallocs, lines;
    };
    // Counted independently with a few lines of Python over the same files.
    for (const Expected& x : {Expected{"perl.mtrace", 1533, 797, 303, 2937}, Expected{"sort.mtrace", 220, 206, 1, 429}}) {
        CAPTURE(x.file);
        std::ifstream in(std::string(ALLOCSIM_TEST_DATA) + "/mtrace/" + x.file, std::ios::binary);
        REQUIRE(in);
        VectorSink sink;
        EventEmitter emitter(sink);
        import_mtrace(in, x.file, emitter, ImportOptions{});
        const ImportSummary& s = emitter.summary();
        CHECK(s.allocs == x.allocs);
        CHECK(s.frees == x.frees);
        CHECK(s.reallocs == x.reallocs);
        CHECK(s.lines == x.lines);
        CHECK(s.skipped_unmatched == 0);
        CHECK(s.malformed == 0);
        CHECK(s.events == x.allocs + x.frees + x.reallocs);
        CHECK(emitter.live_objects() == x.allocs - x.frees);
    }
}
