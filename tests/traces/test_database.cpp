// The trace database: round trips through the chunked blobs, the SQL view, one
// transaction per trace, and refusing files that are not ours.
#include <fstream>
#include <functional>

#include "tests/traces/test_support.h"
#include "traces/database.h"
#include "traces/event_codec.h"
#include "traces/import_error.h"
#include "traces/live_bytes.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

using namespace allocsim::traces;
using namespace allocsim::traces::test;

namespace {

std::vector<TraceEvent> read_all(Database& db, const std::string& name) {
    TraceReader reader(db, name);
    std::vector<TraceEvent> all, chunk;
    while (reader.next_chunk(chunk)) all.insert(all.end(), chunk.begin(), chunk.end());
    return all;
}

TraceInfo write(Database& db, const std::string& name, const std::vector<TraceEvent>& events,
                IfExists if_exists = IfExists::Fail) {
    TraceWriter w(db, name, "test", "unit test", if_exists);
    ImportSummary s;
    for (const TraceEvent& e : events) {
        w.add(e);
        s.cpus = std::max<std::uint32_t>(s.cpus, e.cpu + 1u);
    }
    s.events = events.size();
    return w.commit(s);
}

const auto error_of = error_message;

}  // namespace

TEST_CASE("database: a trace of several chunks reads back identically, in order") {
    TempDir dir;
    Database db(dir.file("t.db"));
    const auto events = sample_events(3 * kEventsPerChunk + 17);
    const TraceInfo info = write(db, "sample", events);
    CHECK(info.events == events.size());
    CHECK(info.cpus == 65536);
    CHECK(read_all(db, "sample") == events);
    const auto listed = db.traces();
    REQUIRE(listed.size() == 1);
    CHECK(listed[0].name == "sample");
    CHECK(listed[0].events == events.size());
    CHECK(listed[0].created.size() == 20);  // 2026-11-25T03:00:00Z
    // A second handle on the same file sees the committed trace.
    Database again(dir.file("t.db"), Database::Mode::ReadOnly);
    CHECK(read_all(again, "sample") == events);
}

TEST_CASE("database: the events view decodes every field in plain SQL") {
    TempDir dir;
    Database db(dir.file("t.db"));
    const auto events = sample_events(kEventsPerChunk + 300);  // across a chunk boundary
    write(db, "other", sample_events(10));                     // rows of another trace are not mixed in
    const TraceInfo info = write(db, "view", events);
    Statement q(db, "SELECT seq, time_ns, cpu, op, object, size, align, page_order, cycles FROM events "
                    "WHERE trace_id = ? ORDER BY seq");
    q.bind(1, info.id);
    std::size_t n = 0;
    while (q.step()) {
        REQUIRE(n < events.size());
        const TraceEvent& e = events[n];
        CAPTURE(n);
        CHECK(q.column_int(0) == static_cast<std::int64_t>(n));
        CHECK(q.column_text(1) == (e.time_ns == kNoTime ? "" : std::to_string(e.time_ns)));
        CHECK(q.column_int(2) == e.cpu);
        CHECK(q.column_text(3) == op_name(e.op));
        CHECK(static_cast<std::uint64_t>(q.column_int(4)) == e.object);
        CHECK(static_cast<std::uint64_t>(q.column_int(5)) == e.size);
        const bool page = e.op == Op::PageAlloc || e.op == Op::PageFree;
        CHECK(q.column_text(6) == (!page && e.arg != 0 ? std::to_string(std::uint64_t{1} << e.arg) : ""));
        CHECK(q.column_text(7) == (page ? std::to_string(e.arg) : ""));
        CHECK(q.column_text(8) == (e.cycles == 0 ? "" : std::to_string(e.cycles)));
        ++n;
    }
    CHECK(n == events.size());
    // The view's speed rests on SQLite keeping the decoding query a co-routine
    // whose DISTINCT costs nothing (traces/database.cpp): no temporary b-tree.
    Statement plan(db, "EXPLAIN QUERY PLAN SELECT count(*), sum(size) FROM events WHERE trace_id = 2");
    std::string steps;
    while (plan.step()) steps += plan.column_text(3) + "\n";
    CHECK(steps.find("CO-ROUTINE") != std::string::npos);
    CHECK(steps.find("TEMP B-TREE") == std::string::npos);
    CHECK(steps.find("USING INDEX") != std::string::npos);
}

