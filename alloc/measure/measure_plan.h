// The measure plan: a trace in the form a measured replay reads it, on bare metal
// (the kernel gets it as a multiboot module) or on host threads. Plain little-endian
// structs and no pointers, so the host writes it and the kernel maps it as it is.
//
//   PlanHeader | PlanOp[ops]
//
// The results come back as MeasuredOp[ops], one per plan op, in plan order.
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim::measure {

inline constexpr char kPlanMagic[8] = {'A', 'S', 'M', 'P', 'L', 'A', 'N', '2'};

// The core's configuration and what the replay needs to size its memory. The host
// copies it from the engine's settings, so that the core on the other side runs
// with exactly the configuration the engine models.
struct PlanHeader {
    char magic[8];
    std::uint32_t header_bytes;     // sizeof(PlanHeader): a check that both sides agree
    std::uint32_t op_bytes;         // sizeof(PlanOp)
    std::uint64_t ops;
    std::uint64_t objects;          // object ids are dense: 0 .. objects-1
    std::uint64_t region_bytes;     // the core's region
    std::uint32_t cpus;             // CPUs the plan's ops name: 0 .. cpus-1
    std::uint32_t cache_capacity;
    std::uint32_t refill_batch;
    std::uint32_t drain_batch;
    std::uint32_t buddy_max_order;
    std::uint32_t buddy_lock;       // BuddyLockMode
    std::uint32_t size_class_count; // 0: the core's default table
    std::uint32_t size_classes[kMaxSizeClasses];
    std::uint32_t cache_bin_bytes;
    std::uint32_t run_tail_permille;
    std::uint32_t exact_page_runs;  // 0 or 1
    std::uint32_t adaptive_bins;    // 0 or 1
    std::uint32_t cache_min_capacity;
    std::uint32_t cache_trim_every;
    std::uint32_t eager_remote_collect;  // 0 or 1
    std::uint32_t fullest_runs_first;    // 0 or 1
    std::uint32_t exact_slab_runs;       // 0 or 1
};

enum class PlanOpKind : std::uint8_t { Alloc = 0, Free = 1, Realloc = 2, PageAlloc = 3, PageFree = 4 };

// One operation. `step` is its rank among the operations on its object (0 for the
// allocation): a CPU runs it only once `step` operations on the object are done,
// which is how a free waits for an allocation made on another CPU.
struct PlanOp {
    std::uint64_t size;    // Alloc, Realloc: bytes
    std::uint32_t object;
    std::uint32_t step;
    std::uint16_t cpu;
    PlanOpKind kind;
    std::uint8_t arg;      // Alloc: log2 of the alignment (0: default); Page*: the order
    std::uint32_t reserved;
};
static_assert(sizeof(PlanOp) == 24);

// One measured operation. `cycles` is what the timer read around the operation
// minus the timer's own overhead, at least 1. `kinds` and `splits` are what the
// core reported doing (op_profile.h), so the host can check that the same path ran.
struct MeasuredOp {
    std::uint32_t cycles;
    std::uint16_t cpu;       // the CPU that ran it
    std::uint8_t splits;     // buddy splits in the operation (saturating)
    std::uint8_t flags;      // kFlagContended, kFlagFailed
    std::uint32_t kinds;     // bit k: an action of ActionKind k happened
};
static_assert(sizeof(MeasuredOp) == 12);

inline constexpr std::uint8_t kFlagContended = 1;  // a lock was found held
inline constexpr std::uint8_t kFlagFailed = 2;     // the allocation returned null

}  // namespace allocsim::measure
