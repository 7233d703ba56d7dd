// allocsim-bench: reproduces the seed design report's six benchmarks with RDTSC and
// batch timing, and compares the 64 B hit path with glibc, jemalloc, mimalloc and
// tcmalloc. See docs/BENCHMARKS.md for a run and how to read it.
#include <sched.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>

#include <fmt/format.h>

#include "bench/bench.h"

namespace allocsim::bench {
namespace {

unsigned char* g_region = nullptr;

struct Benchmark {
    const char* name;
    const char* alias;
    const char* what;
};

constexpr Benchmark kBenchmarks[] = {
    {"thread_cache", "1", "thread-cache 64 B alloc/free hit path, hit rate"},
    {"buddy", "2", "buddy order-0 alloc/free, split from order 8 and coalesce"},
    {"hybrid_vs_list", "3", "hybrid vs linked-list baseline, mixed 16-512 B"},
    {"stress", "4", "100k alloc/free cycles, 8 B..16 KiB plus pages"},
    {"pollution", "5", "cache pollution (500 allocs) and recovery (1000 allocs)"},
    {"slab_refill", "6", "cache miss: refill from a partial run, or carve a new run"},
    {"peers", "7", "64 B loops vs glibc, jemalloc, mimalloc, tcmalloc (LD_PRELOAD)"},
};

void usage(std::FILE* to) {
    fmt::print(to,
               "usage: allocsim-bench [--quick] [--json] [--only NAME[,NAME...]] [--cpu N]\n"
               "\n"
               "Reproduces the seed design report's benchmarks with RDTSC (LFENCE;RDTSC) and batch\n"
               "timing, prints a table (benchmark | seed target | measured | verdict) and a\n"
               "comparison with the malloc of glibc, jemalloc, mimalloc and tcmalloc.\n"
               "\n"
               "  --quick        fewer iterations (for tests and CI; a few seconds)\n"
               "  --json         print one JSON object with every figure instead of the table\n"
               "  --only NAMES   run only these benchmarks (comma-separated, name or number):\n");
    for (const Benchmark& b : kBenchmarks) fmt::print(to, "                   {} {:<15} {}\n", b.alias, b.name, b.what);
    fmt::print(to,
               "  --cpu N        pin to CPU N (default: the last CPU this process may run on)\n"
               "  --help         this text\n"
               "\n"
               "Figures are TSC ticks per operation (median and p99 over batches), with the\n"
               "core-cycle estimate of the median. Exit status: 0, or 1 if an allocator check\n"
               "failed (check(), leak after quiesce), 2 on a usage or setup error.\n");
}

std::string cpu_model() {
    std::ifstream in("/proc/cpuinfo");
    std::string line, model = "unknown", family, mod;
    while (std::getline(in, line)) {
        const auto value = [&] {
            const std::size_t c = line.find(':');
            return c == std::string::npos ? std::string() : line.substr(line.find_first_not_of(" \t", c + 1));
        };
        if (line.rfind("model name", 0) == 0 && model == "unknown") model = value();
        else if (line.rfind("cpu family", 0) == 0 && family.empty()) family = value();
        else if (line.rfind("model\t", 0) == 0 && mod.empty()) mod = value();
    }
    if (!family.empty()) model += fmt::format(" (family {}, model {})", family, mod);
    return model;
}

int pin(int wanted) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0) return -1;
    int cpu = wanted;
    if (cpu < 0)
        for (int c = 0; c < CPU_SETSIZE; ++c)
            if (CPU_ISSET(c, &set)) cpu = c;
    if (cpu < 0) return -1;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) return -1;
    return cpu;
}

double round_to(double v, double digits) {
    if (!std::isfinite(v)) return v;
    const double k = std::pow(10.0, digits);
    return std::round(v * k) / k;
}

std::string self_exe_path() {
    char buf[4096];
    const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0) return "/proc/self/exe";
    buf[n] = '\0';
    return buf;
}

}  // namespace

unsigned char* region() { return g_region; }

bool Options::selected(const char* name) const {
    if (only.empty()) return true;
    for (const Benchmark& b : kBenchmarks) {
        if (std::strcmp(b.name, name) != 0) continue;
        for (const std::string& o : only)
            if (o == b.name || o == b.alias) return true;
    }
    return false;
}

double rounded(double v, int digits) { return round_to(v, digits); }

double to_core(double t) { return t * clock().core_cycles_per_tick; }

