// Assertions with one pluggable failure handler, shared by host and kernel.
//
// Three levels, after mimalloc's mi_assert / mi_assert_internal / mi_assert_expensive:
//   ALLOCSIM_ASSERT            API misuse and cheap sanity checks   (ALLOCSIM_DEBUG >= 1)
//   ALLOCSIM_ASSERT_INTERNAL   internal invariants on every path    (ALLOCSIM_DEBUG >= 2)
//   ALLOCSIM_ASSERT_EXPENSIVE  whole-structure walks such as check() (ALLOCSIM_DEBUG >= 3)
// Release builds define ALLOCSIM_DEBUG=0 and every level compiles to nothing.
//
// The failure handler is a plain function pointer: the host prints and aborts, the
// kernel prints on its console and exits QEMU. The core itself never prints.
#pragma once

#include <cstdint>

#ifndef ALLOCSIM_DEBUG
#define ALLOCSIM_DEBUG 0
#endif

namespace allocsim {

// Called with the failed expression, its location and, for the _OP forms, both operands.
using AssertHandler = void (*)(const char* expr, const char* file, int line,
                               std::uint64_t lhs, std::uint64_t rhs, bool has_operands);

void set_assert_handler(AssertHandler handler);
[[noreturn]] void assert_failed(const char* expr, const char* file, int line,
                                std::uint64_t lhs, std::uint64_t rhs, bool has_operands);

}  // namespace allocsim

#define ALLOCSIM_CHECK_IMPL(cond)                                                          \
    do {                                                                                   \
        if (__builtin_expect(!(cond), 0))                                                  \
            ::allocsim::assert_failed(#cond, __FILE__, __LINE__, 0, 0, false);             \
    } while (0)

// Like tcmalloc's TC_ASSERT_GE: prints both operands when it fails.
#define ALLOCSIM_CHECK_OP_IMPL(a, op, b)                                                   \
    do {                                                                                   \
        auto allocsim_lhs_ = (a);                                                          \
        auto allocsim_rhs_ = (b);                                                          \
        if (__builtin_expect(!(allocsim_lhs_ op allocsim_rhs_), 0))                        \
            ::allocsim::assert_failed(#a " " #op " " #b, __FILE__, __LINE__,               \
                                      static_cast<std::uint64_t>(allocsim_lhs_),           \
                                      static_cast<std::uint64_t>(allocsim_rhs_), true);    \
    } while (0)

#define ALLOCSIM_NOOP(...) do { } while (0)

#if ALLOCSIM_DEBUG >= 1
#define ALLOCSIM_ASSERT(cond) ALLOCSIM_CHECK_IMPL(cond)
#define ALLOCSIM_ASSERT_OP(a, op, b) ALLOCSIM_CHECK_OP_IMPL(a, op, b)
#else
#define ALLOCSIM_ASSERT(cond) ALLOCSIM_NOOP()
#define ALLOCSIM_ASSERT_OP(a, op, b) ALLOCSIM_NOOP()
#endif

#if ALLOCSIM_DEBUG >= 2
#define ALLOCSIM_ASSERT_INTERNAL(cond) ALLOCSIM_CHECK_IMPL(cond)
#define ALLOCSIM_ASSERT_INTERNAL_OP(a, op, b) ALLOCSIM_CHECK_OP_IMPL(a, op, b)
#else
#define ALLOCSIM_ASSERT_INTERNAL(cond) ALLOCSIM_NOOP()
#define ALLOCSIM_ASSERT_INTERNAL_OP(a, op, b) ALLOCSIM_NOOP()
#endif

#if ALLOCSIM_DEBUG >= 3
#define ALLOCSIM_ASSERT_EXPENSIVE(cond) ALLOCSIM_CHECK_IMPL(cond)
#else
#define ALLOCSIM_ASSERT_EXPENSIVE(cond) ALLOCSIM_NOOP()
#endif
