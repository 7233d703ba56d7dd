#include "engine/cli/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>

namespace allocsim::cli {

Progress::Progress(std::string label, std::uint64_t total, std::string unit)
    : label_(std::move(label)),
      total_(total),
      unit_(std::move(unit)),
      enabled_(isatty(STDERR_FILENO) == 1),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

Progress::~Progress() { finish(); }

void Progress::update(std::uint64_t done) {
    // Callers report every few thousand items, so reading the clock here is cheap.
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    draw(done);
}

void Progress::finish() {
    if (!enabled_ || finished_) return;
    finished_ = true;
    std::fputs("\r\033[K", stderr);
    std::fflush(stderr);
}

void Progress::draw(std::uint64_t done) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const double rate = seconds > 0 ? static_cast<double>(done) / seconds : 0;
    std::string line;
    if (total_ > 0) {
        const double fraction = std::min(1.0, static_cast<double>(done) / static_cast<double>(total_));
        const int width = 30;
        const int filled = static_cast<int>(fraction * width);
        const double eta = rate > 0 ? static_cast<double>(total_ - std::min(done, total_)) / rate : 0;
        line = fmt::format("\r{} [{}{}] {:5.1f}%  {:.1f} M{}/s  ETA {:.0f} s", label_,
                           std::string(static_cast<std::size_t>(filled), '#'),
                           std::string(static_cast<std::size_t>(width - filled), '.'), fraction * 100, rate / 1e6, unit_,
                           eta);
    } else {
        line = fmt::format("\r{} {} {}  {:.1f} M{}/s", label_, done, unit_, rate / 1e6, unit_);
    }
    line += "\033[K";
    std::fputs(line.c_str(), stderr);
    std::fflush(stderr);
}

}  // namespace allocsim::cli
