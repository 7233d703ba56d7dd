// A benchmark's numeric option, read and refused as the allocsim command reads its
// own (traces/whole_number.h): "allocsim-seek-bench: --seeks: 'x' is not a whole
// number in 1..1000000", then exit 2. For the benchmarks that link traces/.
#pragma once

#include <fmt/format.h>

#include <cstdint>
#include <cstdlib>
#include <optional>

#include "traces/whole_number.h"

namespace allocsim::bench {

inline std::uint64_t number_option(const char* program, const char* option, const char* text,
                                   const traces::WholeNumber& accepted) {
    const std::optional<std::uint64_t> n = accepted.parse(text);
    if (!n) {
        fmt::print(stderr, "{}: {}\n", program, accepted.refusal(option, text));
        std::exit(2);
    }
    return *n;
}

}  // namespace allocsim::bench
