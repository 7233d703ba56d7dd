// A progress line on stderr for long jobs, only when stderr is a terminal: quiet
// in scripts, pipes and CI. Redrawn at most ten times a second.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace allocsim::cli {

class Progress {
public:
    // total == 0: unknown, shows a count and a rate only.
    Progress(std::string label, std::uint64_t total, std::string unit);
    ~Progress();

    void update(std::uint64_t done);  // cheap when nothing is drawn
    void finish();

private:
    void draw(std::uint64_t done);

    std::string label_;
    std::uint64_t total_;
    std::string unit_;
    bool enabled_;
    bool finished_ = false;
    std::chrono::steady_clock::time_point start_;
    std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace allocsim::cli
