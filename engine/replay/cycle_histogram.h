// Exact percentiles of per-operation modeled cycles, in memory that does not grow
// with the trace: counts per value below 2^16 cycles, and an ordered map above
// (few operations cost that much). Deterministic, unlike a sampled reservoir.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

namespace allocsim::engine {

class CycleHistogram {
public:
    CycleHistogram() : small_(kSmall, 0) {}

    void add(std::uint64_t cycles) {
        ++count_;
        if (cycles < kSmall) ++small_[cycles];
        else ++large_[cycles];
    }
    std::uint64_t count() const { return count_; }

    // The smallest value v such that at least percent% of the samples are <= v (the
    // nearest-rank percentile, in integers); 0 for an empty histogram.
    std::uint64_t percentile(std::uint64_t percent) const {
        if (count_ == 0) return 0;
        std::uint64_t rank = (percent * count_ + 99) / 100;
        if (rank == 0) rank = 1;
        std::uint64_t seen = 0;
        for (std::uint64_t v = 0; v < kSmall; ++v) {
            seen += small_[v];
            if (seen >= rank) return v;
        }
        for (const auto& [v, n] : large_) {
            seen += n;
            if (seen >= rank) return v;
        }
        return large_.rbegin()->first;
    }

private:
    static constexpr std::uint64_t kSmall = 1 << 16;
    std::vector<std::uint64_t> small_;
    std::map<std::uint64_t, std::uint64_t> large_;
    std::uint64_t count_ = 0;
};

}  // namespace allocsim::engine