TEST_CASE("database: a writer that does not commit leaves the database as it was") {
    TempDir dir;
    Database db(dir.file("t.db"));
    const auto first = sample_events(5000);
    write(db, "kept", first);
    {
        TraceWriter w(db, "abandoned", "test", "unit test");
        for (const TraceEvent& e : sample_events(20000)) w.add(e);  // several chunks written
    }  // destroyed without commit: rolled back
    CHECK_FALSE(db.find_trace("abandoned").has_value());
    CHECK(read_all(db, "kept") == first);
    Statement chunks(db, "SELECT count(*) FROM event_chunks");
    chunks.step();
    CHECK(chunks.column_int(0) == (5000 + kEventsPerChunk - 1) / kEventsPerChunk);  // only kept's
    write(db, "abandoned", first);     // the name is free again
    CHECK(db.traces().size() == 2);
}

TEST_CASE("database: names are unique unless replaced, bad names are refused") {
    TempDir dir;
    Database db(dir.file("t.db"));
    write(db, "a", sample_events(10));
    CHECK(error_of([&] { write(db, "a", sample_events(20)); }).find("exists already") != std::string::npos);
    CHECK(read_all(db, "a").size() == 10);
    write(db, "a", sample_events(20), IfExists::Replace);
    CHECK(read_all(db, "a").size() == 20);
    CHECK(db.traces().size() == 1);
    CHECK(error_of([&] { write(db, "", {}); }).find("1 to 200") != std::string::npos);
    CHECK(error_of([&] { write(db, "tab\there", {}); }).find("control character") != std::string::npos);
    CHECK(error_of([&] { read_all(db, "missing"); }).find("no trace named 'missing'") != std::string::npos);
    write(db, "empty", {});
    CHECK(read_all(db, "empty").empty());
}

TEST_CASE("database: files that are not ours are refused with the file's name") {
    TempDir dir;
    const std::string junk = dir.file("junk.db");
    {
        std::ofstream out(junk, std::ios::binary);
        for (int i = 0; i < 10000; ++i) out.put(static_cast<char>(i * 7919));
    }
    std::string e = error_of([&] { Database db(junk); });
    CHECK(e.find(junk) != std::string::npos);
    CHECK(e.find("not an SQLite database") != std::string::npos);

    const std::string other = dir.file("other.db");
    {
        Database db(other);  // make it an allocsim database, then change the version
        db.exec("UPDATE allocsim_meta SET value = '99' WHERE key = 'schema_version'");
    }
    e = error_of([&] { Database db(other); });
    CHECK(e.find("schema version 99") != std::string::npos);

    const std::string foreign = dir.file("foreign.db");
    {
        sqlite3* raw = nullptr;
        REQUIRE(sqlite3_open(foreign.c_str(), &raw) == SQLITE_OK);
        sqlite3_exec(raw, "CREATE TABLE customers(id INTEGER)", nullptr, nullptr, nullptr);
        sqlite3_close(raw);
    }
    e = error_of([&] { Database db(foreign); });
    CHECK(e.find("not an allocsim database") != std::string::npos);
    e = error_of([&] { Database db(dir.file("no/such/folder/x.db")); });
    CHECK(e.find("cannot open") != std::string::npos);
}

TEST_CASE("database: every stored trace records its peak live bytes, as LiveBytes counts them") {
    TempDir dir;
    Database db(dir.file("t.db"));
    // 100 + 50 live, then a realloc of the first to 300 (peak 350), a page block of
    // order 1 (8 KiB) after the 50 is freed, an alloc of an id already live (ignored),
    // and a free of an object that never was.
    const std::vector<TraceEvent> events = {
        {kNoTime, 0, 100, 0, 0, Op::Alloc, 0},   {kNoTime, 1, 50, 0, 0, Op::Alloc, 0},
        {kNoTime, 0, 300, 0, 0, Op::Realloc, 0}, {kNoTime, 1, 0, 0, 0, Op::Free, 0},
        {kNoTime, 2, 0, 0, 0, Op::PageAlloc, 1}, {kNoTime, 2, 0, 0, 0, Op::PageFree, 1},
        {kNoTime, 0, 999, 0, 0, Op::Alloc, 0},   {kNoTime, 7, 0, 0, 0, Op::Free, 0},
    };
    LiveBytes live;
    std::vector<std::uint64_t> after;
    for (const TraceEvent& e : events) {
        live.on(e);
        after.push_back(live.now());
    }
    CHECK(after == std::vector<std::uint64_t>{100, 150, 350, 300, 300 + 8192, 300, 300, 300});
    CHECK(live.peak() == 300 + 8192);

    const TraceInfo info = write(db, "peaks", events);
    CHECK(stored_peak_live_bytes(info.summary) == 300 + 8192);
    CHECK(stored_peak_live_bytes(db.find_trace("peaks")->summary) == 300 + 8192);
    // A summary stored before the key existed reads as unknown, not as 0.
    CHECK_FALSE(stored_peak_live_bytes(R"({"events":8,"cpus":1})").has_value());
    CHECK_FALSE(stored_peak_live_bytes(R"({"peak_live_bytes":"x"})").has_value());
}

