// allocsim-trace-bench: how fast traces go into SQLite and come back out.
//
// Stages, each timed with the steady clock over the whole trace:
//   generate   the generator alone, into a sink that only counts (the source's cost)
//   import     generator -> TraceWriter (chunked blobs) -> commit, into a new file
//   read       TraceReader decoding every event back (what replay will do)
//   view       the first 1M events through the `events` view, in plain SQL (sqlite3's way)
//   text       CSV export of the trace and its import back, and an mtrace log of
//              the same trace parsed into a counting sink (text importer speed)
// The targets on a 10M-event trace: import >= 3M events/s, read >= 30M events/s.
#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "bench/json.h"
#include "bench/number_option.h"
#include "bench/wall_clock.h"
#include "traces/csv_format.h"
#include "traces/database.h"
#include "traces/generators.h"
#include "traces/importers.h"
#include "traces/trace_reader.h"
#include "traces/trace_writer.h"

using namespace allocsim;
using Clock = bench::WallClock;
using bench::peak_rss_kib;
using bench::seconds_since;

namespace {

struct CountingSink final : traces::EventSink {
    std::uint64_t events = 0;
    std::uint64_t checksum = 0;
    void add(const traces::TraceEvent& e) override {
        ++events;
        checksum += e.object ^ e.size;
    }
};

// The human-readable table, filled as the JSON is.
struct Figures {
    std::uint64_t events = 0;
    std::vector<std::pair<std::string, std::string>> rows;
    void add(std::string stage, std::string figure) { rows.emplace_back(std::move(stage), std::move(figure)); }
};

std::string rate(double per_second, const char* unit) { return fmt::format("{:.2f} M{}/s", per_second / 1e6, unit); }

// Writes `trace` as an mtrace log: '+', '-', and '<'/'>' pairs, pointers made from
// object ids. Page ops have no mtrace form and are left out.
std::uint64_t write_mtrace(traces::Database& db, const std::string& trace, const std::string& path) {
    std::ofstream out(path, std::ios::binary);
    out << "= Start\n";
    traces::TraceReader reader(db, trace);
    std::vector<traces::TraceEvent> chunk;
    std::uint64_t lines = 0;
    std::string buf;
    while (reader.next_chunk(chunk)) {
        buf.clear();
        for (const traces::TraceEvent& e : chunk) {
            const std::uint64_t ptr = 0x10000 + e.object * 16;
            switch (e.op) {
                case traces::Op::Alloc: buf += fmt::format("@ ./a.out:[0x4006b8] + {:#x} {:#x}\n", ptr, e.size); break;
                case traces::Op::Free: buf += fmt::format("@ ./a.out:[0x400684] - {:#x}\n", ptr); break;
                case traces::Op::Realloc:
                    buf += fmt::format("@ ./a.out:[0x4006c0] < {:#x}\n@ ./a.out:[0x4006c0] > {:#x} {:#x}\n", ptr, ptr, e.size);
                    ++lines;
                    break;
                default: continue;
            }
            ++lines;
        }
        out << buf;
    }
    out << "= End\n";
    return lines + 2;
}

constexpr const char* kHelp =
    "usage: allocsim-trace-bench [--events N] [--workload NAME] [--json] [--keep FOLDER]\n\n"
    "Measures trace storage: generation, import into SQLite, read back, the events\n"
    "view, CSV export and import, and the mtrace parser, on one generated trace.\n"
    "  --events N       events in the trace (default 10000000)\n"
    "  --workload NAME  generator workload (default larson: 4 CPUs, with times)\n"
    "  --json           print every figure as one JSON object\n"
    "  --keep FOLDER    work in FOLDER and keep the files (default: a temporary folder)\n";

}  // namespace

