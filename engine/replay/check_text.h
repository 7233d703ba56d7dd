// The words for a failed check(): the broken rule, where, and both sides of it
// named, e.g. "bin holds an object of another size class (at 0x7f..; the bin's
// class size 8, the object's class size 16)". One wording for the replay, the
// measured runs and the benchmarks.
#pragma once

#include <fmt/format.h>

#include <string>

#include "alloc/page_descriptor.h"

namespace allocsim::engine {

inline std::string check_text(const CheckResult& r) {
    return fmt::format("{} (at {:#x}; {} {}, {} {})", r.what != nullptr ? r.what : "?", r.address,
                       r.expected_name != nullptr ? r.expected_name : "expected", r.expected,
                       r.actual_name != nullptr ? r.actual_name : "found", r.actual);
}

}  // namespace allocsim::engine
