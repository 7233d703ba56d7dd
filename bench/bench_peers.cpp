// Benchmark 7: the 64 B loops (loops.h) through glibc malloc, jemalloc, mimalloc and
// tcmalloc, against allocsim's hybrid.
//
// Each peer runs in a child: this same binary, re-executed with the hidden flag
// --peer-loop and LD_PRELOAD=<the peer's .so> (nothing for glibc), so its malloc and
// free are the peer's. The child reports which library its malloc really resolved
// to (dladdr) and its figures on one line through a pipe. The library paths come
// from CMake (find_package / pkg-config, then find_library) as compile definitions.
#include <dlfcn.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/common.h"
#include "bench/loops.h"

extern char** environ;

#ifndef ALLOCSIM_JEMALLOC_SO
#define ALLOCSIM_JEMALLOC_SO ""
#endif
#ifndef ALLOCSIM_MIMALLOC_SO
#define ALLOCSIM_MIMALLOC_SO ""
#endif
#ifndef ALLOCSIM_TCMALLOC_SO
#define ALLOCSIM_TCMALLOC_SO ""
#endif
#ifndef ALLOCSIM_MALLOC_SO
#define ALLOCSIM_MALLOC_SO ""
#endif
#ifndef ALLOCSIM_JEMALLOC_VERSION
#define ALLOCSIM_JEMALLOC_VERSION ""
#endif
#ifndef ALLOCSIM_MIMALLOC_VERSION
#define ALLOCSIM_MIMALLOC_VERSION ""
#endif
#ifndef ALLOCSIM_TCMALLOC_VERSION
#define ALLOCSIM_TCMALLOC_VERSION ""
#endif

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define ALLOCSIM_BENCH_SANITIZED 1
#else
#define ALLOCSIM_BENCH_SANITIZED 0
#endif

namespace allocsim::bench {
namespace {

struct Peer {
    const char* name;
    const char* library;   // LD_PRELOAD value; "" for glibc
    const char* version;
    const char* expect;    // substring the resolved malloc's object must contain
};

struct PeerResult {
    std::string status = "ok";  // ok, not installed, failed: ...
    std::string resolved;        // the object malloc resolved to in the child
    Stats pair, batch;
};

// Child output: "peer-loop key=value ... lib=<path>".
double field(const std::string& line, const char* key) {
    const std::string k = std::string(" ") + key + "=";
    const std::size_t at = line.find(k);
    if (at == std::string::npos) return -1;
    return std::strtod(line.c_str() + at + k.size(), nullptr);
}

Stats stats_from(const std::string& line, const std::string& prefix) {
    Stats s;
    s.median = field(line, (prefix + "_median").c_str());
    s.p99 = field(line, (prefix + "_p99").c_str());
    s.mean = field(line, (prefix + "_mean").c_str());
    s.min = field(line, (prefix + "_min").c_str());
    s.max = field(line, (prefix + "_max").c_str());
    s.samples = static_cast<std::size_t>(field(line, (prefix + "_samples").c_str()));
    return s;
}

PeerResult run_child(const Options& o, const char* self_exe, const Peer& peer) {
    PeerResult res;
    std::vector<std::string> env_store;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "LD_PRELOAD=", 11) != 0) env_store.emplace_back(*e);
    if (peer.library[0] != '\0') env_store.push_back(std::string("LD_PRELOAD=") + peer.library);
    std::vector<char*> envp;
    for (std::string& s : env_store) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::vector<std::string> arg_store = {self_exe, "--peer-loop"};
    if (o.cpu >= 0) {
        arg_store.emplace_back("--cpu");
        arg_store.push_back(std::to_string(o.cpu));
    }
    if (o.quick) arg_store.emplace_back("--quick");
    std::vector<char*> argv;
    for (std::string& s : arg_store) argv.push_back(s.data());
    argv.push_back(nullptr);

    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) {
        res.status = "failed: pipe";
        return res;
    }
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
    pid_t pid = 0;
    const int err = posix_spawn(&pid, self_exe, &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    close(fds[1]);
    if (err != 0) {
        close(fds[0]);
        res.status = fmt::format("failed: spawn: {}", std::strerror(err));
        return res;
    }
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = read(fds[0], buf, sizeof buf);
        if (n > 0) out.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR) break;
    }
    close(fds[0]);
    int wstatus = 0;
    while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR) {
    }
    const std::size_t at = out.find("peer-loop ");
    if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0 || at == std::string::npos) {
        res.status = WIFSIGNALED(wstatus) ? fmt::format("failed: child killed by signal {}", WTERMSIG(wstatus))
                                          : "failed: child exited without a result";
        return res;
    }
    std::string line = out.substr(at);
    if (const std::size_t nl = line.find('\n'); nl != std::string::npos) line.resize(nl);
    res.pair = stats_from(line, "pair");
    res.batch = stats_from(line, "batch");
    if (const std::size_t lib = line.find(" lib="); lib != std::string::npos) res.resolved = line.substr(lib + 5);
    if (res.resolved.find(peer.expect) == std::string::npos)
        res.status = fmt::format("failed: malloc resolved to {}, not {}", res.resolved, peer.name);
    return res;
}

