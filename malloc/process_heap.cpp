#include "malloc/process_heap.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <new>

#include "alloc/assert.h"
#include "alloc/counting_observer.h"
#include "alloc/hybrid_allocator.h"
#include "alloc/hybrid_allocator_check.h"
#include "malloc/cpu_slots.h"
#include "malloc/heap_settings.h"
#include "malloc/malloc_platform.h"

extern "C" {
void __libc_free(void*);
void* __libc_realloc(void*, size_t);
}

namespace allocsim::malloc_lib {


namespace {

// ALLOCSIM_STATS: every action counted by its CPU slot (a slot has one thread at a
// time, or is locked: plain counters), and the peak footprint sampled when blocks
// leave the buddy.
bool g_stats = false;
ActionCounts g_counts[kSlots];
std::atomic<std::uint64_t> g_peak_footprint{0};
std::atomic<std::uint64_t> g_released_bytes{0};  // given back to the system (maybe_release)
void note_footprint();

// The invalid free aborts; with ALLOCSIM_STATS every action counts; without, every
// other action compiles down to one predictable branch.
// Set when an operation gave blocks back to the buddy: the free path then sees whether
// the free max-order blocks are due to go back to the system (maybe_release()).
thread_local bool t_gave_back __attribute__((tls_model("initial-exec"))) = false;

struct MallocObserver {
    static constexpr bool kEnabled = true;
    ALLOCSIM_ALWAYS_INLINE void record(const Action& a) {
        if (a.kind == ActionKind::InvalidFree) [[unlikely]]
            die("free(): invalid pointer", reinterpret_cast<const void*>(a.address));
        if (a.kind == ActionKind::BuddyFree || a.kind == ActionKind::LargeFree) [[unlikely]] t_gave_back = true;
        if (g_stats) [[unlikely]] {
            ActionCounts& c = g_counts[index_of(a.cpu) % kSlots];
            const auto k = static_cast<int>(a.kind);
            ++c.count[k];
            c.objects[k] += a.objects;
            c.nodes[k] += a.nodes;
            if (a.kind == ActionKind::BuddyAlloc || a.kind == ActionKind::LargeAlloc) note_footprint();
        }
    }
};

using Core = HybridAllocator<MallocObserver, MallocPlatform>;

alignas(64) unsigned char g_storage[sizeof(Core)];
// The heap, once made (g_ready): the core in g_storage.
ALLOCSIM_ALWAYS_INLINE Core& made_core() { return *std::launder(reinterpret_cast<Core*>(g_storage)); }

void note_footprint() {
    const std::uint64_t now = made_core().footprint_bytes();
    std::uint64_t peak = g_peak_footprint.load(std::memory_order_relaxed);
    while (now > peak && !g_peak_footprint.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
    }
}

// A line on stderr (write(2), a stack buffer: the heap may be in any state at exit).
void say(const char* format, ...) __attribute__((format(printf, 1, 2)));
void say(const char* format, ...) {
    char line[512];
    va_list args;
    va_start(args, format);
    const int n = vsnprintf(line, sizeof line, format, args);
    va_end(args);
    if (n > 0) {
        const ssize_t ignored = write(2, line, static_cast<std::size_t>(n < static_cast<int>(sizeof line) ? n : sizeof line - 1));
        static_cast<void>(ignored);
    }
}

// "97.3": a ratio in thousandths, without floating point.
struct Permille {
    unsigned long whole, tenth;
};
Permille percent(std::uint64_t part, std::uint64_t all) {
    const std::uint64_t pm = all == 0 ? 0 : part * 1000 / all;
    return {static_cast<unsigned long>(pm / 10), static_cast<unsigned long>(pm % 10)};
}

// ALLOCSIM_STATS=1: at exit, what the core did and where its memory is, like
// MIMALLOC_SHOW_STATS. Read while other threads may still run: their last counts may
// be missing.
void print_stats() {
    ActionCounts all;
    for (const ActionCounts& c : g_counts) all.add(c);
    const auto n = [&](ActionKind k) { return static_cast<unsigned long long>(all[k]); };
    const auto objects = [&](ActionKind k) { return static_cast<unsigned long long>(all.objects[static_cast<int>(k)]); };
    const std::uint64_t hits = all[ActionKind::CacheHit], misses = all[ActionKind::CacheMiss];
    const std::uint64_t frees = all[ActionKind::CacheFree], full = all[ActionKind::CacheFull];
    const Permille hit = percent(hits, hits + misses), free_hit = percent(frees, frees + full);
    const FootprintParts f = made_core().footprint_parts();
    const auto b = [](std::size_t x) { return static_cast<unsigned long long>(x); };
    say("allocsim-malloc: stats (ALLOCSIM_STATS), pid %d\n", static_cast<int>(getpid()));
    say("  thread cache  alloc hits %llu, misses %llu: hit rate %lu.%lu%%; frees to the cache %llu, to a full bin %llu: %lu.%lu%%\n",
        static_cast<unsigned long long>(hits), static_cast<unsigned long long>(misses), hit.whole, hit.tenth,
        static_cast<unsigned long long>(frees), static_cast<unsigned long long>(full), free_hit.whole, free_hit.tenth);
    say("  slabs         refills %llu (%llu objects), drains %llu (%llu objects), runs carved %llu, runs returned %llu, "
        "remote frees %llu, remote collects %llu\n",
        n(ActionKind::Refill), objects(ActionKind::Refill), n(ActionKind::Drain), objects(ActionKind::Drain),
        n(ActionKind::SlabCarve), n(ActionKind::PageReturn), n(ActionKind::RemoteFree), n(ActionKind::RemoteCollect));
    say("  buddy         blocks out %llu, back %llu, splits %llu, coalesces %llu, large runs out %llu, back %llu, "
        "failed allocations %llu\n",
        n(ActionKind::BuddyAlloc), n(ActionKind::BuddyFree), n(ActionKind::BuddySplit), n(ActionKind::BuddyCoalesce),
        n(ActionKind::LargeAlloc), n(ActionKind::LargeFree), n(ActionKind::AllocFailure));
    say("  threads       slots owned now %u of %u (%u more shared)\n", CpuSlots::owned_in_use(), kOwnedSlots, kSharedSlots);
    say("  system        %llu B of free blocks given back (madvise), in all\n",
        static_cast<unsigned long long>(g_released_bytes.load()));
    say("  footprint     peak %llu B, now %llu B, of which: objects handed out %llu, page runs handed out %llu, "
        "in the caches %llu, free in partial runs %llu, remote pending %llu, run tails %llu, metadata %llu\n",
        static_cast<unsigned long long>(g_peak_footprint.load()), b(f.total()), b(f.object_bytes), b(f.page_bytes),
        b(f.cached_bytes), b(f.partial_free_bytes), b(f.remote_pending_bytes), b(f.run_tail_bytes), b(f.metadata_bytes));
}
std::uintptr_t g_begin = 0, g_end = 0;  // the region
std::atomic<bool> g_ready{false};       // the core is made (under g_init_lock)
// Written into a freed object's second word, cleared when an object is handed out: a
// free that finds it there is a double free (glibc's tcache key, in the same place).
// The core uses a free object's first word only (its free-list link), and every class
// of this heap is at least 16 bytes (the table below), so the second is the object's.
std::uint64_t g_free_key = 0;
// The default classes (size_classes.h) without 8: every object 16-byte aligned, as
// glibc's (max_align_t), and room for the key; and with 4608, a 4 KiB page and its
// header, which page caches allocate: SQLite's ~4.3 KB page buffers filled the 6144
// class to 70%, and the sqlite3 workload ran 5% faster with this class
// (docs/BENCHMARKS.md, "The core as a process's malloc").
constexpr std::uint32_t kClasses[] = {16,   32,   48,   64,   96,   128,  192,  256,   384,   512,  768,
                                      1024, 1536, 2048, 3072, 4096, 4608, 6144, 8192, 12288, 16384};
constexpr std::uint32_t kClassCount = sizeof(kClasses) / sizeof(kClasses[0]);
HostPlatform::Lock g_init_lock;

[[noreturn]] void assert_handler(const char* expr, const char*, int, std::uint64_t, std::uint64_t, bool) {
    die(expr, nullptr);
}

void before_fork() {
    for (std::uint32_t s = kOwnedSlots; s < kSlots; ++s) CpuSlots::lock(s).lock();
    made_core().buddy().lock_all();
}
void after_fork_parent() {
    made_core().buddy().unlock_all();
    for (std::uint32_t s = kOwnedSlots; s < kSlots; ++s) CpuSlots::lock(s).unlock();
}
// The child's other threads are gone, and what they left in their slots' caches
// (maybe half an operation) is unknown: their slots stay taken, never reused
// (cpu_slots.h); the calling thread keeps its own.
void after_fork_child() { after_fork_parent(); }

void make() {
    g_init_lock.lock();
    if (g_ready.load(std::memory_order_acquire)) {
        g_init_lock.unlock();
        return;
    }
    set_assert_handler(&assert_handler);
    HeapSettings settings;
    if (const char* error = settings.apply(getenv("ALLOCSIM_SET"))) die(error, nullptr);
    AllocatorConfig config = settings.config;
    config.cpus = kSlots;
    config.initial_region_bytes = std::size_t{64} << 20;
    const bool chosen = settings.region_bytes != 0;
    if (!chosen) {
        // The machine's memory, and at least 64 GiB: untouched, a reservation costs
        // nothing (MAP_NORESERVE), and a program may want more than RAM (swap).
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        const std::size_t machine = pages > 0 && page > 0 ? static_cast<std::size_t>(pages) * static_cast<std::size_t>(page) : 0;
        settings.region_bytes = machine > (std::size_t{64} << 30) ? machine : std::size_t{64} << 30;
    }
    if (config.size_classes == nullptr) {  // else ALLOCSIM_SET's (copied by the core's init)
        config.size_classes = kClasses;
        config.size_class_count = kClassCount;
    }
    {
        // Not guessable by the program (a value it writes cannot pass for the key by
        // design), and never 0.
        std::uint64_t x = HostPlatform::cycles() ^ reinterpret_cast<std::uintptr_t>(&settings) ^
                          (static_cast<std::uint64_t>(getpid()) << 32);
        x += 0x9e3779b97f4a7c15ull;
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
        g_free_key = (x ^ (x >> 31)) | 1;
    }
    const std::size_t align = std::size_t{kPageSize} << config.buddy_max_order;
    std::size_t reserve = settings.region_bytes + align;
    void* m = mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    // Strict overcommit (vm.overcommit_memory=2) counts a reservation as if used: a
    // smaller one, unless the size was chosen.
    while (m == MAP_FAILED && !chosen && settings.region_bytes > (std::size_t{256} << 20)) {
        settings.region_bytes /= 2;
        reserve = settings.region_bytes + align;
        m = mmap(nullptr, reserve, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    }
    if (m == MAP_FAILED) die("cannot reserve the heap's region (mmap failed; ALLOCSIM_SET=region=... smaller?)", nullptr);
    const std::uintptr_t base = (reinterpret_cast<std::uintptr_t>(m) + align - 1) / align * align;
    Core* core = new (g_storage) Core();
    if (const InitError e = core->init(reinterpret_cast<void*>(base), settings.region_bytes, config); e != InitError::None) {
        static char why[160];  // no allocation here: a static line
        snprintf(why, sizeof why, "ALLOCSIM_SET: the core refused its configuration: %s", init_error_name(e));
        die(why, nullptr);
    }
    g_begin = base;
    g_end = base + settings.region_bytes;
    const char* stats = getenv("ALLOCSIM_STATS");
    g_stats = stats != nullptr && stats[0] != '\0' && !(stats[0] == '0' && stats[1] == '\0');
    g_ready.store(true, std::memory_order_release);
    g_init_lock.unlock();
    // After the heap is ready: pthread_atfork and atexit may allocate.
    pthread_atfork(&before_fork, &after_fork_parent, &after_fork_child);
    if (g_stats) atexit(&print_stats);
}

ALLOCSIM_ALWAYS_INLINE Core& core() {
    if (!g_ready.load(std::memory_order_acquire)) [[unlikely]] make();
    return made_core();
}

class SlotGuard {
public:
    explicit SlotGuard(HostPlatform::Lock* lock) : lock_(lock) {
        if (lock_ != nullptr) lock_->lock();
    }
    ~SlotGuard() {
        if (lock_ != nullptr) lock_->unlock();
    }
    SlotGuard(const SlotGuard&) = delete;
    SlotGuard& operator=(const SlotGuard&) = delete;

private:
    HostPlatform::Lock* lock_;
};

// Runs f(cpu) on the calling thread's slot, under the slot's lock if it is shared.
template <class F>
ALLOCSIM_ALWAYS_INLINE decltype(auto) on_slot(F&& f) {
    const std::uint32_t slot = CpuSlots::current();
    const SlotGuard guard(CpuSlots::shared(slot) ? &CpuSlots::lock(slot) : nullptr);
    return f(CpuId{static_cast<std::uint16_t>(slot)});
}

using UsableSizeFn = size_t (*)(void*);

// Fully free max-order blocks go back to the system (madvise(MADV_DONTNEED): the
// pages stay reserved and read as zero when used again), with a decay: at most once a
// second, and the kKeptBlocks most recently freed stay, since a program that just
// freed a block is likely to want one again. It runs on a free that gave blocks back
// to the buddy, after the core's call, holding every buddy lock (lock_all), so no
// block it releases can be taken meanwhile; the free lists live in the descriptors,
// not in the blocks, so their contents are nobody's.
constexpr std::uint32_t kKeptBlocks = 8;
constexpr std::uint64_t kDecayNs = 1'000'000'000;
std::atomic<std::uint64_t> g_last_release_ns{0};

std::uint64_t now_ns() {
    timespec t{};
    clock_gettime(CLOCK_MONOTONIC_COARSE, &t);
    return static_cast<std::uint64_t>(t.tv_sec) * 1'000'000'000ull + static_cast<std::uint64_t>(t.tv_nsec);
}

ALLOCSIM_ALWAYS_INLINE void maybe_release() {
    if (!t_gave_back) [[likely]] return;
    t_gave_back = false;
    const std::uint64_t now = now_ns();
    std::uint64_t last = g_last_release_ns.load(std::memory_order_relaxed);
    if (now - last < kDecayNs || !g_last_release_ns.compare_exchange_strong(last, now, std::memory_order_relaxed)) return;
    auto& buddy = made_core().buddy();
    const std::size_t bytes = order_bytes(buddy.max_order());
    buddy.lock_all();
    std::uint32_t seen = 0;
    std::uint64_t released = 0;
    buddy.for_each_free_block(buddy.max_order(), [&](void* block) {
        if (seen++ < kKeptBlocks) return;
        if (madvise(block, bytes, MADV_DONTNEED) == 0) released += bytes;
    });
    buddy.unlock_all();
    g_released_bytes.fetch_add(released, std::memory_order_relaxed);
}

// An object handed out: its second word is the program's now.
ALLOCSIM_ALWAYS_INLINE void* handed_out(void* p) {
    if (p != nullptr) static_cast<std::uint64_t*>(p)[1] = 0;
    return p;
}

// An object about to be freed: a double free if it carries the key; else it does now.
// (Before the core takes it: after, another thread may already have it.)
ALLOCSIM_ALWAYS_INLINE void mark_freed(void* p) {
    std::uint64_t& word = static_cast<std::uint64_t*>(p)[1];
    if (word == g_free_key) [[unlikely]] die("free(): double free detected", p);
    word = g_free_key;
}

}  // namespace

void die(const char* what, const void* p) {
    char line[256];
    std::size_t n = 0;
    const auto put = [&](const char* s) {
        while (*s != '\0' && n < sizeof line - 2) line[n++] = *s++;
    };
    put("allocsim-malloc: ");
    put(what);
    if (p != nullptr) {
        put(" 0x");
        char hex[17];
        std::uintptr_t v = reinterpret_cast<std::uintptr_t>(p);
        int k = 16;
        hex[k] = '\0';
        do {
            hex[--k] = "0123456789abcdef"[v & 15];
            v >>= 4;
        } while (v != 0);
        put(hex + k);
    }
    line[n++] = '\n';
    const ssize_t ignored = write(2, line, n);
    static_cast<void>(ignored);
    abort();
}

bool ProcessHeap::owns(const void* p) {
    return reinterpret_cast<std::uintptr_t>(p) - g_begin < g_end - g_begin;  // one compare: below g_begin wraps
}

// The fast paths serve a thread that owns its slot, once the heap is made: no lock,
// no call but the core's own slow paths, so no stack frame. Everything else (the
// heap's first call, a thread's first call, a shared slot, a foreign pointer, null,
// an allocation that failed) takes the slow path, out of line, which is the general
// code. A thread has a slot only once the heap is made (on_slot runs after core()).

namespace {

// The calling thread's slot, below kOwnedSlots if it owns one (none is -1: above).
ALLOCSIM_ALWAYS_INLINE std::uint32_t owned_slot() { return static_cast<std::uint32_t>(CpuSlots::current_or_none()); }


ALLOCSIM_NOINLINE void* allocate_slow(std::size_t size) {
    Core& c = core();
    void* p = on_slot([&](CpuId cpu) { return c.allocate(cpu, size == 0 ? 1 : size); });
    if (p == nullptr) [[unlikely]] errno = ENOMEM;
    return handed_out(p);
}

}  // namespace

void* ProcessHeap::allocate(std::size_t size) {
    const std::uint32_t slot = owned_slot();
    if (slot < kOwnedSlots) [[likely]] {
        void* p = made_core().allocate(CpuId{static_cast<std::uint16_t>(slot)}, size + (size == 0));
        if (p != nullptr) [[likely]] return handed_out(p);
    }
    return allocate_slow(size);
}

void* ProcessHeap::allocate_aligned(std::size_t size, std::size_t align) {
    if (align <= 8) return allocate(size);
    Core& c = core();
    void* p = on_slot([&](CpuId cpu) { return c.allocate_aligned(cpu, size == 0 ? 1 : size, align); });
    if (p == nullptr) [[unlikely]] errno = ENOMEM;
    return handed_out(p);
}

namespace {

// Every free: glibc's pointers to glibc, the double-free mark, the core's free
// (`give`, on the calling thread's slot), then whether free blocks are due back.
template <class Give>
ALLOCSIM_ALWAYS_INLINE void free_with(void* p, Give&& give) {
    if (p == nullptr) return;
    if (!ProcessHeap::owns(p)) [[unlikely]] {
        __libc_free(p);  // glibc's, from before this heap took over
        return;
    }
    Core& c = core();
    mark_freed(p);
    on_slot([&](CpuId cpu) { give(c, cpu); });
    maybe_release();
}

}  // namespace

namespace {

ALLOCSIM_NOINLINE void free_slow(void* p) {
    free_with(p, [p](Core& c, CpuId cpu) { c.deallocate(cpu, p); });
}

ALLOCSIM_NOINLINE void release_due() { maybe_release(); }

}  // namespace

void ProcessHeap::free(void* p) {
    const std::uint32_t slot = owned_slot();
    if (owns(p) && slot < kOwnedSlots) [[likely]] {
        mark_freed(p);
        made_core().deallocate(CpuId{static_cast<std::uint16_t>(slot)}, p);
        if (t_gave_back) [[unlikely]] release_due();
        return;
    }
    free_slow(p);
}

void ProcessHeap::free_sized(void* p, std::size_t size) {
    free_with(p, [p, size](Core& c, CpuId cpu) { c.deallocate(cpu, p, size == 0 ? 1 : size); });
}

void ProcessHeap::free_aligned(void* p, std::size_t size, std::size_t align) {
    free_with(p, [p, size, align](Core& c, CpuId cpu) {
        if (align <= 8) c.deallocate(cpu, p, size == 0 ? 1 : size);
        else c.deallocate_aligned(cpu, p, size == 0 ? 1 : size, align);
    });
}

void* ProcessHeap::reallocate(void* p, std::size_t size) {
    if (p == nullptr) return allocate(size);
    if (!owns(p)) [[unlikely]] return __libc_realloc(p, size);
    if (size == 0) {  // glibc's realloc(p, 0): frees p, returns null
        free(p);
        return nullptr;
    }
    Core& c = core();
    void* q = on_slot([&](CpuId cpu) { return c.reallocate(cpu, p, size); });
    if (q == nullptr) [[unlikely]] errno = ENOMEM;  // p stays, as realloc's contract says
    // Moved: the core copied min(size, p's usable bytes). Below 16 bytes, what of the
    // second word it did not copy is the new object's stale bytes (maybe the key):
    // zeroed, and not the program's bytes.
    else if (q != p && size < 16) {
        const std::size_t from = size > 8 ? size : 8;
        memset(static_cast<char*>(q) + from, 0, 16 - from);
    }
    maybe_release();
    return q;
}

std::size_t ProcessHeap::usable_size(const void* p) {
    if (p == nullptr) return 0;
    if (!owns(p)) [[unlikely]] {
        static UsableSizeFn glibc = nullptr;
        if (glibc == nullptr) glibc = reinterpret_cast<UsableSizeFn>(dlsym(RTLD_NEXT, "malloc_usable_size"));
        return glibc != nullptr ? glibc(const_cast<void*>(p)) : 0;
    }
    return core().usable_size(p);
}

void ProcessHeap::drain_slot(std::uint32_t slot) {
    if (!g_ready.load(std::memory_order_acquire)) return;
    made_core().drain_cache(CpuId{static_cast<std::uint16_t>(slot)});
}

}  // namespace allocsim::malloc_lib
