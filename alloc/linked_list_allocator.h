// LinkedListAllocator: the seed's "linked_list" baseline, a first-fit free list
// with immediate coalescing, behind the same interface as HybridAllocator so every
// benchmark and replay can run the same workload through both.
//
// Layout: the region is one sequence of blocks, each a 16-byte header followed by
// its payload (16-byte aligned). A header holds the block's size with a free bit,
// and its left neighbour's size (a boundary tag), so a freed block merges with both
// neighbours in O(1). Free blocks are on one doubly linked LIFO list threaded through
// their payloads; allocation scans it from the front and takes the first block that
// fits, splitting off the rest when it is big enough to be a block. One lock guards
// it all: there are no per-CPU structures, which is the point of the comparison.
//
// Invariants (check()): blocks tile the region; no two free blocks are adjacent;
// each header's prev_size equals its left neighbour's size; the free list holds
// exactly the free blocks.
#pragma once

#include <cstddef>
#include <cstdint>

#include "alloc/action.h"
#include "alloc/config.h"
#include "alloc/memory_stats.h"
#include "alloc/page_descriptor.h"
#include "alloc/reallocate.h"

namespace allocsim {

template <class Observer, class Platform>
class LinkedListAllocator {
public:
    static constexpr std::size_t kHeader = 16;
    static constexpr std::size_t kMinBlock = 32;  // header + two free-list links

    LinkedListAllocator() = default;
    LinkedListAllocator(const LinkedListAllocator&) = delete;
    LinkedListAllocator& operator=(const LinkedListAllocator&) = delete;

    InitError init(void* region, std::size_t size, const AllocatorConfig& config) {
        if (config.cpus == 0 || config.cpus > kMaxCpus) return InitError::BadCpuCount;
        cpus_ = config.cpus;
        region_ = reinterpret_cast<std::uintptr_t>(region);
        region_bytes_ = size;
        begin_ = align_up(region_, 16);
        end_ = align_down(region_ + size, 16);
        if (end_ <= begin_ || end_ - begin_ < kMinBlock) return InitError::RegionTooSmall;
        free_head_ = nullptr;
        used_bytes_ = 0;
        used_blocks_ = 0;
        Header* h = header_at(begin_);
        h->size = (end_ - begin_) | kFree;
        h->prev_size = 0;
        push_free(h);
        return InitError::None;
    }

    void* allocate(CpuId cpu, std::size_t size) { return allocate_aligned(cpu, size, 16); }

    // REQUIRES: align is a power of two.
    void* allocate_aligned(CpuId cpu, std::size_t size, std::size_t align) {
        if (align < 16) align = 16;
        if (size > end_ - begin_) return fail(cpu);
        const std::size_t need = block_size_for(size);
        Guard guard(*this, cpu);
        std::uint32_t touched = 0;
        for (Header* h = free_head_; h != nullptr; h = link(h).next) {
            ++touched;
            const std::uintptr_t payload = payload_of(h);
            std::uintptr_t gap = align_up(payload, align) - payload;
            while (gap != 0 && gap < kMinBlock) gap += align;
            if (gap + need > size_of(h)) continue;
            unlink_free(h);
            if (gap != 0) {  // the front gap stays free as a block of its own
                Header* front = h;
                h = header_at(reinterpret_cast<std::uintptr_t>(h) + gap);
                h->size = size_of(front) - gap;
                h->prev_size = gap;
                front->size = gap | kFree;
                push_free(front);
                set_prev_size_of_next(h);
            }
            split(h, need);
            h->size &= ~kFree;
            used_bytes_ += size_of(h);
            ++used_blocks_;
            record(cpu, ActionKind::BuddyAlloc, payload_of(h), touched);
            return reinterpret_cast<void*>(payload_of(h));
        }
        guard.release();
        return fail(cpu);
    }

    void* allocate_pages(CpuId cpu, Order order) {
        return allocate_aligned(cpu, order_bytes(order), order_bytes(order));
    }

    void deallocate(CpuId cpu, void* p, std::size_t) { deallocate(cpu, p); }
    void deallocate_aligned(CpuId cpu, void* p, std::size_t, std::size_t) { deallocate(cpu, p); }
    void free_pages(CpuId cpu, void* p, Order) { deallocate(cpu, p); }

