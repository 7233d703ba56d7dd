// The one error type of traces/: what went wrong, and where (file and line, or
// event index). Every importer, the database and the generators throw it; the
// command line prints what() and exits non-zero.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace allocsim::traces {

class TraceError : public std::runtime_error {
public:
    explicit TraceError(const std::string& message) : std::runtime_error(message) {}

    // "FILE:LINE: MESSAGE", the form compilers use, so editors can jump there.
    static TraceError at(const std::string& file, std::uint64_t line, const std::string& message) {
        return TraceError(file + ":" + std::to_string(line) + ": " + message);
    }
};

}  // namespace allocsim::traces
