// What one operation did, as the core reported it, and the class it falls in.
//
// ProfilingObserver is the observer a measured replay (kernel or host threads) runs
// the core with: per operation it keeps which action kinds happened, the buddy
// splits and whether a lock was found held, and it counts every action per CPU and
// kind. The engine classifies its modeled operations with the same classify(), so
// modeled and measured costs are set side by side class by class.
//
// Per-CPU rows, each on its own cache lines: an action is recorded by the CPU that
// does it (Action::cpu), so CPUs running concurrently never write the same row.
// The observer costs a few instructions per action, which the measured cycles
// include (docs/KERNEL.md).
#pragma once

#include <cstdint>

#include "alloc/action.h"
#include "alloc/types.h"

namespace allocsim::measure {

// The classes compare and calibrate report, most specific first: an operation that
// split a block is a split even though it also missed and carved.
enum class OpClass : std::uint8_t {
    AllocHit,    // served by the ThreadCache bin
    FreeHit,     // pushed onto the ThreadCache bin
    MissRefill,  // bin empty: a batch refilled from the CPU's slab
    Drain,       // bin full: a batch went back to the slabs
    RemoteFree,  // a batch went to another CPU's remote queue
    PageCarve,   // a fresh page run carved into objects, without a split
    Split,       // the buddy split blocks (detail: how many, the split depth)
    Coalesce,    // buddies merged on the way back
    PageBlock,   // a block taken from or given back to the buddy, no split or merge
    Large,       // the large-object path
    Failure,     // out of memory
    Other,       // none of the above (a realloc that did nothing visible)
};
inline constexpr int kOpClassCount = static_cast<int>(OpClass::Other) + 1;

inline const char* op_class_name(OpClass c) {
    switch (c) {
        case OpClass::AllocHit: return "alloc hit";
        case OpClass::FreeHit: return "free hit";
        case OpClass::MissRefill: return "miss+refill";
        case OpClass::Drain: return "drain";
        case OpClass::RemoteFree: return "remote free";
        case OpClass::PageCarve: return "page carve";
        case OpClass::Split: return "split";
        case OpClass::Coalesce: return "coalesce";
        case OpClass::PageBlock: return "page block";
        case OpClass::Large: return "large";
        case OpClass::Failure: return "failure";
        case OpClass::Other: return "other";
    }
    return "?";
}

constexpr std::uint32_t kind_bit(ActionKind k) { return 1u << static_cast<unsigned>(k); }
static_assert(kActionKindCount <= 32);

// The class of an operation whose actions had the kinds in `kinds` (bit per kind).
constexpr OpClass classify(std::uint32_t kinds) {
    auto has = [kinds](ActionKind k) { return (kinds & kind_bit(k)) != 0; };
    if (has(ActionKind::AllocFailure)) return OpClass::Failure;
    if (has(ActionKind::LargeAlloc) || has(ActionKind::LargeFree)) return OpClass::Large;
    if (has(ActionKind::BuddyCoalesce)) return OpClass::Coalesce;
    if (has(ActionKind::BuddySplit)) return OpClass::Split;
    if (has(ActionKind::SlabCarve)) return OpClass::PageCarve;
    if (has(ActionKind::BuddyAlloc) || has(ActionKind::BuddyFree)) return OpClass::PageBlock;
    if (has(ActionKind::RemoteFree)) return OpClass::RemoteFree;
    if (has(ActionKind::CacheMiss) || has(ActionKind::Refill)) return OpClass::MissRefill;
    if (has(ActionKind::CacheFull) || has(ActionKind::Drain)) return OpClass::Drain;
    if (has(ActionKind::CacheHit)) return OpClass::AllocHit;
    if (has(ActionKind::CacheFree)) return OpClass::FreeHit;
    return OpClass::Other;
}

// One operation's profile.
struct OpProfile {
    std::uint32_t kinds = 0;
    std::uint32_t splits = 0;
    bool contended = false;
};

class ProfilingObserver {
public:
    static constexpr bool kEnabled = true;

    ALLOCSIM_ALWAYS_INLINE void record(const Action& a) {
        Row& row = rows_[index_of(a.cpu) % kMaxCpus];
        const unsigned k = static_cast<unsigned>(a.kind);
        row.op.kinds |= 1u << k;
        row.op.splits += a.kind == ActionKind::BuddySplit;
        row.op.contended |= a.kind == ActionKind::LockAcquire && a.contended;
        ++row.counts[k];
    }

    // Starts a new operation on `cpu`, and gives back the one it ends.
    void begin(CpuId cpu) { rows_[index_of(cpu) % kMaxCpus].op = OpProfile{}; }
    const OpProfile& current(CpuId cpu) const { return rows_[index_of(cpu) % kMaxCpus].op; }

    std::uint64_t count(CpuId cpu, ActionKind k) const {
        return rows_[index_of(cpu) % kMaxCpus].counts[static_cast<unsigned>(k)];
    }
    std::uint64_t count(ActionKind k) const {
        std::uint64_t sum = 0;
        for (const Row& row : rows_) sum += row.counts[static_cast<unsigned>(k)];
        return sum;
    }

private:
    struct alignas(64) Row {
        OpProfile op;
        std::uint64_t counts[kActionKindCount] = {};
    };
    Row rows_[kMaxCpus];
};

}  // namespace allocsim::measure