TEST_CASE("database: the stored layout names each CPU's last event and whether the times never go back") {
    TempDir dir;
    Database db(dir.file("t.db"));
    const TraceInfo untimed = write(db, "untimed",
                                    {{kNoTime, 0, 10, 0, 2, Op::Alloc, 0},
                                     {kNoTime, 1, 10, 0, 0, Op::Alloc, 0},
                                     {kNoTime, 0, 0, 0, 2, Op::Free, 0},
                                     {kNoTime, 1, 0, 0, 0, Op::Free, 0}});
    const auto a = stored_layout(untimed.summary);
    REQUIRE(a.has_value());
    CHECK(a->last_event_by_cpu == std::vector<std::uint64_t>{3, kNoEvent, 2});  // CPU 1 has no event
    CHECK_FALSE(a->times_monotone);
    const auto read_back = stored_layout(db.find_trace("untimed")->summary);
    REQUIRE(read_back.has_value());
    CHECK(read_back->last_event_by_cpu == a->last_event_by_cpu);

    const TraceInfo timed = write(db, "timed", {{5, 0, 10, 0, 0, Op::Alloc, 0}, {5, 0, 0, 0, 1, Op::Free, 0}});
    CHECK(stored_layout(timed.summary)->times_monotone);
    CHECK(stored_layout(timed.summary)->last_event_by_cpu == std::vector<std::uint64_t>{0, 1});
    const TraceInfo back = write(db, "back", {{5, 0, 10, 0, 0, Op::Alloc, 0}, {4, 0, 0, 0, 0, Op::Free, 0}});
    CHECK_FALSE(stored_layout(back.summary)->times_monotone);

    // A summary stored before the layout existed, or a damaged one, reads as unknown.
    CHECK_FALSE(stored_layout(R"({"events":8,"cpus":1})").has_value());
    CHECK_FALSE(stored_layout(R"({"last_event_by_cpu":[1,x],"times_monotone":true})").has_value());
    CHECK_FALSE(stored_layout(R"({"last_event_by_cpu":[1,2)").has_value());
}

TEST_CASE("database: a page order no importer accepts saturates instead of overflowing") {
    CHECK(page_block_bytes(0) == 4096);
    CHECK(page_block_bytes(20) == std::uint64_t{4096} << 20);
    CHECK(page_block_bytes(50) == std::uint64_t{4096} << 50);
    CHECK(page_block_bytes(51) == std::uint64_t{1} << 63);
    CHECK(page_block_bytes(255) == std::uint64_t{1} << 63);
}

TEST_CASE("database: a damaged stored chunk is an error naming the trace and the event") {
    TempDir dir;
    Database db(dir.file("t.db"));
    write(db, "d", sample_events(2 * kEventsPerChunk));
    // Rewrites the second chunk's blob with `edit` applied.
    const auto damage = [&](const std::function<void(std::vector<unsigned char>&)>& edit) {
        Statement read(db, "SELECT data FROM event_chunks WHERE first_seq = ?");
        read.bind(1, kEventsPerChunk);
        REQUIRE(read.step());
        std::vector<unsigned char> blob(read.column_blob(0), read.column_blob(0) + read.column_bytes(0));
        edit(blob);
        Statement update(db, "UPDATE event_chunks SET data = ? WHERE first_seq = ?");
        update.bind_blob(1, blob.data(), blob.size()).bind(2, kEventsPerChunk);
        update.step();
    };
    const auto read_error = [&] {
        const std::string chunks = error_of([&] { read_all(db, "d"); });
        // The replay's path reads the records undecoded: the same checks, the same message.
        const std::string records = error_of([&] {
            TraceReader reader(db, "d");
            const unsigned char* r = nullptr;
            std::size_t n = 0;
            while (reader.next_records(r, n)) {}
        });
        CHECK(chunks == records);
        return chunks;
    };
    damage([](std::vector<unsigned char>& b) { b[17 * kEventRecordBytes + kEventOpOffset] = 9; });
    CHECK(read_error() == "trace 'd': event 2017: unknown op 9");
    damage([](std::vector<unsigned char>& b) { b.pop_back(); });
    CHECK(read_error() == "trace 'd': event 2000: a chunk of 2000 events holds 63999 bytes");
    db.exec("DELETE FROM event_chunks WHERE first_seq = 2000");
    CHECK(read_error() == "trace 'd': 2000 events stored, 4000 expected");
}
