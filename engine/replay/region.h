// The core's memory on the host: reserved with mmap, so that only the pages the
// core touches cost anything, whatever size the trace needs.
//
// The start is aligned to `align` (the replay passes its largest buddy block). The
// buddy lays its first blocks out from where the region starts, so the same
// alignment everywhere (the replay, the host's measured runs, the kernel) gives the
// same blocks and the same splits, whatever address mmap picks.
#pragma once

#include <fmt/format.h>
#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

#include "engine/replay/replayer.h"

namespace allocsim::engine {

class Region {
public:
    Region(std::size_t bytes, std::size_t align) : bytes_(bytes == 0 ? 1 : bytes), reserved_(bytes_ + align) {
        void* p = mmap(nullptr, reserved_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (p == MAP_FAILED) throw ReplayError(fmt::format("cannot reserve a region of {} bytes", bytes));
        mapping_ = p;
        const auto at = reinterpret_cast<std::uintptr_t>(p);
        base_ = reinterpret_cast<void*>(align == 0 ? at : (at + align - 1) / align * align);
    }
    ~Region() { munmap(mapping_, reserved_); }
    Region(const Region&) = delete;
    Region& operator=(const Region&) = delete;
    void* base() const { return base_; }
    std::size_t bytes() const { return bytes_; }

private:
    std::size_t bytes_;
    std::size_t reserved_;
    void* mapping_ = nullptr;
    void* base_ = nullptr;
};

// The alignment of every region the core runs in: its largest buddy block, and at
// least 2 MiB (the kernel's page size).
constexpr std::size_t region_alignment(std::uint32_t buddy_max_order) {
    const std::size_t block = std::size_t{4096} << buddy_max_order;
    return block > (std::size_t{2} << 20) ? block : std::size_t{2} << 20;
}

}  // namespace allocsim::engine
