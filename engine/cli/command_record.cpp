// allocsim record -- PROGRAM [ARGS...]: runs PROGRAM with the LD_PRELOAD interposer
// (traces/recorder/preload.cpp), then imports its log as a trace in one transaction.
//
// The run: the log goes to a private temporary folder; while PROGRAM runs, allocsim
// ignores SIGINT and SIGQUIT as system(3) does (the terminal sends them to PROGRAM
// too, and allocsim must survive to import what was recorded). The import: the log
// is opened and the folder removed before the transaction begins, so a Ctrl-C or a
// kill during the import leaves neither a file behind nor half a trace.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <optional>

#include "engine/cli/commands.h"
#include "engine/cli/progress_sink.h"
#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/record_format.h"
#include "traces/trace_writer.h"

extern char** environ;

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim record [--name NAME] [--cpus N] [--db FILE] [--replace] [--json] -- PROGRAM [ARGS...]\n\n"
    "Runs PROGRAM with an LD_PRELOAD interposer that logs its malloc, calloc, realloc,\n"
    "reallocarray, free, posix_memalign, aligned_alloc, memalign, valloc and pvalloc\n"
    "calls, then imports the log into the database (default allocsim.db) as a trace of\n"
    "format 'record', in one transaction. Each thread of PROGRAM is a CPU, numbered in\n"
    "order of first appearance.\n\n"
    "  --name NAME  the trace's name (default: PROGRAM's file name)\n"
    "  --cpus N     fold the threads onto N CPUs: thread i runs on CPU i mod N (1..65536)\n"
    "  --replace    replace a trace of the same name\n"
    "  --json       print the summary as one JSON object, with program_exit_code and threads\n\n"
    "Only PROGRAM's own process is recorded (or what it becomes if it execs without\n"
    "forking), not the processes it starts. Static and setuid programs ignore LD_PRELOAD\n"
    "and cannot be recorded. PROGRAM shares allocsim's standard input, output and error.\n\n"
    "If PROGRAM exits with a non-zero code or is killed by a signal (Ctrl-C), what it did\n"
    "until then is imported anyway, with a warning, and allocsim exits 0; if nothing was\n"
    "recorded, it exits 1 and stores nothing. program_exit_code is 128+N for signal N.\n"
    "A program killed by a signal loses the records of its last 0.1 s (up to 64 Ki calls):\n"
    "python3, for one, dies of a Ctrl-C by SIGINT rather than by exit.\n"
    "A Ctrl-C during the import stops it and stores nothing.\n\n"
    "The log is kept in a temporary folder ($TMPDIR, else /tmp) while PROGRAM runs: 48\n"
    "bytes per call. The interposer is liballocsim_preload.so next to the allocsim\n"
    "executable (or in ../lib), or the file that ALLOCSIM_PRELOAD names.\n";

constexpr const char* kPreloadName = "liballocsim_preload.so";

// The interposer: ALLOCSIM_PRELOAD, else next to this executable, else in ../lib.
std::filesystem::path find_preload() {
    namespace fs = std::filesystem;
    std::error_code ec;
    if (const char* env = std::getenv("ALLOCSIM_PRELOAD"); env != nullptr && *env != '\0') {
        if (!fs::is_regular_file(env, ec)) throw traces::TraceError(fmt::format("ALLOCSIM_PRELOAD: no file {}", env));
        return fs::absolute(env);
    }
    const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
    if (ec) throw traces::TraceError("cannot find the allocsim executable (/proc/self/exe): " + ec.message());
    for (const fs::path& candidate : {exe.parent_path() / kPreloadName, exe.parent_path() / ".." / "lib" / kPreloadName})
        if (fs::is_regular_file(candidate, ec)) return candidate.lexically_normal();
    throw traces::TraceError(fmt::format("cannot find {} next to {} (set ALLOCSIM_PRELOAD to its path)", kPreloadName,
                                         exe.string()));
}

// A private folder under the system's temp folder, removed with its contents.
class TempFolder {
public:
    TempFolder() {
        std::string pattern = (std::filesystem::temp_directory_path() / "allocsim-record-XXXXXX").string();
        if (mkdtemp(pattern.data()) == nullptr)
            throw traces::TraceError(fmt::format("cannot create a folder like {}: {}", pattern, std::strerror(errno)));
        path_ = pattern;
    }
    ~TempFolder() { remove(); }
    TempFolder(const TempFolder&) = delete;
    TempFolder& operator=(const TempFolder&) = delete;

