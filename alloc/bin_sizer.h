// BinSizer: how many objects each of one CPU's bins may hold, adapted to how the
// CPU uses each class, and the idle trim. It runs on the slow paths only: the hit
// path reads Bin::capacity as it always did, and never writes it.
//
//   slow start     a bin's bound starts at min_capacity and doubles at each miss, up
//                  to its class's bound (cache.capacity, cache.bin_bytes): a class
//                  the CPU allocates from often earns a full bin; one it touches once
//                  holds a few objects (tcmalloc's per-CPU caches grow on demand so).
//   free-only      a bin that overflows without a miss since it last overflowed only
//   shrink         frees (a consumer's, or a phase freeing what an earlier phase
//                  allocated): its bound halves, down to min_capacity, and the drain
//                  leaves it a quarter full, so its objects go back to their runs and
//                  owners instead of waiting in a full bin.
//   idle trim      every trim_every slow-path events of the CPU, the next class in
//                  turn is visited: a bin with no slow-path event since its last visit
//                  gives half its objects back and its bound halves (Linux SLAB's
//                  cache_reap, jemalloc's tcache GC, driven by slow-path events
//                  instead of a timer or a hit-path counter); and the class's remote
//                  queue is collected.
//
// Invariant: min(min_capacity, bound) <= Bin::capacity <= bound for every class, and
// Bin::count <= Bin::capacity (the drains below keep it when a bound halves).
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

class BinSizer {
public:
    static constexpr std::uint8_t kMissed = 1;  // a miss since the bin last overflowed
    static constexpr std::uint8_t kActive = 2;  // a slow-path event since the last trim visit

    void init(std::uint32_t classes, std::uint32_t trim_every) {
        classes_ = classes;
        trim_every_ = trim_every;
        until_trim_ = trim_every;
        cursor_ = 0;
        for (std::uint8_t& f : flags_) f = 0;
    }

    // A miss or an overflow of class k: it is in use.
    void note_miss(std::uint32_t k) { flags_[k] |= kMissed | kActive; }
    // True when the bin only freed since its last overflow (it shrinks); clears that.
    bool overflow_without_miss(std::uint32_t k) {
        const bool free_only = (flags_[k] & kMissed) == 0;
        flags_[k] = static_cast<std::uint8_t>((flags_[k] & ~kMissed) | kActive);
        return free_only;
    }

    // Counts one slow-path event; returns the class whose trim visit is due, or -1.
    // The visit clears the class's activity, so it is idle at the next visit unless a
    // slow-path event marks it again.
    int tick(bool& idle) {
        if (trim_every_ == 0 || --until_trim_ != 0) return -1;
        until_trim_ = trim_every_;
        const std::uint32_t k = cursor_;
        cursor_ = cursor_ + 1 == classes_ ? 0 : cursor_ + 1;
        idle = (flags_[k] & kActive) == 0;
        flags_[k] = static_cast<std::uint8_t>(flags_[k] & ~kActive);
        return static_cast<int>(k);
    }

private:
    std::uint8_t flags_[kMaxSizeClasses] = {};
    std::uint32_t classes_ = 0;     // const
    std::uint32_t trim_every_ = 0;  // const: 0 = no idle trim
    std::uint32_t until_trim_ = 0;  // slow-path events until the next visit
    std::uint32_t cursor_ = 0;      // the next class to visit
};

}  // namespace allocsim
