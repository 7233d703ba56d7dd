#include "engine/measure/qemu_process.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

namespace {

constexpr int kNotStarted = 127;  // the child's status when execvp fails

// QEMU's first line on stderr, without its program-name prefix; warnings (a CPU
// feature the host lacks) are not the error, unless there is nothing else.
std::string first_error_line(const std::string& path) {
    std::ifstream in(path);
    std::string line, warning;
    while (std::getline(in, line)) {
        if (const auto at = line.find(": "); at != std::string::npos && line.compare(0, 4, "qemu") == 0)
            line = line.substr(at + 2);
        if (line.rfind("error: ", 0) == 0) line = line.substr(7);
        if (line.empty()) continue;
        if (line.rfind("warning:", 0) == 0) {
            if (warning.empty()) warning = line;
            continue;
        }
        return line;
    }
    return warning;
}

}  // namespace

QemuExit run_qemu(std::vector<std::string> args, const std::string& stderr_file, double timeout_seconds,
                  const std::function<void()>& on_tick) {
    QemuExit out;
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid < 0) throw ReplayError(fmt::format("cannot start QEMU: {}", std::strerror(errno)));
    if (pid == 0) {
        const int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        const int err = open(stderr_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
        if (err >= 0) dup2(err, 2);
        std::vector<char*> argv;
        for (std::string& a : args) argv.push_back(a.data());
        argv.push_back(nullptr);
        execvp(argv[0], argv.data());
        std::fprintf(stderr, "cannot run %s: %s\n", argv[0], std::strerror(errno));
        _exit(kNotStarted);
    }
    int status = 0;
    for (;;) {
        const pid_t done = waitpid(pid, &status, WNOHANG);
        if (done == pid) break;
        if (done < 0 && errno != EINTR) throw ReplayError(fmt::format("waiting for QEMU: {}", std::strerror(errno)));
        if (std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() > timeout_seconds) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            out.timed_out = true;
            break;
        }
        if (on_tick) on_tick();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    out.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    out.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    out.error = first_error_line(stderr_file);
    out.not_started = !out.timed_out && out.status == kNotStarted && out.error.rfind("cannot run ", 0) == 0;
    return out;
}

std::string read_whole_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

}  // namespace allocsim::engine
