// The cost model as a linear function: an operation's priced work is the dot
// product of the model's prices with the operation's features (how many actions of
// each kind, objects moved, nodes touched). calibrate fits the prices to measured
// cycles by least squares over these features; compare classifies by them.
//
// add_action_features mirrors OpPricer::price_of (engine/replay/op_pricer.h) term by
// term; a test checks that price(model, features) is the modeled work. Waiting and
// the line transfers the replayer charges are not features: they stay as priced.
#pragma once

#include <array>
#include <cstdint>

#include "alloc/action.h"
#include "engine/replay/cost_model.h"

namespace allocsim::engine {

struct CostParameter {
    const char* name;                      // as in a model file's [model] section
    std::uint32_t CostModel::*price;
};

inline constexpr CostParameter kCostParameters[] = {
    {"op_base", &CostModel::op_base},
    {"cache_hit", &CostModel::cache_hit},
    {"cache_free", &CostModel::cache_free},
    {"cache_miss", &CostModel::cache_miss},
    {"cache_full", &CostModel::cache_full},
    {"refill_per_object", &CostModel::refill_per_object},
    {"drain_per_object", &CostModel::drain_per_object},
    {"node_touch", &CostModel::node_touch},
    {"slab_carve", &CostModel::slab_carve},
    {"slab_carve_per_object", &CostModel::slab_carve_per_object},
    {"page_return", &CostModel::page_return},
    {"remote_free", &CostModel::remote_free},
    {"remote_collect", &CostModel::remote_collect},
    {"buddy_alloc", &CostModel::buddy_alloc},
    {"buddy_free", &CostModel::buddy_free},
    {"buddy_split", &CostModel::buddy_split},
    {"buddy_split_entry", &CostModel::buddy_split_entry},
    {"buddy_coalesce", &CostModel::buddy_coalesce},
    {"large_alloc", &CostModel::large_alloc},
    {"large_free", &CostModel::large_free},
    {"lock", &CostModel::lock},
    {"atomic", &CostModel::atomic},
    {"alloc_failure", &CostModel::alloc_failure},
    {"line_transfer", &CostModel::line_transfer},
};
inline constexpr int kCostParameterCount = static_cast<int>(sizeof kCostParameters / sizeof kCostParameters[0]);

enum CostFeature : int {
    kOpBase, kCacheHit, kCacheFree, kCacheMiss, kCacheFull, kRefillObjects, kDrainObjects, kNodeTouch,
    kSlabCarve, kSlabCarveObjects, kPageReturn, kRemoteFree, kRemoteCollect, kBuddyAlloc, kBuddyFree,
    kBuddySplit, kBuddySplitEntry, kBuddyCoalesce, kLargeAlloc, kLargeFree, kLock, kAtomic, kAllocFailure, kLineTransfer,
};

using CostFeatures = std::array<std::uint32_t, kCostParameterCount>;

inline void add_action_features(CostFeatures& f, const Action& a) {
    switch (a.kind) {
        case ActionKind::CacheHit: ++f[kCacheHit]; break;
        case ActionKind::CacheMiss: ++f[kCacheMiss]; break;
        case ActionKind::CacheFree: ++f[kCacheFree]; break;
        case ActionKind::CacheFull: ++f[kCacheFull]; break;
        case ActionKind::Refill: f[kRefillObjects] += a.objects; f[kNodeTouch] += a.nodes; break;
        case ActionKind::Drain: f[kDrainObjects] += a.objects; f[kNodeTouch] += a.nodes; break;
        case ActionKind::SlabCarve: ++f[kSlabCarve]; f[kSlabCarveObjects] += a.objects; break;
        case ActionKind::PageReturn: ++f[kPageReturn]; break;
        case ActionKind::RemoteFree: ++f[kRemoteFree]; f[kNodeTouch] += a.nodes; break;
        case ActionKind::RemoteCollect: ++f[kRemoteCollect]; f[kNodeTouch] += a.nodes; break;
        case ActionKind::BuddyAlloc: ++f[kBuddyAlloc]; f[kNodeTouch] += a.nodes; break;
        case ActionKind::BuddyFree: ++f[kBuddyFree]; f[kNodeTouch] += a.nodes; break;
        case ActionKind::BuddySplit:
            // `f` is one operation's: its first split pays the entry too (OpPricer::record).
            if (f[kBuddySplit]++ == 0) ++f[kBuddySplitEntry];
            break;
        case ActionKind::BuddyCoalesce: ++f[kBuddyCoalesce]; break;
        case ActionKind::LargeAlloc: ++f[kLargeAlloc]; break;
        case ActionKind::LargeFree: ++f[kLargeFree]; break;
        case ActionKind::LockAcquire: ++f[kLock]; break;
        case ActionKind::AtomicOp: ++f[kAtomic]; break;
        case ActionKind::AllocFailure: ++f[kAllocFailure]; break;
        case ActionKind::InvalidFree: break;
    }
}

// The priced work of an operation with features `f` (op_base included when
// f[kOpBase] is 1, as for every operation).
inline std::uint64_t price(const CostModel& m, const CostFeatures& f) {
    std::uint64_t sum = 0;
    for (int i = 0; i < kCostParameterCount; ++i) sum += std::uint64_t{m.*kCostParameters[i].price} * f[static_cast<std::size_t>(i)];
    return sum;
}

}  // namespace allocsim::engine