Json stats_json(const Stats& s) {
    Json j = Json::object();
    j["median_ticks"] = round_to(s.median, 3);
    j["p99_ticks"] = round_to(s.p99, 3);
    j["mean_ticks"] = round_to(s.mean, 3);
    j["min_ticks"] = round_to(s.min, 3);
    j["max_ticks"] = round_to(s.max, 3);
    j["median_core_cycles"] = round_to(to_core(s.median), 3);
    j["p99_core_cycles"] = round_to(to_core(s.p99), 3);
    j["samples"] = static_cast<unsigned long>(s.samples);
    return j;
}

std::string ticks_text(const Stats& s, int precision) {
    return fmt::format("median {:.{}f} / p99 {:.{}f} ticks (~{:.{}f} core cyc)", s.median, precision, s.p99, precision,
                       to_core(s.median), precision > 1 ? 1 : precision);
}

std::string verdict_at_most(double value, double limit, double validated_limit) {
    if (value > limit) {
        if (validated_limit > limit && value <= validated_limit)
            return fmt::format("misses (meets the validated < {:.0f})", validated_limit);
        return "misses";
    }
    if (to_core(value) > limit) return fmt::format("meets in TSC ticks; misses in core cycles (~{:.0f})", to_core(value));
    return "meets";
}

std::string verdict_at_least(double value, double limit) { return value > limit ? "meets" : "misses"; }

}  // namespace allocsim::bench

