// A temporary folder, removed with everything in it on scope exit (the capture's
// plan and output files, the KVM probe's).
#pragma once

#include <fmt/format.h>
#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

class TempDir {
public:
    explicit TempDir(const char* prefix = "allocsim-capture") {
        std::string pattern = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
        if (mkdtemp(pattern.data()) == nullptr)
            throw ReplayError(fmt::format("cannot create a temporary folder: {}", std::strerror(errno)));
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string file(const char* name) const { return (std::filesystem::path(path_) / name).string(); }

private:
    std::string path_;
};

}  // namespace allocsim::engine