int main(int argc, char** argv) {
    std::uint64_t events = 10'000'000;
    std::string workload = "larson";
    std::string keep;
    bool json = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--help" || a == "-h") {
            fmt::print("{}", kHelp);
            return 0;
        } else if (a == "--json") {
            json = true;
        } else if ((a == "--events" || a == "--workload" || a == "--keep") && i + 1 < argc) {
            const std::string v = argv[++i];
            if (a == "--events") {
                events = bench::number_option("allocsim-trace-bench", "--events", v.c_str(), {1, 1'000'000'000});
            } else if (a == "--workload") {
                workload = v;
            } else {
                keep = v;
            }
        } else {
            fmt::print(stderr, "allocsim-trace-bench: unknown argument '{}'\n{}", a, kHelp);
            return 2;
        }
    }

    std::filesystem::path dir;
    if (keep.empty()) {
        std::random_device rd;
        dir = std::filesystem::temp_directory_path() / fmt::format("allocsim-trace-bench-{}", rd());
    } else {
        dir = keep;
    }
    std::filesystem::create_directories(dir);
    const std::string db_path = (dir / "bench.db").string();
    std::filesystem::remove(db_path);
    bench::Json out = bench::Json::object();
    out["tool"] = "allocsim-trace-bench";
    out["workload"] = workload;
    int status = 0;
    Figures figures;
    try {
        traces::GeneratorOptions options;
        options.ops = events;

        // 1. The generator alone.
        CountingSink counted;
        {
            traces::EventEmitter emitter(counted);
            const auto t = Clock::now();
            traces::generate(workload, options, emitter);
            const double s = seconds_since(t);
            out["events"] = counted.events;
            out["generate"]["seconds"] = s;
            out["generate"]["events_per_second"] = static_cast<double>(counted.events) / s;
            figures.events = counted.events;
            figures.add("generate (into a counting sink)", rate(static_cast<double>(counted.events) / s, "ev"));
        }

        // 2. Import: generator -> writer -> commit.
        traces::Database db(db_path);
        {
            traces::TraceWriter writer(db, "bench", "gen", workload);
            traces::EventEmitter emitter(writer);
            const auto t = Clock::now();
            traces::generate(workload, options, emitter);
            writer.commit(emitter.summary());
            const double s = seconds_since(t);
            out["import"]["seconds"] = s;
            out["import"]["events_per_second"] = static_cast<double>(counted.events) / s;
            out["import"]["target_events_per_second"] = 3e6;
            figures.add("import: generate -> SQLite, commit", rate(static_cast<double>(counted.events) / s, "ev"));
        }
        db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
        out["import"]["database_bytes"] = static_cast<std::uint64_t>(std::filesystem::file_size(db_path));
        out["import"]["bytes_per_event"] =
            static_cast<double>(std::filesystem::file_size(db_path)) / static_cast<double>(counted.events);
        figures.add("database size", fmt::format("{:.1f} B/event", static_cast<double>(std::filesystem::file_size(db_path)) /
                                                                      static_cast<double>(counted.events)));

        // 3. Read back, decoding every event.
        {
            CountingSink read;
            traces::TraceReader reader(db, "bench");
            std::vector<traces::TraceEvent> chunk;
            const auto t = Clock::now();
            while (reader.next_chunk(chunk))
                for (const traces::TraceEvent& e : chunk) read.add(e);
            const double s = seconds_since(t);
            if (read.events != counted.events || read.checksum != counted.checksum) {
                fmt::print(stderr, "allocsim-trace-bench: read back {} events (checksum {:x}), wrote {} ({:x})\n",
                           read.events, read.checksum, counted.events, counted.checksum);
                status = 1;
            }
            out["read"]["seconds"] = s;
            out["read"]["events_per_second"] = static_cast<double>(read.events) / s;
            out["read"]["target_events_per_second"] = 30e6;
            figures.add("read: SQLite -> decoded events", rate(static_cast<double>(read.events) / s, "ev"));
        }

        // 4. The events view, in plain SQL, on at most 1M events.
        {
            traces::Statement scan(db,
                                   "SELECT count(*), sum(size) FROM (SELECT size FROM events "
                                   "WHERE trace_id = (SELECT id FROM traces WHERE name = 'bench') LIMIT 1000000)");
            const auto t = Clock::now();
            scan.step();
            const double s = seconds_since(t);
            const auto rows = static_cast<std::uint64_t>(scan.column_int(0));
            out["view"]["rows"] = rows;
            out["view"]["seconds"] = s;
            out["view"]["rows_per_second"] = static_cast<double>(rows) / s;
            figures.add(fmt::format("events view in SQL ({} rows)", rows), rate(static_cast<double>(rows) / s, "rows"));
        }

        // 5. Text: CSV out and back in, and the mtrace parser.
        {
            const std::string csv = (dir / "bench.csv").string();
            auto t = Clock::now();
            {
                std::ofstream f(csv, std::ios::binary);
                traces::write_csv_header(f);
                traces::TraceReader reader(db, "bench");
                std::vector<traces::TraceEvent> chunk;
                std::uint64_t seq = 0;
                while (reader.next_chunk(chunk))
                    for (const traces::TraceEvent& e : chunk) traces::write_csv_event(f, seq++, e);
            }
            double s = seconds_since(t);
            out["csv"]["bytes"] = static_cast<std::uint64_t>(std::filesystem::file_size(csv));
            out["csv"]["export_events_per_second"] = static_cast<double>(counted.events) / s;
            figures.add("CSV export", rate(static_cast<double>(counted.events) / s, "ev"));
            CountingSink parsed;
            t = Clock::now();
            {
                std::ifstream f(csv, std::ios::binary);
                traces::import_csv(f, csv, parsed, traces::ImportOptions{});
            }
            s = seconds_since(t);
            out["csv"]["import_events_per_second"] = static_cast<double>(parsed.events) / s;
            figures.add("CSV import (parse only)", rate(static_cast<double>(parsed.events) / s, "ev"));
            std::filesystem::remove(csv);

            const std::string log = (dir / "bench.mtrace").string();
            const std::uint64_t lines = write_mtrace(db, "bench", log);
            CountingSink mtraced;
            t = Clock::now();
            {
                std::ifstream f(log, std::ios::binary);
                traces::EventEmitter emitter(mtraced);
                traces::import_mtrace(f, log, emitter, traces::ImportOptions{});
            }
            s = seconds_since(t);
            out["mtrace"]["lines"] = lines;
            out["mtrace"]["bytes"] = static_cast<std::uint64_t>(std::filesystem::file_size(log));
            out["mtrace"]["lines_per_second"] = static_cast<double>(lines) / s;
            out["mtrace"]["megabytes_per_second"] = static_cast<double>(std::filesystem::file_size(log)) / s / 1e6;
            figures.add("mtrace import (parse only)",
                        fmt::format("{} ({:.0f} MB/s)", rate(static_cast<double>(lines) / s, "lines"),
                                    static_cast<double>(std::filesystem::file_size(log)) / s / 1e6));
            std::filesystem::remove(log);
        }
    } catch (const std::exception& e) {
        fmt::print(stderr, "allocsim-trace-bench: {}\n", e.what());
        status = 1;
    }
    out["peak_rss_kib"] = peak_rss_kib();
    if (keep.empty()) std::filesystem::remove_all(dir);
    if (status != 0) return status;

    if (json) {
        fmt::print("{}\n", out.dump());
        return 0;
    }
    fmt::print("allocsim-trace-bench: workload {}, {} events, database in {}\n\n", workload, figures.events,
               dir.string());
    fmt::print("| stage                                   | figure                 |\n");
    fmt::print("|-----------------------------------------|------------------------|\n");
    for (const auto& [stage, figure] : figures.rows) fmt::print("| {:<39} | {:>22} |\n", stage, figure);
    fmt::print("\npeak RSS {:.1f} MiB (flat: the trace is streamed, never held)\n", static_cast<double>(peak_rss_kib()) / 1024);
    return 0;
}
