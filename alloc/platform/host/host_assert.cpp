#include "alloc/platform/host/host_assert.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>

#include "alloc/assert.h"

namespace allocsim {
namespace {

[[noreturn]] void host_assert_failed(const char* expr, const char* file, int line, std::uint64_t lhs,
                                     std::uint64_t rhs, bool has_operands) {
    if (has_operands)
        std::fprintf(stderr, "%s:%d: assertion failed: %s (%" PRIu64 " vs %" PRIu64 ")\n", file, line, expr, lhs, rhs);
    else
        std::fprintf(stderr, "%s:%d: assertion failed: %s\n", file, line, expr);
    std::abort();
}

}  // namespace

void install_host_assert_handler() { set_assert_handler(&host_assert_failed); }

}  // namespace allocsim