    void deallocate(CpuId cpu, void* p) {
        if (p == nullptr) return;
        Header* h = owned_header(p);
        if (h == nullptr) {
            Action a{ActionKind::InvalidFree, cpu};
            a.address = reinterpret_cast<std::uintptr_t>(p);
            observe(a);
            return;
        }
        Guard guard(*this, cpu);
        record(cpu, ActionKind::BuddyFree, reinterpret_cast<std::uintptr_t>(p), 1);
        used_bytes_ -= size_of(h);
        --used_blocks_;
        h->size |= kFree;
        // Merge with the right neighbour, then with the left one.
        Header* right = next_block(h);
        if (right != nullptr && is_free(right)) {
            unlink_free(right);
            h->size = (size_of(h) + size_of(right)) | kFree;
            record(cpu, ActionKind::BuddyCoalesce, reinterpret_cast<std::uintptr_t>(h), 3);
        }
        if (h->prev_size != 0) {
            Header* left = header_at(reinterpret_cast<std::uintptr_t>(h) - h->prev_size);
            if (is_free(left)) {
                unlink_free(left);
                left->size = (size_of(left) + size_of(h)) | kFree;
                h = left;
                record(cpu, ActionKind::BuddyCoalesce, reinterpret_cast<std::uintptr_t>(h), 3);
            }
        }
        set_prev_size_of_next(h);
        push_free(h);
    }

    // In place while the new size fits and wastes at most half of the block, or the
    // block is a minimal one. Sizes passed to deallocate are ignored, so any size goes.
    void* reallocate(CpuId cpu, void* p, std::size_t new_size) {
        const std::size_t usable = p == nullptr ? 0 : usable_size(p);
        const bool in_place = new_size <= usable && (new_size > usable / 2 || usable <= kMinBlock - kHeader);
        return reallocate_in(*this, cpu, p, new_size, usable, in_place);
    }

    std::size_t usable_size(const void* p) const {
        const Header* h = owned_header(p);
        return h == nullptr ? 0 : size_of(h) - kHeader;
    }

    // Nothing is cached per CPU; these exist so generic code can call them.
    void drain_cache(CpuId) {}
    void collect_remote(CpuId) {}
    void quiesce() {}

    Observer& observer() { return observer_; }
    const Observer& observer() const { return observer_; }

    MemoryStats memory_stats() const {
        MemoryStats s;
        s.region_bytes = region_bytes_;
        s.unusable_bytes = region_bytes_ - (end_ - begin_);
        for (const Header* h = header_at(begin_); h != nullptr; h = next_block(h)) {
            if (is_free(h)) s.buddy_free_bytes += size_of(h);
            else {
                s.block_bytes += size_of(h) - kHeader;
                s.metadata_bytes += kHeader;
            }
        }
        return s;
    }

    // The footprint up to `high_water` (the end of the highest block ever handed out,
    // as mdriver measures a heap) by where it is: headers, payloads and the free
    // blocks below it. O(1), from the counters. REQUIRES: high_water >= every used block's end.
    FootprintParts footprint_parts(std::uintptr_t high_water) const {
        FootprintParts f;
        f.metadata_bytes = kHeader * used_blocks_ + (begin_ - region_);
        f.object_bytes = used_bytes_ - kHeader * used_blocks_;
        f.heap_free_bytes = high_water - begin_ - used_bytes_;
        return f;
    }

    CheckResult check() const {
        std::uint64_t free_blocks = 0;
        std::size_t used = 0, used_blocks = 0;  // against the counters
        std::uintptr_t prev_size = 0;
        bool prev_free = false;
        std::uintptr_t a = begin_;
        while (a < end_) {
            const Header* h = header_at(a);
            const std::size_t size = size_of(h);
            if (size < kMinBlock || size % 16 != 0 || a + size > end_)
                return CheckResult::fail("block size out of range", a, end_ - a, size);
            if (h->prev_size != prev_size) return CheckResult::fail("boundary tag differs from left neighbour", a, prev_size, h->prev_size);
            if (is_free(h) && prev_free) return CheckResult::fail("two adjacent free blocks (missed coalesce)", a);
            if (is_free(h)) ++free_blocks;
            else {
                used += size;
                ++used_blocks;
            }
            prev_free = is_free(h);
            prev_size = size;
            a += size;
        }
        if (a != end_) return CheckResult::fail("blocks do not tile the region", a);
        std::uint64_t listed = 0;
        const Header* prev = nullptr;
        for (const Header* h = free_head_; h != nullptr; h = link(h).next) {
            if (!is_free(h)) return CheckResult::fail("free list holds a used block", reinterpret_cast<std::uintptr_t>(h));
            if (link(h).prev != prev) return CheckResult::fail("free list prev link broken", reinterpret_cast<std::uintptr_t>(h));
            if (++listed > free_blocks) break;
            prev = h;
        }
        if (listed != free_blocks) return CheckResult::fail("free list length differs from free blocks", 0, free_blocks, listed);
        if (used != used_bytes_ || used_blocks != used_blocks_)
            return CheckResult::fail_named("used-block counters differ from the blocks", 0, "bytes in used blocks", used,
                                           "bytes counted", used_bytes_);
        return CheckResult{};
    }

private:
    static constexpr std::size_t kFree = 1;

