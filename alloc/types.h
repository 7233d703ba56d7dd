// Glossary of the allocator core's vocabulary.
//
//   page          4 KiB, the unit the buddy allocator deals in (kPageSize).
//   order         a buddy block of order k spans 2^k pages; orders 0..max_order.
//   block         a naturally aligned run of 2^k pages owned by the buddy allocator.
//   size class    one of the object sizes a slab carves pages into (SizeClassTable).
//   bin           a ThreadCache's intrusive free list for one size class.
//   slab / run    a block of 2^r pages carved into objects of one size class.
//   cpu           a modeled or real CPU; each has one ThreadCache and one CpuSlab per class.
//   remote free   an object freed (drained) by a CPU other than the slab page's owner.
//
// The core is freestanding: this header and everything else in alloc/ (but for
// alloc/platform/host/) uses only freestanding headers, no exceptions, no RTTI,
// no dynamic memory and no libc. Strong types keep orders, classes, CPUs and page
// indices from being mixed up; they are enums, so they cost nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace allocsim {

inline constexpr std::size_t kPageShift = 12;
inline constexpr std::size_t kPageSize = std::size_t{1} << kPageShift;

// Hard limits that size the fixed arrays inside the core. The configured values
// (AllocatorConfig) may be anything up to these.
inline constexpr std::uint32_t kMaxCpus = 64;
inline constexpr std::uint32_t kMaxSizeClasses = 64;
inline constexpr std::uint32_t kMaxOrderLimit = 20;       // 2^20 pages = 4 GiB blocks
inline constexpr std::size_t kMaxSmallSize = 32 * 1024;    // largest size class allowed
inline constexpr std::size_t kMinAlignment = 8;            // every class is a multiple of 8

enum class CpuId : std::uint16_t {};
enum class SizeClass : std::uint8_t {};
enum class Order : std::uint8_t {};
enum class PageIndex : std::uint32_t {};

inline constexpr PageIndex kNoPage = PageIndex{0xFFFFFFFFu};

constexpr std::uint32_t index_of(CpuId c) { return static_cast<std::uint32_t>(c); }
constexpr std::uint32_t index_of(SizeClass c) { return static_cast<std::uint32_t>(c); }
constexpr std::uint32_t index_of(Order o) { return static_cast<std::uint32_t>(o); }
constexpr std::uint32_t index_of(PageIndex p) { return static_cast<std::uint32_t>(p); }

constexpr std::size_t order_bytes(Order o) { return kPageSize << index_of(o); }
constexpr std::size_t order_pages(Order o) { return std::size_t{1} << index_of(o); }

// ceil(a / b) for any a: a + b - 1 would wrap for sizes near SIZE_MAX.
constexpr std::size_t divide_up(std::size_t a, std::size_t b) { return a / b + (a % b != 0); }

// Smallest order whose block holds `bytes` (at most 52, for 2^64 - 1). REQUIRES: bytes > 0.
constexpr Order order_for_bytes(std::size_t bytes) {
    const std::size_t pages = divide_up(bytes, kPageSize);
    std::uint32_t order = 0;
    while ((std::size_t{1} << order) < pages) ++order;
    return Order{static_cast<std::uint8_t>(order)};
}

constexpr std::uintptr_t align_down(std::uintptr_t v, std::uintptr_t a) { return v & ~(a - 1); }
constexpr std::uintptr_t align_up(std::uintptr_t v, std::uintptr_t a) { return (v + a - 1) & ~(a - 1); }
constexpr bool is_power_of_two(std::size_t v) { return v != 0 && (v & (v - 1)) == 0; }

#define ALLOCSIM_LIKELY(x) __builtin_expect(!!(x), 1)
#define ALLOCSIM_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ALLOCSIM_ALWAYS_INLINE inline __attribute__((always_inline))
#define ALLOCSIM_NOINLINE __attribute__((noinline))

}  // namespace allocsim
