// import_record: allocsim record's binary log, built by hand record by record.
#include <cstring>

#include "tests/traces/test_support.h"
#include "traces/import_error.h"
#include "traces/record_format.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;
using allocsim::record::Kind;
using allocsim::record::Record;

namespace {

// A record file in memory: the header, then records appended in order.
struct LogBuilder {
    std::string bytes;

    LogBuilder() {
        allocsim::record::FileHeader h;
        std::memcpy(h.magic, allocsim::record::kMagic, sizeof h.magic);
        h.version = allocsim::record::kVersion;
        h.record_bytes = sizeof(Record);
        bytes.append(reinterpret_cast<const char*>(&h), sizeof h);
    }
    LogBuilder& add(Kind kind, std::uint32_t tid, std::uint64_t ptr, std::uint64_t old_ptr, std::uint64_t size,
                    std::uint64_t alignment = 0) {
        return add_raw(static_cast<std::uint16_t>(kind), tid, ptr, old_ptr, size, alignment);
    }
    LogBuilder& add_raw(std::uint16_t kind, std::uint32_t tid, std::uint64_t ptr, std::uint64_t old_ptr,
                        std::uint64_t size, std::uint64_t alignment) {
        const Record r{time, ptr, old_ptr, size, alignment, tid, kind, 0};
        time += 100;
        bytes.append(reinterpret_cast<const char*>(&r), sizeof r);
        return *this;
    }
    std::int64_t time = 5'000'000'000;
};

Imported import_log(const std::string& bytes, RecordImportOptions options = {}, std::uint32_t* threads = nullptr) {
    VectorSink sink;
    EventEmitter emitter(sink);
    std::istringstream in(bytes);
    const std::uint32_t n = import_record(in, "prog.rec", emitter, options);
    if (threads != nullptr) *threads = n;
    return Imported{sink.events, emitter.summary()};
}

std::string import_error(const std::string& bytes, RecordImportOptions options = {}) {
    return error_message([&] { import_log(bytes, options); });
}

}  // namespace

TEST_CASE("record: events in log order, threads as dense CPUs, times from zero, alignment as log2") {
    LogBuilder log;
    log.add(Kind::Malloc, 900, 0x1000, 0, 24)
        .add(Kind::Calloc, 77, 0x2000, 0, 80)
        .add(Kind::PosixMemalign, 900, 0x3000, 0, 200, 64)
        .add(Kind::AlignedAlloc, 5, 0x4000, 0, 8192, 4096)
        .add(Kind::Free, 77, 0, 0x1000, 0)
        .add(Kind::Malloc, 77, 0x1000, 0, 32)  // the address again, after its free: a new object
        .add(Kind::Memalign, 900, 0x5000, 0, 100, 32)
        .add(Kind::Valloc, 5, 0x6000, 0, 10, 4096)
        .add(Kind::Pvalloc, 5, 0x8000, 0, 4096, 4096);
    std::uint32_t threads = 0;
    const Imported r = import_log(log.bytes, {}, &threads);
    REQUIRE(r.events.size() == 9);
    CHECK(r.events[0] == TraceEvent{0, 0, 24, 0, 0, Op::Alloc, 0});
    CHECK(r.events[1] == TraceEvent{100, 1, 80, 0, 1, Op::Alloc, 0});
    CHECK(r.events[2] == TraceEvent{200, 2, 200, 0, 0, Op::Alloc, 6});
    CHECK(r.events[3] == TraceEvent{300, 3, 8192, 0, 2, Op::Alloc, 12});
    CHECK(r.events[4] == TraceEvent{400, 0, 0, 0, 1, Op::Free, 0});
    CHECK(r.events[5] == TraceEvent{500, 4, 32, 0, 1, Op::Alloc, 0});
    CHECK(r.events[6].arg == 5);
    CHECK(r.events[7].arg == 12);
    CHECK(r.events[8].size == 4096);
    CHECK(threads == 3);
    CHECK(r.summary.cpus == 3);
    CHECK(r.summary.allocs == 8);
    CHECK(r.summary.frees == 1);
    CHECK(r.summary.lines == 9);
    CHECK(r.summary.has_time);
    CHECK(r.summary.replaced_live == 0);
}

TEST_CASE("record: realloc(NULL, n) allocates, realloc(p, 0) frees, a failed realloc is counted") {
    LogBuilder log;
    log.add(Kind::Realloc, 1, 0x1000, 0, 16)        // realloc(NULL, 16)
        .add(Kind::Realloc, 1, 0x1000, 0x1000, 64)  // grows in place
        .add(Kind::Reallocarray, 1, 0x2000, 0x1000, 4096)  // moves
        .add(Kind::Realloc, 1, 0, 0x2000, 1 << 30)  // fails: the object stays at 0x2000
        .add(Kind::Realloc, 1, 0, 0, 1 << 30)       // realloc(NULL, huge) fails
        .add(Kind::Realloc, 1, 0, 0x2000, 0)        // realloc(p, 0) frees
        .add(Kind::Free, 1, 0, 0x1000, 0);          // the old address is no longer live: unmatched
    const Imported r = import_log(log.bytes);
    REQUIRE(r.events.size() == 4);
    CHECK(r.events[0] == TraceEvent{0, 0, 16, 0, 0, Op::Alloc, 0});
    CHECK(r.events[1] == TraceEvent{100, 0, 64, 0, 0, Op::Realloc, 0});
    CHECK(r.events[2] == TraceEvent{200, 0, 4096, 0, 0, Op::Realloc, 0});
    CHECK(r.events[3] == TraceEvent{500, 0, 0, 0, 0, Op::Free, 0});
    CHECK(r.summary.allocs == 1);
    CHECK(r.summary.reallocs == 2);
    CHECK(r.summary.frees == 1);
    CHECK(r.summary.failed_reallocs == 2);
    CHECK(r.summary.skipped_unmatched == 1);
}

