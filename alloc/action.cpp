#include "alloc/action.h"

namespace allocsim {

const char* action_name(ActionKind kind) {
    switch (kind) {
        case ActionKind::CacheHit: return "cache_hit";
        case ActionKind::CacheMiss: return "cache_miss";
        case ActionKind::CacheFree: return "cache_free";
        case ActionKind::CacheFull: return "cache_full";
        case ActionKind::Refill: return "refill";
        case ActionKind::Drain: return "drain";
        case ActionKind::SlabCarve: return "slab_carve";
        case ActionKind::PageReturn: return "page_return";
        case ActionKind::RemoteFree: return "remote_free";
        case ActionKind::RemoteCollect: return "remote_collect";
        case ActionKind::BuddyAlloc: return "buddy_alloc";
        case ActionKind::BuddyFree: return "buddy_free";
        case ActionKind::BuddySplit: return "buddy_split";
        case ActionKind::BuddyCoalesce: return "buddy_coalesce";
        case ActionKind::LargeAlloc: return "large_alloc";
        case ActionKind::LargeFree: return "large_free";
        case ActionKind::LockAcquire: return "lock_acquire";
        case ActionKind::AtomicOp: return "atomic_op";
        case ActionKind::AllocFailure: return "alloc_failure";
        case ActionKind::InvalidFree: return "invalid_free";
    }
    return "unknown";
}

}  // namespace allocsim