    struct Header {
        std::size_t size;       // whole block, header included; bit 0: free
        std::size_t prev_size;  // left neighbour's size, 0 for the first block
    };
    struct Links {
        Header* next;
        Header* prev;
    };

    class Guard {
    public:
        Guard(LinkedListAllocator& a, CpuId cpu) : a_(a) {
            bool contended = false;
            if (!a_.lock_.try_lock()) {
                contended = true;
                a_.lock_.lock();
            }
            Action act{ActionKind::LockAcquire, cpu};
            act.lock = LockId::BuddyGlobal;
            act.contended = contended;
            a_.observe(act);
        }
        ~Guard() { release(); }
        void release() {
            if (held_) a_.lock_.unlock();
            held_ = false;
        }
    private:
        LinkedListAllocator& a_;
        bool held_ = true;
    };

    static Header* header_at(std::uintptr_t a) { return reinterpret_cast<Header*>(a); }
    static std::uintptr_t payload_of(const Header* h) { return reinterpret_cast<std::uintptr_t>(h) + kHeader; }
    static std::size_t size_of(const Header* h) { return h->size & ~kFree; }
    static bool is_free(const Header* h) { return (h->size & kFree) != 0; }
    static Links& link(Header* h) { return *reinterpret_cast<Links*>(payload_of(h)); }
    static const Links& link(const Header* h) { return *reinterpret_cast<const Links*>(payload_of(h)); }
    static std::size_t block_size_for(std::size_t size) {
        const std::size_t b = align_up(size + kHeader, 16);
        return b < kMinBlock ? kMinBlock : b;
    }

    Header* next_block(const Header* h) const {
        const std::uintptr_t n = reinterpret_cast<std::uintptr_t>(h) + size_of(h);
        return n < end_ ? header_at(n) : nullptr;
    }
    void set_prev_size_of_next(const Header* h) {
        if (Header* n = next_block(h)) n->prev_size = size_of(h);
    }

    // The header of a used block whose payload starts at p, or null.
    const Header* owned_header(const void* p) const {
        const std::uintptr_t a = reinterpret_cast<std::uintptr_t>(p);
        if (a < begin_ + kHeader || a >= end_ || a % 16 != 0) return nullptr;
        const Header* h = header_at(a - kHeader);
        if (is_free(h) || size_of(h) < kMinBlock || a - kHeader + size_of(h) > end_) return nullptr;
        return h;
    }
    Header* owned_header(const void* p) {
        return const_cast<Header*>(static_cast<const LinkedListAllocator*>(this)->owned_header(p));
    }

    // Cuts h down to `need` bytes when the rest can stand as a free block.
    void split(Header* h, std::size_t need) {
        const std::size_t size = size_of(h);
        if (size - need < kMinBlock) return;
        Header* rest = header_at(reinterpret_cast<std::uintptr_t>(h) + need);
        rest->size = (size - need) | kFree;
        rest->prev_size = need;
        h->size = need | (h->size & kFree);
        set_prev_size_of_next(rest);
        push_free(rest);
    }

    void push_free(Header* h) {
        link(h).prev = nullptr;
        link(h).next = free_head_;
        if (free_head_ != nullptr) link(free_head_).prev = h;
        free_head_ = h;
    }
    void unlink_free(Header* h) {
        Links& l = link(h);
        if (l.prev != nullptr) link(l.prev).next = l.next;
        else free_head_ = l.next;
        if (l.next != nullptr) link(l.next).prev = l.prev;
    }

    void* fail(CpuId cpu) {
        observe(Action{ActionKind::AllocFailure, cpu});
        return nullptr;
    }
    void record(CpuId cpu, ActionKind kind, std::uintptr_t address, std::uint32_t nodes) {
        Action a{kind, cpu};
        a.address = address;
        a.nodes = nodes;
        observe(a);
    }
    void observe(const Action& a) {
        if constexpr (Observer::kEnabled) observer_.record(a);
    }

    std::uintptr_t region_ = 0;       // const
    std::size_t region_bytes_ = 0;    // const
    std::uintptr_t begin_ = 0;        // const: first block
    std::uintptr_t end_ = 0;          // const: one past the last block
    std::uint32_t cpus_ = 1;          // const
    Header* free_head_ = nullptr;     // guarded by lock_
    std::size_t used_bytes_ = 0;      // guarded by lock_: sizes (headers included) of the used blocks
    std::size_t used_blocks_ = 0;     // guarded by lock_
    typename Platform::Lock lock_;
    Observer observer_;
};

}  // namespace allocsim
