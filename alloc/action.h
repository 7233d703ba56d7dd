// Observer hooks: every internal action of the core, as one value type.
//
// The core calls `observer.record(Action{...})` at each step it takes. The observer
// is a compile-time policy (a template parameter of HybridAllocator), so with
// NullObserver every call inlines to nothing and the hit path is unchanged. The
// replay engine's cost model, the GUI's animations and the kernel's tracer are all
// observers. Each action reports the work it really did (objects moved, free-list
// nodes touched), so a cost model can price work rather than guess it.
#pragma once

#include <cstdint>

#include "alloc/types.h"

namespace allocsim {

enum class ActionKind : std::uint8_t {
    CacheHit,        // allocation served by the ThreadCache bin
    CacheMiss,       // allocation found the bin empty (a Refill follows)
    CacheFree,       // free pushed onto the ThreadCache bin
    CacheFull,       // free found the bin full (a Drain follows)
    Refill,          // `objects` moved slab -> bin, `nodes` free-list nodes touched
    Drain,           // `objects` moved bin -> slabs (local and remote), `nodes` touched
    SlabCarve,       // a page run of 2^order pages carved into `objects` objects
    PageReturn,      // a fully free slab run went back to the buddy
    RemoteFree,      // `objects` pushed as one batch onto another CPU's remote queue
    RemoteCollect,   // owner took `objects` back from its remote queue
    BuddyAlloc,      // a block of `order` left the buddy (after any splits)
    BuddyFree,       // a block of `order` came back (before any coalesce)
    BuddySplit,      // a block of `order` split into two of order-1
    BuddyCoalesce,   // two buddies of `order` merged into one of order+1
    LargeAlloc,      // a run of `objects` max-order blocks (large-object path)
    LargeFree,
    LockAcquire,     // lock `lock` taken; `contended` if it was already held
    AtomicOp,        // one atomic read-modify-write (remote queue push or take)
    AllocFailure,    // out of memory: allocate returned null
    InvalidFree,     // a free of a pointer the core does not own, ignored
};

inline constexpr int kActionKindCount = static_cast<int>(ActionKind::InvalidFree) + 1;

const char* action_name(ActionKind kind);

// Which lock an action's LockAcquire refers to: buddy locks are per order (or the
// one global lock, reported as order 0xFF).
enum class LockId : std::uint8_t { BuddyGlobal = 0xFF };
constexpr LockId buddy_order_lock(Order o) { return static_cast<LockId>(index_of(o)); }

struct Action {
    ActionKind kind;
    CpuId cpu{};                 // the CPU doing the work
    SizeClass size_class{};      // for cache and slab actions
    Order order{};               // for buddy actions and SlabCarve
    LockId lock{};               // for LockAcquire
    bool contended = false;      // for LockAcquire
    CpuId other_cpu{};           // RemoteFree: the owner the batch goes to
    std::uint32_t objects = 0;   // objects or blocks moved
    std::uint32_t nodes = 0;     // free-list nodes (objects or descriptors) read or written
    std::uintptr_t address = 0;  // block, page or object involved, 0 if none
};

// The default policy: records nothing, costs nothing.
struct NullObserver {
    static constexpr bool kEnabled = false;
    ALLOCSIM_ALWAYS_INLINE void record(const Action&) {}
};

}  // namespace allocsim
