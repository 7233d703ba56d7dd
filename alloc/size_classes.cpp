#include "alloc/size_classes.h"

namespace allocsim {

const char* init_error_name(InitError e) {
    switch (e) {
        case InitError::None: return "none";
        case InitError::BadCpuCount: return "cpus must be 1..64";
        case InitError::BadCacheCapacity: return "cache capacity must be 1..65535";
        case InitError::BadBatch: return "the refill batch must be 1..cache capacity, the drain batch at least 1";
        case InitError::BadMaxOrder: return "buddy max order must be 0..20";
        case InitError::BadSizeClasses:
            return "size classes must be 1..64 ascending multiples of 8 up to 32768";
        case InitError::RegionTooSmall: return "region too small for metadata and one block";
    }
    return "unknown";
}

namespace {

// Pick the smallest run (in pages) that wastes at most tail_permille / 1000 of
// itself; failing that, the run with the least waste. Waste is the tail no object
// fits in. A smaller run holds fewer free objects when its class is lightly used.
// With exact runs any page count up to the largest run is a candidate (a run is an
// exact page run of the buddy, slab_exact_runs): the 12 KiB class takes 3 pages for
// one object instead of 16 for five; else only powers of two, as the first core.
std::uint8_t choose_run_pages(std::uint32_t size, std::uint32_t max_order, std::uint32_t tail_permille, bool exact) {
    const std::uint32_t limit = 1u << (max_order < kMaxRunOrder ? max_order : kMaxRunOrder);
    std::uint32_t best = limit;
    std::uint64_t best_waste_per_mille = ~std::uint64_t{0};
    for (std::uint32_t n = 1; n <= limit; n = exact ? n + 1 : 2 * n) {
        const std::uint64_t run = std::uint64_t{kPageSize} * n;
        if (run < size) continue;
        const std::uint64_t waste = run % size;
        if (waste * 1000 <= run * tail_permille) return static_cast<std::uint8_t>(n);
        const std::uint64_t per_mille = waste * 1000 / run;
        if (per_mille < best_waste_per_mille) {
            best_waste_per_mille = per_mille;
            best = n;
        }
    }
    return static_cast<std::uint8_t>(best);
}

}  // namespace

InitError SizeClassTable::init(const std::uint32_t* sizes, std::uint32_t count,
                               std::uint32_t max_order, std::uint32_t tail_permille, bool exact_runs) {
    if (sizes == nullptr) {
        sizes = kDefaultSizeClasses;
        count = kDefaultSizeClassCount;
    }
    if (count == 0 || count > kMaxSizeClasses) return InitError::BadSizeClasses;
    for (std::uint32_t i = 0; i < count; ++i) {
        const std::uint32_t s = sizes[i];
        if (s == 0 || s % kMinAlignment != 0 || s > kMaxSmallSize) return InitError::BadSizeClasses;
        if (i > 0 && s <= sizes[i - 1]) return InitError::BadSizeClasses;
        // The class must fit in the largest run the buddy can give.
        if (s > (kPageSize << (max_order < kMaxRunOrder ? max_order : kMaxRunOrder)))
            return InitError::BadSizeClasses;
    }
    count_ = count;
    for (std::uint32_t i = 0; i < count; ++i) {
        sizes_[i] = sizes[i];
        run_pages_[i] = choose_run_pages(sizes[i], max_order, tail_permille, exact_runs);
        objects_[i] = static_cast<std::uint32_t>((kPageSize * run_pages_[i]) / sizes[i]);
        objects_bytes_[i] = objects_[i] * sizes[i];
        multiple_test_[i] = ~std::uint64_t{0} / sizes[i] + 1;
    }
    max_size_ = sizes[count - 1];
    std::uint32_t c = 0;
    for (std::size_t granule = 0; granule <= max_size_ / kMinAlignment; ++granule) {
        while (sizes_[c] < granule * kMinAlignment) ++c;
        lut_[granule] = static_cast<std::uint8_t>(c);
    }
    return InitError::None;
}

std::size_t SizeClassTable::alignment(SizeClass c) const {
    const std::size_t s = sizes_[index_of(c)];
    const std::size_t lowest_bit = s & (~s + 1);
    // A run's head is aligned to its span, the power of two at or above its pages.
    const std::size_t run = kPageSize << index_of(run_order(c));
    return lowest_bit < run ? lowest_bit : run;
}

bool SizeClassTable::class_for_aligned(std::size_t size, std::size_t align, SizeClass& out) const {
    if (size > max_size_) return false;
    for (std::uint32_t c = index_of(class_for(size)); c < count_; ++c) {
        if (alignment(SizeClass{static_cast<std::uint8_t>(c)}) >= align) {
            out = SizeClass{static_cast<std::uint8_t>(c)};
            return true;
        }
    }
    return false;
}

}  // namespace allocsim
