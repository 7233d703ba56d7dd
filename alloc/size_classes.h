// SizeClassTable: the explicit, configurable list of object sizes, and an O(1)
// size -> class lookup.
//
// Lookup is one byte load from a table indexed by ceil(size / 8); no search on the
// fast path (the seed used a binary search). The table covers sizes up to the
// largest class (at most kMaxSmallSize = 32 KiB, so at most 4097 bytes of table).
//
// The default table has 8 and 16 B, then two classes per doubling up to 16 KiB:
// every power of two and the point halfway to the next (32, 48, 64, 96, 128, 192,
// ...), as Linux's kmalloc caches have 96 and 192 between their powers of two. A
// request above 64 B wastes under a third of its object (8193 B in the 12 KiB
// class) and 15% on average. Fewer classes than jemalloc's four per doubling, because in a
// per-CPU design every class in use costs a partly used run and a bin on every CPU
// that uses it: on the 21 workloads of docs/BENCHMARKS.md ("Memory"), this table
// holds less than the four-per-doubling one on 17, with the same hit rates
// (utilization / linked list, geometric mean 1.12 against 1.03).
//
// Invariants, established by init() and never changed after:
//   sizes ascending, each a multiple of 8;  lut[i] = smallest class with size >= 8*i;
//   a run of class c is run_pages(c) <= 16 pages holding objects_per_run(c) >= 1
//   objects, its head aligned to 2^run_order(c) pages, the power of two at or above
//   run_pages(c) (an exact page run of the buddy); objects of class c are aligned to
//   min(lowest set bit of size(c), 2^run_order(c) pages).
#pragma once

#include <cstdint>

#include "alloc/config.h"
#include "alloc/types.h"

namespace allocsim {

inline constexpr std::uint32_t kDefaultSizeClasses[] = {
    8,    16,                                                  // the smallest, 8-byte aligned
    32,   48,    64,   96,   128,  192,  256,  384,  512,  768,   // 2^k and 1.5 x 2^k
    1024, 1536,  2048, 3072, 4096, 6144, 8192, 12288, 16384,
};
inline constexpr std::uint32_t kDefaultSizeClassCount =
    sizeof(kDefaultSizeClasses) / sizeof(kDefaultSizeClasses[0]);

// Largest slab run, as an order: 16 pages. Runs of powers of two need it for the 12
// KiB class to waste less than 1/8 (5 objects in 64 KiB); a run stays small next to
// a 1 MiB buddy block.
inline constexpr std::uint32_t kMaxRunOrder = 4;

class SizeClassTable {
public:
    // REQUIRES: sizes ascending multiples of 8 in [8, kMaxSmallSize], 1..kMaxSizeClasses
    // of them (null = the default table). max_order bounds the run order; a run is the
    // smallest that wastes at most tail_permille / 1000 of itself, of any page count
    // with exact_runs, else of a power of two.
    InitError init(const std::uint32_t* sizes, std::uint32_t count, std::uint32_t max_order,
                   std::uint32_t tail_permille = 125, bool exact_runs = true);

    // REQUIRES: size <= max_size().
    ALLOCSIM_ALWAYS_INLINE SizeClass class_for(std::size_t size) const {
        return SizeClass{lut_[(size + kMinAlignment - 1) / kMinAlignment]};
    }

    // The smallest class that holds `size` bytes aligned to `align`; false if none.
    bool class_for_aligned(std::size_t size, std::size_t align, SizeClass& out) const;

    std::size_t max_size() const { return max_size_; }
    std::uint32_t count() const { return count_; }
    std::uint32_t size(SizeClass c) const { return sizes_[index_of(c)]; }
    std::uint32_t run_pages(SizeClass c) const { return run_pages_[index_of(c)]; }
    std::size_t run_bytes(SizeClass c) const { return std::size_t{kPageSize} * run_pages_[index_of(c)]; }
    // The order of the block a run is cut from: the power of two at or above its pages.
    Order run_order(SizeClass c) const {
        std::uint32_t k = 0;
        while ((1u << k) < run_pages_[index_of(c)]) ++k;
        return Order{static_cast<std::uint8_t>(k)};
    }
    std::uint32_t objects_per_run(SizeClass c) const { return objects_[index_of(c)]; }
    std::size_t alignment(SizeClass c) const;

    // Whether an object of class c starts `offset` bytes into its run: a multiple of
    // size(c), below objects_per_run(c) * size(c). This is free's validity check, so
    // it is one multiply and two compares: offset is a multiple of size iff
    // offset * m mod 2^64 < m, with m = ceil(2^64 / size), exact for every 32-bit
    // offset (Lemire, Kaser and Kurz, "Faster remainder by direct computation", 2019;
    // tests/alloc/test_size_classes.cpp checks every offset of every run).
    ALLOCSIM_ALWAYS_INLINE bool is_object_start(SizeClass c, std::uint32_t offset) const {
        const std::uint64_t m = multiple_test_[index_of(c)];
        return std::uint64_t{offset} * m < m && offset < objects_bytes_[index_of(c)];
    }

private:
    std::uint8_t lut_[kMaxSmallSize / kMinAlignment + 1] = {};
    std::uint32_t sizes_[kMaxSizeClasses] = {};
    std::uint32_t objects_[kMaxSizeClasses] = {};
    std::uint64_t multiple_test_[kMaxSizeClasses] = {};  // ceil(2^64 / size)
    std::uint32_t objects_bytes_[kMaxSizeClasses] = {};  // objects_ * sizes_
    std::uint8_t run_pages_[kMaxSizeClasses] = {};
    std::uint32_t count_ = 0;
    std::size_t max_size_ = 0;
};

}  // namespace allocsim