    const std::filesystem::path& path() const { return path_; }
    void remove() {
        std::error_code ec;
        if (!path_.empty()) std::filesystem::remove_all(path_, ec);
        path_.clear();
    }

private:
    std::filesystem::path path_;
};

// The command line as a shell would read it back: words quoted where needed.
std::string command_line(const std::vector<std::string>& words) {
    std::string out;
    for (const std::string& w : words) {
        if (!out.empty()) out += ' ';
        const bool plain = !w.empty() && w.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                             "0123456789-_./=:,+@%") == std::string::npos;
        if (plain) {
            out += w;
            continue;
        }
        out += '\'';
        for (char c : w) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
        out += '\'';
    }
    return out;
}

// How PROGRAM ended: its exit code, or 128 + the signal that killed it.
struct Outcome {
    int exit_code = 0;
    std::string description;  // for the warning: "exited with code 3", "was killed by signal 2 (Interrupt)"
};

// The environment of PROGRAM: allocsim's, with the interposer prepended to
// LD_PRELOAD and the recorder's variables set. ALLOCSIM_RECORD_PID's value is left
// as blanks for the child to fill in with its own pid.
std::vector<std::string> child_environment(const std::filesystem::path& preload, const std::filesystem::path& log) {
    std::vector<std::string> env;
    std::string ld_preload = "LD_PRELOAD=" + preload.string();
    for (char** e = environ; *e != nullptr; ++e) {
        const std::string_view entry(*e);
        if (entry.starts_with("LD_PRELOAD=")) {
            if (entry.size() > 11) {
                ld_preload += ':';
                ld_preload += entry.substr(11);
            }
        } else if (!entry.starts_with("ALLOCSIM_RECORD_FILE=") && !entry.starts_with("ALLOCSIM_RECORD_PID=")) {
            env.emplace_back(entry);
        }
    }
    env.push_back(ld_preload);
    env.push_back("ALLOCSIM_RECORD_FILE=" + log.string());
    env.push_back("ALLOCSIM_RECORD_PID=" + std::string(20, ' '));
    return env;
}

// Runs PROGRAM and waits for it. Returns nothing if it could not be started: `why`
// says why. Between fork and exec the child only calls async-signal-safe functions.
std::optional<Outcome> run(const std::vector<std::string>& command, std::vector<std::string> env, std::string& why) {
    std::vector<char*> argv;
    for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env) envp.push_back(e.data());
    envp.push_back(nullptr);
    char* pid_value = env.back().data() + std::strlen("ALLOCSIM_RECORD_PID=");

    // The child reports a failed exec through this pipe; a successful exec closes it.
    int report[2];
    if (pipe2(report, O_CLOEXEC) != 0) throw traces::TraceError(fmt::format("pipe: {}", std::strerror(errno)));
    // Blocked across fork, then ignored in allocsim only: a Ctrl-C in between is
    // discarded rather than killing allocsim before it ignores the signal.
    sigset_t terminal_signals, old_mask;
    sigemptyset(&terminal_signals);
    sigaddset(&terminal_signals, SIGINT);
    sigaddset(&terminal_signals, SIGQUIT);
    sigprocmask(SIG_BLOCK, &terminal_signals, &old_mask);

    const pid_t child = fork();
    if (child == 0) {
        sigprocmask(SIG_SETMASK, &old_mask, nullptr);
        char digits[20];
        int n = 0;
        for (pid_t p = getpid(); p > 0; p /= 10) digits[n++] = static_cast<char>('0' + p % 10);
        for (int i = 0; i < n; ++i) pid_value[i] = digits[n - 1 - i];
        pid_value[n] = '\0';
        execvpe(argv[0], argv.data(), envp.data());
        const int error = errno;
        ssize_t ignored = write(report[1], &error, sizeof error);
        (void)ignored;
        _exit(127);
    }
    const int fork_error = errno;
    struct sigaction ignore {}, old_int {}, old_quit {};
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    sigaction(SIGINT, &ignore, &old_int);
    sigaction(SIGQUIT, &ignore, &old_quit);
    sigprocmask(SIG_SETMASK, &old_mask, nullptr);
    close(report[1]);

    std::optional<Outcome> outcome;
    if (child < 0) {
        why = std::strerror(fork_error);
    } else {
        int exec_error = 0;
        ssize_t got;
        do got = read(report[0], &exec_error, sizeof exec_error);
        while (got < 0 && errno == EINTR);
        int status = 0;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
        if (got == static_cast<ssize_t>(sizeof exec_error)) {
            why = std::strerror(exec_error);
        } else if (WIFSIGNALED(status)) {
            const int sig = WTERMSIG(status);
            outcome = Outcome{128 + sig, fmt::format("was killed by signal {} ({})", sig, strsignal(sig))};
        } else {
            const int code = WEXITSTATUS(status);
            outcome = Outcome{code, fmt::format("exited with code {}", code)};
        }
    }
    close(report[0]);
    sigaction(SIGINT, &old_int, nullptr);
    sigaction(SIGQUIT, &old_quit, nullptr);
    return outcome;
}

}  // namespace

