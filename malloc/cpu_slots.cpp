#include "malloc/cpu_slots.h"

#include <pthread.h>

#include <atomic>

#include "malloc/process_heap.h"

namespace allocsim::malloc_lib {

constinit thread_local int CpuSlots::t_slot __attribute__((tls_model("initial-exec"))) = -1;
HostPlatform::Lock CpuSlots::shared_locks_[kSharedSlots];

namespace {

// Bit s: owned slot s is taken. (kOwnedSlots <= 64.)
std::atomic<std::uint64_t> g_taken{0};
static_assert(kOwnedSlots <= 64);

pthread_key_t g_key;
std::atomic<bool> g_key_made{false};
HostPlatform::Lock g_key_lock;

void make_key();

}  // namespace

// At a thread's exit (the key's destructor): its cache drains into the slabs, and an
// owned slot is free for the next thread. A later malloc in the same exit (another
// key's destructor) claims a slot again, and this runs again.
void release_slot(void*) {
    const int s = CpuSlots::t_slot;
    if (s < 0) return;
    const auto slot = static_cast<std::uint32_t>(s);
    if (CpuSlots::shared(slot)) {
        HostPlatform::Lock& lock = CpuSlots::lock(slot);
        lock.lock();
        ProcessHeap::drain_slot(slot);
        lock.unlock();
    } else {
        ProcessHeap::drain_slot(slot);
        g_taken.fetch_and(~(std::uint64_t{1} << slot), std::memory_order_release);
    }
    CpuSlots::t_slot = -1;
}

namespace {

void make_key() {
    g_key_lock.lock();
    if (!g_key_made.load(std::memory_order_acquire)) {
        pthread_key_create(&g_key, &release_slot);
        g_key_made.store(true, std::memory_order_release);
    }
    g_key_lock.unlock();
}

}  // namespace

std::uint32_t CpuSlots::claim() {
    if (!g_key_made.load(std::memory_order_acquire)) make_key();
    std::uint32_t slot = kSlots;
    std::uint64_t taken = g_taken.load(std::memory_order_relaxed);
    const std::uint64_t all = kOwnedSlots == 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << kOwnedSlots) - 1;
    while ((taken & all) != all) {
        const auto free = static_cast<std::uint32_t>(__builtin_ctzll(~taken & all));
        if (g_taken.compare_exchange_weak(taken, taken | (std::uint64_t{1} << free), std::memory_order_acquire,
                                          std::memory_order_relaxed)) {
            slot = free;
            break;
        }
    }
    if (slot == kSlots) {
        // Every owned slot taken: share one, by the thread's id.
        const auto id = reinterpret_cast<std::uintptr_t>(pthread_self());
        slot = kOwnedSlots + static_cast<std::uint32_t>((id >> 12) % kSharedSlots);
    }
    t_slot = static_cast<int>(slot);
    // A non-null value, so that the destructor runs at the thread's exit.
    pthread_setspecific(g_key, reinterpret_cast<void*>(std::uintptr_t{1}));
    return slot;
}

std::uint32_t CpuSlots::owned_in_use() {
    return static_cast<std::uint32_t>(__builtin_popcountll(g_taken.load(std::memory_order_relaxed)));
}

}  // namespace allocsim::malloc_lib