std::string real_path(const char* p) {
    if (p[0] == '\0') return "";
    char* r = realpath(p, nullptr);
    if (r == nullptr) return p;
    std::string s(r);
    std::free(r);
    return s;
}

}  // namespace

int peer_loop_main(const Options& o) {
    calibrate(true);
    const LoopStats s = measure_loops(
        o.quick, [](std::size_t n) { return std::malloc(n); }, [](void* p, std::size_t) { std::free(p); });
    Dl_info info{};
    void* (*volatile resolved)(std::size_t) = &std::malloc;
    const char* lib = dladdr(reinterpret_cast<void*>(resolved), &info) != 0 && info.dli_fname ? info.dli_fname : "?";
    fmt::print("peer-loop");
    for (const auto& [prefix, st] : {std::pair{"pair", s.pair}, std::pair{"batch", s.batch}})
        fmt::print(" {0}_median={1:.4f} {0}_p99={2:.4f} {0}_mean={3:.4f} {0}_min={4:.4f} {0}_max={5:.4f} {0}_samples={6}",
                   prefix, st.median, st.p99, st.mean, st.min, st.max, st.samples);
    fmt::print(" lib={}\n", lib);
    return 0;
}

void bench_peers(const Options& o, Report& r, const char* self_exe) {
    static const std::string glibc_version = gnu_get_libc_version();
    const Peer peers[] = {
        {"glibc", "", glibc_version.c_str(), "libc.so"},
        {"jemalloc", ALLOCSIM_JEMALLOC_SO, ALLOCSIM_JEMALLOC_VERSION, "jemalloc"},
        {"mimalloc", ALLOCSIM_MIMALLOC_SO, ALLOCSIM_MIMALLOC_VERSION, "mimalloc"},
        {"tcmalloc", ALLOCSIM_TCMALLOC_SO, ALLOCSIM_TCMALLOC_VERSION, "tcmalloc"},
    };
    const AllocsimLoops a = measure_allocsim_loops(o, r);

    Json& j = r.json["peers"];
    j["size_bytes"] = static_cast<int>(kLoopSize);
    j["ratio"] = "peer ticks per op / allocsim ticks per op (> 1: allocsim is faster)";
    Json& as = j["allocsim"];
    as["inline_sized_free"]["pair"] = stats_json(a.inline_loop);
    as["inline_sized_free"]["batch32"] = stats_json(a.inline_batch);
    as["call_sized_free"]["pair"] = stats_json(a.call_sized_loop);
    as["call_sized_free"]["batch32"] = stats_json(a.call_sized_batch);
    as["call_unsized_free"]["pair"] = stats_json(a.call_unsized_loop);
    as["call_unsized_free"]["batch32"] = stats_json(a.call_unsized_batch);

    // The peer table (text mode): every allocator, both loops, and each figure's ratio
    // to allocsim's noipa call with sized free and with unsized free.
    std::string table = fmt::format(
        "Peer comparison, 64 B. TSC ticks per op, median / p99; ratios = row median / allocsim noipa-call median,\n"
        "with sized free / with unsized free (> 1: allocsim's call is faster than that row).\n"
        "  {:<44} {:<16} {:<16} {:<16} {:<16}\n",
        "allocator", "pair loop", "ratios", "batch 32", "ratios");
    const auto add_line = [&](const std::string& name, const Stats& pair, const Stats& batch) {
        table += fmt::format("  {:<44} {:<16} {:<16} {:<16} {:<16}\n", name,
                             fmt::format("{:.2f} / {:.2f}", pair.median, pair.p99),
                             fmt::format("{:.2f} / {:.2f}", pair.median / a.call_sized_loop.median,
                                         pair.median / a.call_unsized_loop.median),
                             fmt::format("{:.2f} / {:.2f}", batch.median, batch.p99),
                             fmt::format("{:.2f} / {:.2f}", batch.median / a.call_sized_batch.median,
                                         batch.median / a.call_unsized_batch.median));
    };
    add_line("allocsim hybrid, inlined, sized free", a.inline_loop, a.inline_batch);
    add_line("allocsim hybrid, noipa call, sized free", a.call_sized_loop, a.call_sized_batch);
    add_line("allocsim hybrid, noipa call, unsized free", a.call_unsized_loop, a.call_unsized_batch);

    std::fflush(stdout);
    for (const Peer& p : peers) {
        Json& pj = j[p.name];
        pj["version"] = p.version;
        const bool installed = p.library[0] != '\0' || std::strcmp(p.name, "glibc") == 0;
        PeerResult res;
        if (ALLOCSIM_BENCH_SANITIZED) res.status = "skipped: sanitizer build";
        else if (!installed) res.status = "not installed";
        else if (p.library[0] != '\0' && access(p.library, R_OK) != 0) res.status = "not installed";
        else res = run_child(o, self_exe, p);
        pj["status"] = res.status;
        pj["library"] = real_path(p.library);
        const std::string target = "allocsim faster (peers ~4.7-8.4 cycles/op)";
        const std::string label = fmt::format("7 vs {}{}", p.name, p.version[0] ? fmt::format(" ({})", p.version) : "");
        const std::string line_name = fmt::format("{}{}", p.name, p.version[0] ? fmt::format(" {}", p.version) : "");
        if (res.status != "ok") {
            r.row(label, target, res.status, "n/a");
            table += fmt::format("  {:<44} {}\n", line_name, res.status);
            continue;
        }
        add_line(line_name, res.pair, res.batch);
        pj["resolved_malloc"] = res.resolved;
        pj["pair"] = stats_json(res.pair);
        pj["batch32"] = stats_json(res.batch);
        const double pair_unsized = res.pair.median / a.call_unsized_loop.median;
        const double batch_unsized = res.batch.median / a.call_unsized_batch.median;
        const double pair_sized = res.pair.median / a.call_sized_loop.median;
        const double batch_sized = res.batch.median / a.call_sized_batch.median;
        pj["pair_ratio_vs_allocsim_call_unsized"] = rounded(pair_unsized);
        pj["batch32_ratio_vs_allocsim_call_unsized"] = rounded(batch_unsized);
        pj["pair_ratio_vs_allocsim_call_sized"] = rounded(pair_sized);
        pj["batch32_ratio_vs_allocsim_call_sized"] = rounded(batch_sized);
        pj["pair_ratio_vs_allocsim_inline"] = rounded(res.pair.median / a.inline_loop.median);
        pj["batch32_ratio_vs_allocsim_inline"] = rounded(res.batch.median / a.inline_batch.median);
        const bool sized_faster = pair_sized > 1.0 && batch_sized > 1.0;
        const bool unsized_faster = pair_unsized > 1.0 && batch_unsized > 1.0;
        pj["allocsim_call_sized_faster"] = sized_faster;
        pj["allocsim_call_unsized_faster"] = unsized_faster;
        std::string verdict = sized_faster && unsized_faster ? "meets"
                              : sized_faster                 ? "meets (sized free); misses (unsized)"
                              : unsized_faster               ? "meets (unsized free); misses (sized)"
                                                             : "misses";
        r.row(label, target,
              fmt::format("peer {:.2f} pair / {:.2f} batch32 ticks/op; peer/allocsim call: sized free {:.2f}x / "
                          "{:.2f}x, unsized free {:.2f}x / {:.2f}x",
                          res.pair.median, res.batch.median, pair_sized, batch_sized, pair_unsized, batch_unsized),
              verdict);
    }
    // allocsim's own malloc, preloaded as the peers are: the same core behind
    // liballocsim-malloc.so's free(p) and its checks (the slot, the region, the
    // double-free mark, the statistics switch). Not a peer: its row is information.
    {
        const Peer own{"allocsim-malloc", ALLOCSIM_MALLOC_SO, "this build", "liballocsim-malloc"};
        Json& oj = j["allocsim_malloc_preloaded"];
        PeerResult res;
        if (ALLOCSIM_BENCH_SANITIZED) res.status = "skipped: sanitizer build";
        else if (own.library[0] == '\0' || access(own.library, R_OK) != 0) res.status = "not built";
        else res = run_child(o, self_exe, own);
        oj["status"] = res.status;
        oj["library"] = real_path(own.library);
        if (res.status != "ok") {
            table += fmt::format("  {:<44} {}\n", "liballocsim-malloc.so, preloaded", res.status);
        } else {
            add_line("liballocsim-malloc.so, preloaded", res.pair, res.batch);
            oj["pair"] = stats_json(res.pair);
            oj["batch32"] = stats_json(res.batch);
            r.row("7 allocsim's own malloc (preloaded)", "-",
                  fmt::format("{:.2f} pair / {:.2f} batch32 ticks/op (its core through a noipa call, unsized free: "
                              "{:.2f} / {:.2f})",
                              res.pair.median, res.batch.median, a.call_unsized_loop.median, a.call_unsized_batch.median),
                  "info");
        }
    }
    r.sections.push_back(table);
    r.notes.push_back(
        "7: the peers' malloc/free are PLT calls into the preloaded library; allocsim is compared through "
        "noipa calls of the same shape (size in, CPU read from a thread_local), with sized free "
        "(deallocate(cpu, p, size)) and with unsized free (deallocate(cpu, p), which must look the page "
        "descriptor up, as free(p) must). Ratio = peer / allocsim: > 1 means allocsim is faster. The inlined "
        "figures (no call at all) are not a fair comparison and are shown for reference only. "
        "liballocsim-malloc.so's row is the whole library preloaded as the peers are: the core plus the "
        "library's own checks on every call.");
}

}  // namespace allocsim::bench
