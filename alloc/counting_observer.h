// An observer that counts every action per CPU and kind, plus the objects and
// free-list nodes each kind moved. Per-CPU rows keep it race-free: an action is
// always recorded by the thread that owns its `cpu`.
#pragma once

#include <cstdint>

#include "alloc/action.h"

namespace allocsim {

struct ActionCounts {
    std::uint64_t count[kActionKindCount] = {};
    std::uint64_t objects[kActionKindCount] = {};
    std::uint64_t nodes[kActionKindCount] = {};
    std::uint64_t contended_locks = 0;

    std::uint64_t operator[](ActionKind k) const { return count[static_cast<int>(k)]; }
    void add(const ActionCounts& other) {
        for (int i = 0; i < kActionKindCount; ++i) {
            count[i] += other.count[i];
            objects[i] += other.objects[i];
            nodes[i] += other.nodes[i];
        }
        contended_locks += other.contended_locks;
    }
};

class CountingObserver {
public:
    static constexpr bool kEnabled = true;

    ALLOCSIM_ALWAYS_INLINE void record(const Action& a) {
        ActionCounts& row = per_cpu_[index_of(a.cpu) % kMaxCpus];
        const int k = static_cast<int>(a.kind);
        ++row.count[k];
        row.objects[k] += a.objects;
        row.nodes[k] += a.nodes;
        if (a.kind == ActionKind::LockAcquire && a.contended) ++row.contended_locks;
    }

    const ActionCounts& cpu(CpuId c) const { return per_cpu_[index_of(c) % kMaxCpus]; }
    ActionCounts total() const {
        ActionCounts sum;
        for (const ActionCounts& row : per_cpu_) sum.add(row);
        return sum;
    }
    void reset() {
        for (ActionCounts& row : per_cpu_) row = ActionCounts{};
    }

private:
    ActionCounts per_cpu_[kMaxCpus];
};

}  // namespace allocsim
