#include "alloc/assert.h"

namespace allocsim {
namespace {

// The default handler cannot print (no libc here); it stops at once. Hosts and the
// kernel install a handler that reports first.
[[noreturn]] void trap() { __builtin_trap(); }

void default_handler(const char*, const char*, int, std::uint64_t, std::uint64_t, bool) { trap(); }

AssertHandler g_handler = &default_handler;

}  // namespace

void set_assert_handler(AssertHandler handler) { g_handler = handler ? handler : &default_handler; }

void assert_failed(const char* expr, const char* file, int line, std::uint64_t lhs,
                   std::uint64_t rhs, bool has_operands) {
    g_handler(expr, file, line, lhs, rhs, has_operands);
    trap();  // a handler must not return; if it does, stop anyway
}

}  // namespace allocsim
