// ThreadCache: one per CPU, one bin (an intrusive LIFO free list) per size class.
//
// Only the owning CPU touches its ThreadCache, so the hit path has no atomics and
// no locks: pop is a load, a test, a load and two stores; push is a load, a
// compare and three stores. tests/alloc/hit_path.golden pins them. Misses and full bins go to the out-of-line slow paths in HybridAllocator,
// which refill or drain a batch at a time from the CPU's CpuSlab.
//
// Invariant per bin: count == length of the list from head, and count <= capacity.
#pragma once

#include <cstdint>

#include "alloc/object_chain.h"
#include "alloc/types.h"

namespace allocsim {

struct Bin {
    void* head = nullptr;        // most recently freed object, null if empty
    std::uint32_t count = 0;     // objects on the list
    std::uint32_t capacity = 0;  // the bin's bound now: set by the slow paths (bin_sizer.h)

    // The hit path. Null if the bin is empty (a miss).
    ALLOCSIM_ALWAYS_INLINE void* pop() {
        void* p = head;
        if (ALLOCSIM_UNLIKELY(p == nullptr)) return nullptr;
        head = next_of(p);
        --count;
        return p;
    }

    // The free hit path. False if the bin is full (a drain is due first).
    ALLOCSIM_ALWAYS_INLINE bool push(void* p) {
        if (ALLOCSIM_UNLIKELY(count >= capacity)) return false;
        set_next(p, head);
        head = p;
        ++count;
        return true;
    }
};

class ThreadCache {
public:
    // capacity[c]: class c's bin bound, for c < classes; the other bins hold nothing.
    void init(std::uint32_t classes, const std::uint32_t* capacity) {
        for (std::uint32_t c = 0; c < kMaxSizeClasses; ++c) bins_[c] = Bin{nullptr, 0, c < classes ? capacity[c] : 0};
    }

    // Class c's bin, its address computed here and hidden from the optimizer: a push
    // through it then waits for nothing that a later branch compares c with, where the
    // compiler would otherwise recompute the address from the compared value
    // (free_class_hint.h says why that matters).
    ALLOCSIM_ALWAYS_INLINE Bin* bin_address(SizeClass c) {
        Bin* b = &bins_[index_of(c)];
        asm volatile("" : "+r"(b));
        return b;
    }
    ALLOCSIM_ALWAYS_INLINE void* pop(SizeClass c) { return bins_[index_of(c)].pop(); }
    ALLOCSIM_ALWAYS_INLINE bool push(SizeClass c, void* p) { return bins_[index_of(c)].push(p); }

    // Puts a refilled chain on the bin. REQUIRES: count + chain.count <= capacity.
    void push_chain(SizeClass c, const ObjectChain& chain) {
        if (chain.count == 0) return;
        Bin& b = bins_[index_of(c)];
        set_next(chain.tail, b.head);
        b.head = chain.head;
        b.count += chain.count;
    }

    // Detaches up to n objects from the front of the bin (walking n links).
    ObjectChain take(SizeClass c, std::uint32_t n) {
        Bin& b = bins_[index_of(c)];
        ObjectChain out;
        if (n == 0 || b.head == nullptr) return out;
        void* last = b.head;
        std::uint32_t taken = 1;
        while (taken < n && next_of(last) != nullptr) {
            last = next_of(last);
            ++taken;
        }
        out.head = b.head;
        out.tail = last;
        out.count = taken;
        b.head = next_of(last);
        b.count -= taken;
        set_next(last, nullptr);
        return out;
    }

    const Bin& bin(SizeClass c) const { return bins_[index_of(c)]; }
    Bin& bin(SizeClass c) { return bins_[index_of(c)]; }

    // The slow paths' sizing (bin_sizer.h). REQUIRES: the bin's count <= capacity.
    void set_capacity(SizeClass c, std::uint32_t capacity) { bins_[index_of(c)].capacity = capacity; }

    template <class F>
    void for_each_cached(SizeClass c, F&& f) const {
        std::uint32_t guard = 0;
        for (void* p = bins_[index_of(c)].head; p != nullptr && guard <= bins_[index_of(c)].capacity; p = next_of(p), ++guard) f(p);
    }

private:
    // Nothing but the bins: 1 KiB, so finding a CPU's cache is one shift.
    Bin bins_[kMaxSizeClasses];
};

static_assert(sizeof(ThreadCache) == 1024, "a power of two: caches_[cpu] is a shift, not a multiply");

}  // namespace allocsim
