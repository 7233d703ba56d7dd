// A copy of the pages of a Region that are in memory, to put back later: the
// region half of a replay checkpoint (replay_machine.h holds the other half).
//
// The region is anonymous memory reserved with MAP_NORESERVE: a page the core never
// touched is not in memory and reads as zeros. mincore() tells which pages are, so
// a snapshot costs what the core touched, not the region's size. Restoring drops
// the pages touched since (MADV_DONTNEED: they read as zeros again) and copies the
// saved ones back.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstring>
#include <vector>

#include "engine/replay/region.h"

namespace allocsim::engine {

class RegionSnapshot {
public:
    static RegionSnapshot take(const Region& region) {
        RegionSnapshot s;
        const std::vector<unsigned char> in = resident(region);
        const std::size_t page = page_bytes();
        const auto* base = static_cast<const unsigned char*>(region.base());
        for (std::size_t i = 0; i < in.size();) {
            if ((in[i] & 1) == 0) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < in.size() && (in[j] & 1) != 0) ++j;
            s.runs_.push_back(Run{i, j - i, s.data_.size()});
            s.data_.insert(s.data_.end(), base + i * page, base + j * page);
            i = j;
        }
        return s;
    }

    void restore(Region& region) const {
        const std::size_t page = page_bytes();
        auto* base = static_cast<unsigned char*>(region.base());
        // Pages in memory now that the snapshot lacks: back to untouched.
        std::vector<unsigned char> saved(pages(region), 0);
        for (const Run& r : runs_)
            for (std::size_t i = r.first; i < r.first + r.pages; ++i) saved[i] = 1;
        const std::vector<unsigned char> in = resident(region);
        for (std::size_t i = 0; i < in.size();) {
            if ((in[i] & 1) == 0 || saved[i] != 0) {
                ++i;
                continue;
            }
            std::size_t j = i;
            while (j < in.size() && (in[j] & 1) != 0 && saved[j] == 0) ++j;
            madvise(base + i * page, (j - i) * page, MADV_DONTNEED);
            i = j;
        }
        for (const Run& r : runs_) std::memcpy(base + r.first * page, data_.data() + r.offset, r.pages * page);
    }

    std::size_t bytes() const { return data_.size(); }

private:
    struct Run {
        std::size_t first, pages, offset;
    };

    static std::size_t page_bytes() { return static_cast<std::size_t>(sysconf(_SC_PAGESIZE)); }
    static std::size_t pages(const Region& region) { return (region.bytes() + page_bytes() - 1) / page_bytes(); }

    // The region's base is aligned to at least a page (region.h).
    static std::vector<unsigned char> resident(const Region& region) {
        std::vector<unsigned char> in(pages(region), 0);
        if (mincore(region.base(), region.bytes(), in.data()) != 0) std::fill(in.begin(), in.end(), 1);
        return in;
    }

    std::vector<Run> runs_;
    std::vector<unsigned char> data_;
};

}  // namespace allocsim::engine