int main(int argc, char** argv) {
    using namespace allocsim::bench;
    Options o;
    bool peer_loop = false;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") {
            usage(stdout);
            return 0;
        } else if (a == "--json") {
            o.json = true;
        } else if (a == "--quick") {
            o.quick = true;
        } else if (a == "--peer-loop") {
            peer_loop = true;
        } else if ((a == "--only" || a == "--cpu") && i + 1 < argc) {
            const std::string v = argv[++i];
            if (a == "--cpu") {
                char* end = nullptr;
                o.cpu = static_cast<int>(std::strtol(v.c_str(), &end, 10));
                if (end == v.c_str() || *end != '\0' || o.cpu < 0) {
                    fmt::print(stderr, "allocsim-bench: bad --cpu value '{}'\n", v);
                    return 2;
                }
                continue;
            }
            std::size_t start = 0;
            while (start <= v.size()) {
                const std::size_t comma = v.find(',', start);
                const std::string name = v.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
                bool known = false;
                for (const Benchmark& b : kBenchmarks) known |= name == b.name || name == b.alias;
                if (!known) {
                    fmt::print(stderr, "allocsim-bench: unknown benchmark '{}' (see --help)\n", name);
                    return 2;
                }
                o.only.push_back(name);
                if (comma == std::string::npos) break;
                start = comma + 1;
            }
        } else {
            fmt::print(stderr, "allocsim-bench: unknown option '{}' (see --help)\n", a);
            usage(stderr);
            return 2;
        }
    }

    const int pinned = pin(o.cpu);
    if (pinned < 0) fmt::print(stderr, "allocsim-bench: cannot pin to {}; running unpinned\n",
                               o.cpu < 0 ? std::string("a CPU") : fmt::format("CPU {}", o.cpu));
    o.cpu = pinned;
    if (peer_loop) return peer_loop_main(o);

    const auto started = std::chrono::steady_clock::now();
    g_region = static_cast<unsigned char*>(std::aligned_alloc(std::size_t{2} << 20, kRegionBytes));
    if (g_region == nullptr) {
        fmt::print(stderr, "allocsim-bench: cannot allocate the {} MiB region\n", kRegionBytes >> 20);
        return 2;
    }
    std::memset(g_region, 0, kRegionBytes);  // fault every page in now, not while timing

    const Clock c = calibrate(o.quick);
    utsname u{};
    uname(&u);
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const std::string model = cpu_model();
    double load[3] = {0, 0, 0};
    if (getloadavg(load, 3) != 3) load[0] = load[1] = load[2] = -1;

    Report r;
    r.json["tool"] = "allocsim-bench";
    r.json["quick"] = o.quick;
    Json& m = r.json["machine"];
    m["cpu"] = model;
    m["cpus_online"] = cpus;
    m["kernel"] = std::string(u.release);
    m["pinned_cpu"] = pinned;
    m["load_average_1min_at_start"] = round_to(load[0], 2);
    Json& cj = r.json["clock"];
    cj["method"] = "LFENCE;RDTSC around batches; per-op = (ticks - empty-region cost) / ops";
    cj["tsc_hz"] = round_to(c.tsc_hz, 0);
    cj["tsc_step_ticks"] = c.tsc_granularity;
    cj["empty_region_ticks_mean"] = round_to(c.overhead_ticks, 3);
    cj["empty_region_ticks_median"] = c.overhead_median_ticks;
    cj["core_cycles_per_tick"] = round_to(c.core_cycles_per_tick, 4);
    cj["core_hz_estimate"] = round_to(c.core_hz, 0);
    cj["seed"] = static_cast<unsigned long>(kSeed);

    if (!o.json) {
        fmt::print("allocsim-bench{}: the seed design report's benchmarks, RDTSC with batch timing\n",
                   o.quick ? " --quick" : "");
        fmt::print("machine: {}, {} CPUs online, Linux {}; {}; load average {:.2f} at start\n", model, cpus,
                   u.release, pinned >= 0 ? fmt::format("pinned to CPU {}", pinned) : std::string("not pinned"),
                   load[0]);
        fmt::print(
            "clock:   LFENCE;RDTSC. TSC {:.3f} GHz, advancing in steps of {:.0f} ticks; an empty timed region costs "
            "{:.1f} ticks (mean), subtracted from every batch.\n"
            "         Core clock ~{:.2f} GHz (chain of dependent ADDs): 1 TSC tick ~ {:.2f} core cycles.\n"
            "Figures: TSC ticks per operation, median / p99 over batches of many operations; '~N core cyc' converts "
            "the median.\n\n",
            c.tsc_hz * 1e-9, c.tsc_granularity, c.overhead_ticks, c.core_hz * 1e-9, c.core_cycles_per_tick);
        std::fflush(stdout);
    }

    r.notes.push_back(
        "every figure is a batch figure: (ticks around a batch - empty-region cost) / operations in it. p99 is "
        "the 99th percentile over batches, so it shows slow batches (an interrupt, a slower path in some "
        "batches), not the slowest single operation.");
    r.notes.push_back(
        "verdicts compare TSC ticks with the seed's targets, as the seed measured with RDTSC; where the "
        "core-cycle estimate would change a verdict, the verdict says so.");
    const std::string self = self_exe_path();
    if (o.selected("thread_cache")) bench_thread_cache(o, r);
    if (o.selected("buddy")) bench_buddy(o, r);
    if (o.selected("hybrid_vs_list")) bench_hybrid_vs_list(o, r);
    if (o.selected("stress")) bench_stress(o, r);
    if (o.selected("pollution")) bench_pollution(o, r);
    if (o.selected("slab_refill")) bench_slab_refill(o, r);
    if (o.selected("peers")) bench_peers(o, r, self.c_str());

    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    Json problems = Json::array();
    for (const std::string& p : r.problems) problems.push(p);
    r.json["problems"] = std::move(problems);
    r.json["elapsed_seconds"] = round_to(elapsed, 2);

    if (o.json) {
        fmt::print("{}\n", r.json.dump(2));
    } else {
        std::size_t w[4] = {9, 11, 8, 7};
        for (const Row& row : r.rows) {
            w[0] = std::max(w[0], row.benchmark.size());
            w[1] = std::max(w[1], row.target.size());
            w[2] = std::max(w[2], row.measured.size());
            w[3] = std::max(w[3], row.verdict.size());
        }
        const auto line = [&](const std::string& a, const std::string& b, const std::string& cc, const std::string& d) {
            fmt::print("| {:<{}} | {:<{}} | {:<{}} | {:<{}} |\n", a, w[0], b, w[1], cc, w[2], d, w[3]);
        };
        line("benchmark", "seed target", "measured", "verdict");
        fmt::print("|{}|{}|{}|{}|\n", std::string(w[0] + 2, '-'), std::string(w[1] + 2, '-'),
                   std::string(w[2] + 2, '-'), std::string(w[3] + 2, '-'));
        for (const Row& row : r.rows) line(row.benchmark, row.target, row.measured, row.verdict);
        for (const std::string& s : r.sections) fmt::print("\n{}", s);
        if (!r.notes.empty()) fmt::print("\n");
        for (const std::string& n : r.notes) fmt::print("note: {}\n", n);
        fmt::print("\nallocator checks (check(), nothing live after quiesce()): {}\n",
                   r.problems.empty() ? "all passed" : "FAILED");
        for (const std::string& p : r.problems) fmt::print("  problem: {}\n", p);
        fmt::print("elapsed: {:.1f} s\n", elapsed);
    }
    std::free(g_region);
    return r.problems.empty() ? 0 : 1;
}
