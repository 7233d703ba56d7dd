// The size-class table: O(1) lookup that always agrees with a search, bounded
// internal waste, and validation of user tables. (Seed test 1: bin index.)
#include <algorithm>

#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {
SizeClassTable default_table() {
    SizeClassTable t;
    REQUIRE(t.init(nullptr, 0, 8) == InitError::None);
    return t;
}
}  // namespace

TEST_CASE("bin index: the O(1) lookup is the smallest class that fits, for every size") {
    const SizeClassTable t = default_table();
    REQUIRE(t.count() == kDefaultSizeClassCount);
    REQUIRE(t.max_size() == 16384);
    for (std::size_t size = 0; size <= t.max_size(); ++size) {
        const std::uint32_t* found = std::lower_bound(kDefaultSizeClasses, kDefaultSizeClasses + kDefaultSizeClassCount,
                                                      static_cast<std::uint32_t>(size));
        REQUIRE(found != kDefaultSizeClasses + kDefaultSizeClassCount);
        const auto expected = static_cast<std::uint32_t>(found - kDefaultSizeClasses);
        if (index_of(t.class_for(size)) != expected) {
            INFO("size " << size);
            REQUIRE(index_of(t.class_for(size)) == expected);
        }
    }
    CHECK(t.size(t.class_for(64)) == 64);
    CHECK(t.size(t.class_for(65)) == 96);
    CHECK(t.size(t.class_for(129)) == 192);
    CHECK(t.size(t.class_for(1)) == 8);
    CHECK(t.size(t.class_for(0)) == 8);
}

TEST_CASE("default table: waste under 1/3 per object above 64 B, under 1/6 on average") {
    const SizeClassTable t = default_table();
    double worst = 0;
    double sum = 0;
    std::size_t n = 0;
    for (std::size_t size = 65; size <= t.max_size(); ++size) {
        const double cls = t.size(t.class_for(size));
        const double waste = (cls - static_cast<double>(size)) / cls;
        worst = std::max(worst, waste);
        sum += waste;
        ++n;
    }
    MESSAGE("worst waste above 64 B: " << worst * 100 << "%, mean " << sum / static_cast<double>(n) * 100 << "%");
    // Two classes per doubling: the worst is the first size past a power of two
    // (8193 B in the 12 KiB class, 4095/12288); the mean is 14.6%.
    CHECK(worst < 1.0 / 3);
    CHECK(worst > 0.32);
    CHECK(sum / static_cast<double>(n) < 1.0 / 6);
}

TEST_CASE("slab runs: every class fits at least one object, runs waste at most 1/8") {
    const SizeClassTable t = default_table();
    for (std::uint32_t c = 0; c < t.count(); ++c) {
        const SizeClass cls = size_class(c);
        const std::size_t run = t.run_bytes(cls);
        INFO("class " << t.size(cls) << " run " << run);
        CHECK(t.objects_per_run(cls) >= 1);
        CHECK(t.objects_per_run(cls) == run / t.size(cls));
        CHECK(index_of(t.run_order(cls)) <= kMaxRunOrder);
        CHECK(t.run_pages(cls) <= (1u << index_of(t.run_order(cls))));
        CHECK((run % t.size(cls)) * 8 <= run);
    }
}

TEST_CASE("aligned classes: the class chosen is aligned as asked") {
    const SizeClassTable t = default_table();
    for (std::size_t align = 16; align <= 4096; align *= 2) {
        for (std::size_t size : {1u, 24u, 100u, 1000u, 4000u}) {
            SizeClass c{};
            if (!t.class_for_aligned(size, align, c)) continue;
            INFO("size " << size << " align " << align);
            CHECK(t.size(c) >= size);
            CHECK(t.alignment(c) >= align);
        }
    }
    SizeClass c{};
    CHECK_FALSE(t.class_for_aligned(20000, 8, c));
}

TEST_CASE("custom tables are accepted, and bad ones refused") {
    SizeClassTable t;
    const std::uint32_t custom[] = {16, 32, 64, 128, 256};
    REQUIRE(t.init(custom, 5, 8) == InitError::None);
    CHECK(t.count() == 5);
    CHECK(t.size(t.class_for(33)) == 64);
    CHECK(t.size(t.class_for(256)) == 256);

    const std::uint32_t unsorted[] = {16, 64, 32};
    CHECK(t.init(unsorted, 3, 8) == InitError::BadSizeClasses);
    const std::uint32_t odd[] = {12, 64};
    CHECK(t.init(odd, 2, 8) == InitError::BadSizeClasses);
    const std::uint32_t huge[] = {64, 65536};
    CHECK(t.init(huge, 2, 8) == InitError::BadSizeClasses);
    const std::uint32_t too_big_for_order0[] = {64, 8192};
    CHECK(t.init(too_big_for_order0, 2, 0) == InitError::BadSizeClasses);
    std::uint32_t many[65];
    for (std::uint32_t i = 0; i < 65; ++i) many[i] = 8 * (i + 1);
    CHECK(t.init(many, 65, 8) == InitError::BadSizeClasses);
    CHECK(t.init(many, 64, 8) == InitError::None);
}

TEST_CASE("is_object_start: the multiply test equals the divide for every offset of every run") {
    const SizeClassTable t = default_table();
    std::uint32_t every[kMaxSizeClasses];  // and for a table of every multiple of 8 it allows
    for (std::uint32_t i = 0; i < kMaxSizeClasses; ++i) every[i] = 8 * (i + 1) * (i < 32 ? 1 : 16);
    SizeClassTable wide;
    REQUIRE(wide.init(every, kMaxSizeClasses, 8) == InitError::None);
    for (const SizeClassTable* table : {&t, static_cast<const SizeClassTable*>(&wide)}) {
        for (std::uint32_t c = 0; c < table->count(); ++c) {
            const SizeClass cls = size_class(c);
            const std::uint32_t size = table->size(cls);
            // The whole block a run is cut from: past an exact run's pages too.
            const std::uintptr_t run = kPageSize << index_of(table->run_order(cls));
            std::uint32_t starts = 0;
            for (std::uint32_t offset = 0; offset < run; ++offset) {
                const bool expected = offset % size == 0 && offset / size < table->objects_per_run(cls);
                starts += expected ? 1 : 0;
                if (table->is_object_start(cls, offset) != expected) {
                    INFO("size " << size << " offset " << offset);
                    REQUIRE(table->is_object_start(cls, offset) == expected);
                }
            }
            CHECK(starts == table->objects_per_run(cls));
        }
    }
}
