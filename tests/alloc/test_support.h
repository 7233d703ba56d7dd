// Shared helpers for the core's tests: regions, allocator instances, and a
// readable failure message for CheckResult.
#pragma once

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "alloc/buddy_allocator.h"
#include "alloc/counting_observer.h"
#include "alloc/hybrid_allocator.h"
#include "alloc/linked_list_allocator.h"
#include "alloc/platform/host/host_platform.h"

namespace allocsim::test {

using Hybrid = HybridAllocator<CountingObserver, HostPlatform>;
using Buddy = BuddyAllocator<CountingObserver, HostPlatform>;
using LinkedList = LinkedListAllocator<CountingObserver, HostPlatform>;

// Memory for a region, aligned to 1 MiB so block addresses are aligned as well.
class Region {
public:
    explicit Region(std::size_t bytes, std::size_t align = std::size_t{1} << 20)
        : bytes_(bytes), memory_(static_cast<unsigned char*>(std::aligned_alloc(align, (bytes + align - 1) / align * align))) {
        REQUIRE(memory_ != nullptr);
    }
    ~Region() { std::free(memory_); }
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    unsigned char* data() { return memory_; }
    std::size_t size() const { return bytes_; }

private:
    std::size_t bytes_;
    unsigned char* memory_;
};

inline std::string describe(const CheckResult& r) {
    if (r.ok) return "ok";
    std::ostringstream out;
    out << r.what << " at 0x" << std::hex << r.address << std::dec << " (" << r.expected_name << " " << r.expected
        << ", " << r.actual_name << " " << r.actual << ")";
    return out.str();
}

#define REQUIRE_VALID(allocator)                                  \
    do {                                                          \
        const ::allocsim::CheckResult check_result_ = (allocator).check(); \
        INFO(::allocsim::test::describe(check_result_));          \
        REQUIRE(check_result_.ok);                                \
    } while (0)

inline CpuId cpu(unsigned i) { return CpuId{static_cast<std::uint16_t>(i)}; }
inline Order order(unsigned k) { return Order{static_cast<std::uint8_t>(k)}; }
inline SizeClass size_class(unsigned c) { return SizeClass{static_cast<std::uint8_t>(c)}; }

inline AllocatorConfig config_with_cpus(std::uint32_t cpus) {
    AllocatorConfig c;
    c.cpus = cpus;
    return c;
}

inline std::unique_ptr<Hybrid> make_hybrid(Region& region, const AllocatorConfig& config = AllocatorConfig{}) {
    auto a = std::make_unique<Hybrid>();
    const InitError e = a->init(region.data(), region.size(), config);
    INFO(init_error_name(e));
    REQUIRE(e == InitError::None);
    return a;
}

// The buddy's root blocks, as (address, order) pairs in address order.
template <class B>
std::vector<std::pair<std::uintptr_t, unsigned>> roots_of(const B& buddy) {
    std::vector<std::pair<std::uintptr_t, unsigned>> roots;
    buddy.for_each_root([&](PageIndex p, Order o) {
        roots.emplace_back(reinterpret_cast<std::uintptr_t>(buddy.address_of(p)), index_of(o));
    });
    return roots;
}

// The buddy's free blocks, sorted by address.
template <class B>
std::vector<std::pair<std::uintptr_t, unsigned>> free_blocks_of(const B& buddy) {
    std::vector<std::pair<std::uintptr_t, unsigned>> blocks;
    for (unsigned k = 0; k <= index_of(buddy.max_order()); ++k)
        buddy.for_each_free_block(order(k), [&](void* p) { blocks.emplace_back(reinterpret_cast<std::uintptr_t>(p), k); });
    std::sort(blocks.begin(), blocks.end());
    return blocks;
}

}  // namespace allocsim::test