int command_record(int argc, char** argv) {
    const Arguments args(argc, argv, {"db", "name", "cpus"}, {"json", "replace", "help"});
    if (args.flag("help")) {
        fmt::print("{}", kHelp);
        return 0;
    }
    const std::vector<std::string>& command = args.after_dashes();
    if (command.empty() || !args.positionals().empty())
        throw UsageError("record takes the program to run after --: allocsim record [options] -- PROGRAM [ARGS...]");
    const auto fold = static_cast<std::uint32_t>(args.number_or("cpus", 0, 1, 65536));
    const std::string name = args.value_or("name", std::filesystem::path(command[0]).filename().string());
    const auto if_exists = args.flag("replace") ? traces::IfExists::Replace : traces::IfExists::Fail;
    const std::filesystem::path preload = find_preload();
    if (preload.string().find_first_of(" :") != std::string::npos)
        throw traces::TraceError(fmt::format("{}: LD_PRELOAD cannot hold a path with a space or a colon", preload.string()));

    // Everything that can be checked is checked before PROGRAM runs, which may take long.
    traces::validate_trace_name(name);
    traces::Database db(args.value_or("db", kDefaultDb));
    if (if_exists == traces::IfExists::Fail && db.find_trace(name))
        throw traces::TraceError(
            fmt::format("{}: a trace named '{}' exists already (use --replace, or another --name)", db.path(), name));

    TempFolder folder;
    const std::filesystem::path log_path = folder.path() / "program.rec";
    std::string why;
    const std::optional<Outcome> outcome = run(command, child_environment(preload, log_path), why);
    if (!outcome) throw traces::TraceError(fmt::format("cannot run '{}': {}", command[0], why));

    std::ifstream log(log_path, std::ios::binary);
    std::error_code ec;
    const std::uint64_t log_bytes = log ? std::filesystem::file_size(log_path, ec) : 0;
    folder.remove();  // the open stream still reads the log
    const bool recorded = log_bytes >= sizeof(record::FileHeader) + sizeof(record::Record);
    if (!log)
        throw traces::TraceError(fmt::format("'{}' {} and recorded nothing: a static or setuid program ignores "
                                             "LD_PRELOAD; nothing stored",
                                             command[0], outcome->description));
    if (outcome->exit_code != 0 && !recorded)
        throw traces::TraceError(fmt::format("'{}' {} and recorded nothing; nothing stored", command[0],
                                             outcome->description));
    if (outcome->exit_code != 0)
        fmt::print(stderr, "allocsim record: warning: '{}' {}; the trace holds what it did until then\n", command[0],
                   outcome->description);

    traces::TraceWriter writer(db, name, "record", command_line(command), if_exists);
    Progress progress("importing " + name, log_bytes, "B");
    ProgressSink sink(writer, progress, [&] {
        const std::streamoff at = log.tellg();  // -1 once the end was reached
        return at < 0 ? log_bytes : static_cast<std::uint64_t>(at);
    });
    traces::EventEmitter emitter(sink);
    const std::uint32_t threads = traces::import_record(log, fmt::format("the log of '{}'", command[0]), emitter,
                                                        traces::RecordImportOptions{fold, false});
    progress.finish();
    const traces::ImportSummary& summary = emitter.summary();
    const traces::TraceInfo info = writer.commit(summary);
    if (args.flag("json")) {
        fmt::print("{}\n", stored_trace_json(info, db,
                                             fmt::format(",\"program_exit_code\":{},\"threads\":{}", outcome->exit_code,
                                                         threads)));
    } else {
        fmt::print("recorded '{}' into {}: {} events from {} thread(s) on {} CPU(s) ({} allocs, {} frees, {} reallocs, "
                   "{} failed reallocs); skipped {} unmatched\n",
                   info.name, db.path(), summary.events, threads, summary.cpus, summary.allocs, summary.frees,
                   summary.reallocs, summary.failed_reallocs, summary.skipped_unmatched);
    }
    return 0;
}

}  // namespace allocsim::cli
