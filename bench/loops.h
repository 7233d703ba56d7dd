// The two 64-byte loops every allocator is measured with, allocsim and the peers
// alike (the same template, so the same loop code):
//
//   pair loop:   p = alloc(64); use(p); free(p)            repeated; 2 ops per round
//   batch loop:  32 x (p[i] = alloc(64); use(p[i])), then 32 x free(p[i]), in
//                allocation order; 64 ops per round
//
// use(p) is escape(p): an empty asm that takes p in a register and clobbers memory,
// so the compiler can neither delete the pair nor merge iterations.
#pragma once

#include <cstddef>

#include "bench/bench.h"
#include "bench/timing.h"

namespace allocsim::bench {

inline constexpr std::size_t kLoopSize = 64;
inline constexpr std::size_t kPairsPerBatch = 250;    // 500 ops per timed batch
inline constexpr std::size_t kBatchObjects = 32;
inline constexpr std::size_t kBatchRounds = 8;        // 8 * 64 = 512 ops per timed batch

struct LoopStats {
    Stats pair;   // ticks per op (an op is one alloc or one free)
    Stats batch;
};

template <class Alloc, class Free>
ALLOCSIM_ALWAYS_INLINE void pair_rounds(std::size_t rounds, Alloc& alloc, Free& release) {
    for (std::size_t i = 0; i < rounds; ++i) {
        void* p = alloc(kLoopSize);
        escape(p);
        release(p, kLoopSize);
    }
}

template <class Alloc, class Free>
ALLOCSIM_ALWAYS_INLINE void batch_rounds(std::size_t rounds, Alloc& alloc, Free& release) {
    void* objects[kBatchObjects];
    for (std::size_t r = 0; r < rounds; ++r) {
        for (std::size_t i = 0; i < kBatchObjects; ++i) {
            objects[i] = alloc(kLoopSize);
            escape(objects[i]);
        }
        for (std::size_t i = 0; i < kBatchObjects; ++i) release(objects[i], kLoopSize);
    }
}

template <class Alloc, class Free>
LoopStats measure_loops(bool quick, Alloc alloc, Free release) {
    LoopStats s;
    const std::size_t batches = quick ? 1200 : 80000;
    s.pair = time_batches(batches, batches / 10, 2.0 * kPairsPerBatch,
                          [&] { pair_rounds(kPairsPerBatch, alloc, release); });
    s.batch = time_batches(batches, batches / 10, 2.0 * kBatchObjects * kBatchRounds,
                           [&] { batch_rounds(kBatchRounds, alloc, release); });
    return s;
}

}  // namespace allocsim::bench