TEST_CASE("record: threads fold onto --cpus CPUs in order of first appearance") {
    LogBuilder log;
    for (std::uint32_t tid : {40u, 41u, 42u, 43u, 44u, 40u, 44u})
        log.add(Kind::Malloc, tid, 0x1000 + log.bytes.size(), 0, 8);
    std::uint32_t threads = 0;
    const Imported r = import_log(log.bytes, RecordImportOptions{2, false}, &threads);
    REQUIRE(r.events.size() == 7);
    const std::uint16_t want[] = {0, 1, 0, 1, 0, 0, 0};
    for (std::size_t i = 0; i < 7; ++i) CHECK(r.events[i].cpu == want[i]);
    CHECK(threads == 5);
    CHECK(r.summary.cpus == 2);
    CHECK(import_log(log.bytes).summary.cpus == 5);
}

TEST_CASE("record: a corrupt header is an error naming the file") {
    LogBuilder good;
    CHECK(import_error("") == "prog.rec: not an allocsim record file (shorter than its header)");
    std::string bad_magic = good.bytes;
    bad_magic[0] = 'X';
    CHECK(import_error(bad_magic) == "prog.rec: not an allocsim record file (bad magic)");
    std::string bad_version = good.bytes;
    bad_version[8] = 9;
    CHECK(import_error(bad_version) == "prog.rec: record file version 9 (this allocsim reads version 1)");
    std::string bad_size = good.bytes;
    bad_size[12] = 40;
    CHECK(import_error(bad_size).find("records of 40 bytes") != std::string::npos);
    // A header alone is an empty log, not an error.
    const Imported empty = import_log(good.bytes);
    CHECK(empty.events.empty());
    CHECK(empty.summary.lines == 0);
}

TEST_CASE("record: a corrupt record names its index, lenient skips and counts it") {
    LogBuilder log;
    log.add(Kind::Malloc, 1, 0x1000, 0, 8).add(Kind::Malloc, 1, 0x2000, 0, 8);
    log.add_raw(77, 1, 0x3000, 0, 8, 0);
    log.add(Kind::Memalign, 1, 0x4000, 0, 8, 48);  // not a power of two
    log.add(Kind::Malloc, 1, 0, 0, 8);             // an allocation that returned NULL
    log.add(Kind::Free, 1, 0, 0, 0);               // free(NULL)
    log.add(Kind::Free, 1, 0, 0x1000, 0);
    CHECK(import_error(log.bytes) == "prog.rec: record 2 (byte 112): unknown kind 77");
    const Imported r = import_log(log.bytes, RecordImportOptions{0, true});
    CHECK(r.summary.malformed == 4);
    CHECK(r.summary.allocs == 2);
    CHECK(r.summary.frees == 1);
    CHECK(r.summary.lines == 7);

    LogBuilder zero_kind;
    zero_kind.add(Kind::Malloc, 1, 0x1000, 0, 8).add_raw(0, 1, 0, 0, 0, 0);
    CHECK(import_error(zero_kind.bytes) == "prog.rec: record 1 (byte 64): unknown kind 0");
    LogBuilder bad_align;
    bad_align.add(Kind::Memalign, 1, 0x4000, 0, 8, 48);
    CHECK(import_error(bad_align.bytes) == "prog.rec: record 0 (byte 16): alignment 48 is not a power of two");
    // Found by fuzz_record: a negative time overflowed the emitter's rebasing.
    LogBuilder negative_time;
    negative_time.time = 4'716'773'884'720;
    negative_time.add(Kind::Malloc, 1, 0x1000, 0, 8);
    negative_time.time = -9'223'372'018'429'877'828;
    negative_time.add(Kind::Free, 1, 0, 0x1000, 0);
    CHECK(import_error(negative_time.bytes) == "prog.rec: record 1 (byte 64): negative time -9223372018429877828");
    LogBuilder huge;
    huge.add(Kind::Malloc, 1, 0x1000, 0, std::uint64_t{1} << 60);
    CHECK(import_error(huge.bytes) == "prog.rec: record 0 (byte 16): size 1152921504606846976 is above 2^48");
}

TEST_CASE("record: a partial last record is dropped and counted, even when not lenient") {
    LogBuilder log;
    log.add(Kind::Malloc, 1, 0x1000, 0, 8).add(Kind::Free, 1, 0, 0x1000, 0).add(Kind::Malloc, 1, 0x1000, 0, 9);
    const std::string cut = log.bytes.substr(0, log.bytes.size() - 20);
    const Imported r = import_log(cut);
    CHECK(r.events.size() == 2);
    CHECK(r.summary.malformed == 1);
    CHECK(r.summary.lines == 2);
}

TEST_CASE("record: a log longer than one read block streams through") {
    LogBuilder log;
    constexpr std::uint64_t kPairs = 10'000;  // 20'000 records: several blocks
    for (std::uint64_t i = 0; i < kPairs; ++i)
        log.add(Kind::Malloc, static_cast<std::uint32_t>(i % 3), 0x1000 + (i % 50) * 64, 0, i)
            .add(Kind::Free, static_cast<std::uint32_t>(i % 3), 0, 0x1000 + (i % 50) * 64, 0);
    const Imported r = import_log(log.bytes);
    CHECK(r.summary.allocs == kPairs);
    CHECK(r.summary.frees == kPairs);
    CHECK(r.summary.skipped_unmatched == 0);
    CHECK(r.summary.replaced_live == 0);
    CHECK(r.summary.lines == 2 * kPairs);
    CHECK(r.events.back().object == kPairs - 1);
}
