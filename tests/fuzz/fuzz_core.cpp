// libFuzzer target: the allocator core (HybridAllocator) against a shadow model.
//
// The input is a configuration followed by up to kMaxOps operations on N CPUs:
// allocate, unsized and sized free, reallocate (to a size read from the input or
// one step across the object's class boundary, up or down, into and out of the
// page and large-run paths), aligned allocate and free, page allocate and free,
// quiesce / drain / collect, and frees of pointers the core does not own. The
// shadow model knows every live block: its requested size, usable size, contents,
// CPU and how it must be freed. It is driven through the public API only, so it
// holds whatever the core does inside. What it checks (a violation prints the op
// index, the op and, for check(), the CheckResult, then aborts):
//
//   * check() is ok after init and after every operation (failed ones included);
//   * memory_stats().live_bytes() is the sum of usable_size() over the live blocks;
//   * a returned block lies in the region, is aligned (8 bytes; `align` for
//     allocate_aligned; its own size for allocate_pages), usable_size() >= the
//     requested size, and its usable range overlaps no other live block's;
//   * contents: every block is filled with its own stamp (its id in the first 8
//     bytes, a pattern byte after); the stamp is intact at free, and after a
//     reallocate the min(old, new) prefix is intact (also when it failed: then the
//     old block must be untouched and still live);
//   * a null return records an AllocFailure action; a free or
//     reallocate of a pointer the core does not own (p + 1 of a live block, a
//     pointer outside the region) records an InvalidFree and changes nothing,
//     and free(null) records nothing;
//   * after quiesce() nothing is cached and nothing is pending remotely;
//   * at the end, once everything is freed and quiesce()d: live bytes 0,
//     footprint 0, and the buddy holds every byte it held after init.
//
// The config knobs come from the first bytes (cpus 1..64, bin capacity, refill
// and drain batches, buddy max order and lock mode, region size and start offset,
// sometimes a custom size-class table). Regions are 64 KiB to 4 MiB (out of
// memory comes quickly) or 6 to 10 MiB (large runs of > 1 MiB objects).
// ALLOCSIM_FUZZ_TRACE=1 in the environment prints every decoded operation, which
// turns a crashing input into a readable reproduction.
#include <cinttypes>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <vector>

#include "alloc/counting_observer.h"
#include "alloc/hybrid_allocator.h"
#include "alloc/platform/host/host_platform.h"

namespace {

using namespace allocsim;
using Hybrid = HybridAllocator<CountingObserver, HostPlatform>;

constexpr std::size_t kMaxOps = 2000;
constexpr std::size_t kMiB = std::size_t{1} << 20;
constexpr std::size_t kMaxOffset = 256 * kPageSize + 256;  // the region's start, from a 2 MiB boundary
constexpr std::size_t kStorage = 10 * kMiB + kMaxOffset;

unsigned char* storage() {
    // aligned_alloc wants a multiple of the alignment.
    static unsigned char* s =
        static_cast<unsigned char*>(std::aligned_alloc(2 * kMiB, (kStorage + 2 * kMiB - 1) / (2 * kMiB) * (2 * kMiB)));
    return s;
}

// Reads the input front to back; past the end every read is 0.
class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}
    bool done() const { return at_ >= size_; }
    std::uint8_t u8() { return at_ < size_ ? data_[at_++] : 0; }
    std::uint32_t u16() { return u8() | std::uint32_t{u8()} << 8; }
    std::uint32_t u24() { return u16() | std::uint32_t{u8()} << 16; }

private:
    const std::uint8_t* data_;
    std::size_t size_;
    std::size_t at_ = 0;
};

bool g_trace = false;

struct Context {
    std::size_t op = 0;       // index of the operation running (0: init)
    char what[256] = "init";  // the operation, decoded
};
Context g_ctx;

[[noreturn]] void vfail(const char* format, va_list args) {
    std::fprintf(stderr, "fuzz_core: op %zu (%s): ", g_ctx.op, g_ctx.what);
    std::vfprintf(stderr, format, args);
    std::fputc('\n', stderr);
    std::abort();
}

[[noreturn]] void fail(const char* format, ...) {
    va_list args;
    va_start(args, format);
    vfail(format, args);
}

void require(bool ok, const char* format, ...) {
    if (ok) return;
    va_list args;
    va_start(args, format);
    vfail(format, args);
}

void describe(const char* format, ...) {
    va_list args;
    va_start(args, format);
    std::vsnprintf(g_ctx.what, sizeof g_ctx.what, format, args);
    va_end(args);
    if (g_trace) std::fprintf(stderr, "op %zu: %s\n", g_ctx.op, g_ctx.what);
}

// How a live block must be freed, from the call that returned it.
enum class How : std::uint8_t {
    Plain,    // allocate/reallocate: deallocate(cpu, p, size) or deallocate(cpu, p)
    Aligned,  // allocate_aligned: deallocate_aligned(cpu, p, size, align) or deallocate(cpu, p)
    Pages,    // allocate_pages: free_pages(cpu, p, order)
};

struct Block {
    std::size_t size;    // requested
    std::size_t usable;  // usable_size() when it was returned
    std::uint64_t id;    // its stamp
    std::uint16_t cpu;   // the CPU that allocated it
    How how;
    std::size_t align;   // Aligned
    unsigned order;      // Pages
    std::size_t slot;    // its index in Shadow::order_
};

// The stamp: byte i of a block is byte i of its id for i < 8, then one pattern byte.
std::uint8_t stamp_byte(std::uint64_t id, std::size_t i) {
    const std::uint64_t mixed = id * 0x9E3779B97F4A7C15ull;
    return i < 8 ? static_cast<std::uint8_t>(mixed >> (8 * i)) : static_cast<std::uint8_t>((mixed >> 56) | 1);
}

void stamp(void* p, std::size_t from, std::size_t to, std::uint64_t id) {
    auto* b = static_cast<unsigned char*>(p);
    for (std::size_t i = from; i < to && i < 8; ++i) b[i] = stamp_byte(id, i);
    if (to > 8 && to > from) {
        const std::size_t start = from > 8 ? from : 8;
        std::memset(b + start, stamp_byte(id, 8), to - start);
    }
}

// The first n bytes hold the stamp of `id`.
bool stamped(const void* p, std::size_t n, std::uint64_t id) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n && i < 8; ++i)
        if (b[i] != stamp_byte(id, i)) return false;
    if (n <= 8) return true;
    // All bytes from 8 on equal to the pattern: the first, and each to its neighbour.
    return b[8] == stamp_byte(id, 8) && (n == 9 || std::memcmp(b + 8, b + 9, n - 9) == 0);
}

// The live blocks, by address, and a vector of them to pick victims from.
class Shadow {
public:
    Shadow(std::uintptr_t begin, std::uintptr_t end) : begin_(begin), end_(end) {}

    bool empty() const { return order_.empty(); }
    std::size_t size() const { return order_.size(); }
    std::size_t usable_sum() const { return usable_sum_; }
    std::uintptr_t pick(std::uint32_t r) const { return order_[r % order_.size()]; }
    const Block& at(std::uintptr_t p) const { return blocks_.at(p); }
    const std::map<std::uintptr_t, Block>& blocks() const { return blocks_; }

    // A block the core just returned: every property a new block must have.
    void add(const Hybrid& a, void* ptr, Block b, std::size_t align, std::uint64_t stamp_from_id = 0,
             std::size_t kept = 0) {
        const auto p = reinterpret_cast<std::uintptr_t>(ptr);
        b.usable = a.usable_size(ptr);
        require(b.usable > 0, "usable_size 0: the core does not own %#" PRIxPTR ", which it returned", p);
        require(b.usable >= b.size, "usable_size %zu < requested %zu at %#" PRIxPTR, b.usable, b.size, p);
        require(p >= begin_ && p + b.usable <= end_ && p + b.usable > p,
                "block %#" PRIxPTR "+%zu outside the region [%#" PRIxPTR ", %#" PRIxPTR ")", p, b.usable, begin_, end_);
        require(p % align == 0, "block %#" PRIxPTR " not aligned to %zu", p, align);
        auto next = blocks_.lower_bound(p);
        if (next != blocks_.end())
            require(p + b.usable <= next->first, "block %#" PRIxPTR "+%zu overlaps live block %#" PRIxPTR "+%zu", p,
                    b.usable, next->first, next->second.usable);
        if (next != blocks_.begin()) {
            auto prev = std::prev(next);
            require(prev->first + prev->second.usable <= p, "block %#" PRIxPTR "+%zu overlaps live block %#" PRIxPTR "+%zu",
                    p, b.usable, prev->first, prev->second.usable);
        }
        // A moved or resized block keeps the stamp of the first `kept` bytes.
        if (kept > 0) {
            require(stamped(ptr, kept, stamp_from_id), "contents of %#" PRIxPTR " lost in the first %zu bytes", p, kept);
            b.id = stamp_from_id;
        }
        stamp(ptr, kept, b.size, b.id);
        b.slot = order_.size();
        order_.push_back(p);
        usable_sum_ += b.usable;
        blocks_.emplace(p, b);
    }

    // Forgets p, after checking its stamp unless the core may already have reused
    // it (after a reallocate moved it); returns what it was.
    Block remove(std::uintptr_t p, bool verify = true) {
        auto it = blocks_.find(p);
        if (it == blocks_.end()) fail("internal: %#" PRIxPTR " not in the shadow", p);
        const Block b = it->second;
        if (verify) this->verify(p);
        blocks_.erase(it);
        if (b.slot + 1 != order_.size()) {
            order_[b.slot] = order_.back();
            blocks_.at(order_[b.slot]).slot = b.slot;
        }
        order_.pop_back();
        usable_sum_ -= b.usable;
        return b;
    }

    void verify(std::uintptr_t p) const {
        const Block& b = at(p);
        require(stamped(reinterpret_cast<void*>(p), b.size, b.id), "contents of %#" PRIxPTR " (%zu bytes) changed", p,
                b.size);
    }

private:
    std::uintptr_t begin_, end_;
    std::map<std::uintptr_t, Block> blocks_;
    std::vector<std::uintptr_t> order_;
    std::size_t usable_sum_ = 0;
};

void require_valid(const Hybrid& a, const Shadow& shadow) {
    const CheckResult r = a.check();
    if (!r.ok)
        fail("check() failed: %s at %#" PRIxPTR " (%s %" PRIu64 ", %s %" PRIu64 ")", r.what, r.address,
             r.expected_name, r.expected, r.actual_name, r.actual);
    const std::size_t live = a.memory_stats().live_bytes();
    require(live == shadow.usable_sum(), "memory_stats().live_bytes() %zu, but the live blocks' usable sizes sum to %zu",
            live, shadow.usable_sum());
}

class Fuzz {
public:
    Fuzz(Input& in, Hybrid& a, const AllocatorConfig& config, std::uintptr_t begin, std::uintptr_t end)
        : in_(in), a_(a), config_(config), region_bytes_(end - begin), shadow_(begin, end) {}

    void run() {
        require_valid(a_, shadow_);
        const std::size_t buddy_free = a_.memory_stats().buddy_free_bytes;
        for (g_ctx.op = 1; g_ctx.op <= kMaxOps && !in_.done(); ++g_ctx.op) {
            step();
            require_valid(a_, shadow_);
        }
        // Everything back, through the free each block allows.
        describe("free every live block, quiesce");
        while (!shadow_.empty()) {
            const std::uintptr_t p = shadow_.pick(0);
            const Block b = shadow_.remove(p);
            free_block(CpuId{static_cast<std::uint16_t>(b.id % config_.cpus)}, p, b, b.id % 2 == 0);
        }
        a_.quiesce();
        require_valid(a_, shadow_);
        const MemoryStats s = a_.memory_stats();
        require(s.live_bytes() == 0 && s.footprint_bytes() == 0 && s.cached_bytes == 0 && s.remote_pending_bytes == 0,
                "after freeing everything: live %zu, footprint %zu, cached %zu, remote %zu bytes", s.live_bytes(),
                s.footprint_bytes(), s.cached_bytes, s.remote_pending_bytes);
        require(s.buddy_free_bytes == buddy_free, "after freeing everything the buddy holds %zu bytes, at init %zu",
                s.buddy_free_bytes, buddy_free);
    }

private:
    enum Op : std::uint8_t {
        kAlloc, kAlloc2, kFree, kSizedFree, kRealloc, kReallocStep, kAligned, kPages, kMaintain, kInvalid, kOpCount
    };

    CpuId cpu() { return CpuId{static_cast<std::uint16_t>(in_.u8() % config_.cpus)}; }

    std::uint64_t failures() const { return a_.observer().total()[ActionKind::AllocFailure]; }
    std::uint64_t invalid_frees() const { return a_.observer().total()[ActionKind::InvalidFree]; }

    // A size near a boundary: a class's size +-1, the largest class, a buddy block,
    // a multiple of 1 MiB; or anything small, mid-size, or far too large.
    std::size_t size() {
        const SizeClassTable& t = a_.size_classes();
        const std::uint8_t kind = in_.u8();
        const std::uint8_t arg = in_.u8();
        const int delta = static_cast<int>(kind >> 4) % 3 - 1;  // -1, 0, +1
        switch (kind % 8) {
            case 0: return t.size(SizeClass{static_cast<std::uint8_t>(arg % t.count())}) + delta;
            case 1: return (arg | std::size_t{in_.u8()} << 8) % (t.max_size() + 64);
            case 2: return t.max_size() + (arg % 9) - 4;
            case 3: return (kPageSize << (arg % 12)) + delta;
            case 4: {
                static constexpr long kAround[] = {-4096, -1, 0, 1, 4096};
                return (1 + arg % 4) * kMiB + kAround[(kind >> 4) % 5];
            }
            case 5: return t.max_size() + 1 + in_.u24() % (3 * kMiB);
            case 6: {
                // Far too large: must fail without harm, whatever the arithmetic.
                static constexpr std::size_t kHuge[] = {SIZE_MAX, SIZE_MAX - 1, SIZE_MAX - 4095, SIZE_MAX - 4096,
                                                        SIZE_MAX - kMiB, SIZE_MAX / 2 + 1, std::size_t{1} << 52,
                                                        (std::size_t{1} << 52) + 1, std::size_t{1} << 40};
                if (arg % 2 == 0) return region_bytes_ + delta;
                return kHuge[(arg / 2) % (sizeof kHuge / sizeof kHuge[0])];
            }
            default: return arg % 17;
        }
    }

    void step() {
        const std::uint8_t op = in_.u8();
        const CpuId on = cpu();
        const unsigned c = index_of(on);
        switch (op % kOpCount) {
            case kAlloc:
            case kAlloc2: {
                const std::size_t n = size();
                describe("cpu %u allocate(%zu)", c, n);
                const std::uint64_t before = failures();
                void* p = a_.allocate(on, n);
                if (p == nullptr) return require(failures() > before, "null without an AllocFailure action");
                shadow_.add(a_, p, Block{n, 0, next_id_++, static_cast<std::uint16_t>(c), How::Plain, 0, 0, 0},
                            kMinAlignment);
                return;
            }
            case kFree:
            case kSizedFree: {
                if (shadow_.empty()) return describe("cpu %u free: nothing live", c);
                const std::uintptr_t p = shadow_.pick(in_.u16());
                const bool sized = op % kOpCount == kSizedFree;
                const Block& b = shadow_.at(p);
                describe("cpu %u %s free of %#" PRIxPTR " (size %zu, %s)", c, sized ? "sized" : "unsized", p, b.size,
                         b.how == How::Plain ? "allocate" : b.how == How::Aligned ? "allocate_aligned" : "pages");
                free_block(on, p, shadow_.remove(p), sized);
                return;
            }
            case kRealloc:
            case kReallocStep: {
                if (shadow_.empty()) {
                    const std::size_t n = size();
                    describe("cpu %u reallocate(null, %zu)", c, n);
                    const std::uint64_t before = failures();
                    void* q = a_.reallocate(on, nullptr, n);
                    if (q == nullptr) return require(failures() > before, "null without an AllocFailure action");
                    shadow_.add(a_, q, Block{n, 0, next_id_++, static_cast<std::uint16_t>(c), How::Plain, 0, 0, 0},
                                kMinAlignment);
                    return;
                }
                const std::uintptr_t p = shadow_.pick(in_.u16());
                const Block b = shadow_.at(p);
                if (b.how == How::Pages) {
                    // Page blocks are not reallocated: free them instead.
                    describe("cpu %u free_pages(%#" PRIxPTR ", %u)", c, p, b.order);
                    free_block(on, p, shadow_.remove(p), true);
                    return;
                }
                const std::size_t n = op % kOpCount == kRealloc ? size() : step_size(b);
                describe("cpu %u reallocate(%#" PRIxPTR ", %zu -> %zu, usable %zu)", c, p, b.size, n, b.usable);
                reallocate(on, p, n);
                return;
            }
            case kAligned: {
                const std::size_t n = size();
                const std::uint8_t a = in_.u8();
                const std::size_t align = std::size_t{1} << (a < 250 ? a % 22 : a % 64);
                describe("cpu %u allocate_aligned(%zu, %zu)", c, n, align);
                const std::uint64_t before = failures();
                void* p = a_.allocate_aligned(on, n, align);
                if (p == nullptr) return require(failures() > before, "null without an AllocFailure action");
                shadow_.add(a_, p, Block{n, 0, next_id_++, static_cast<std::uint16_t>(c), How::Aligned, align, 0, 0},
                            align < kMinAlignment ? kMinAlignment : align);
                return;
            }
            case kPages: {
                const unsigned k = in_.u8() % (config_.buddy_max_order + 3);
                describe("cpu %u allocate_pages(%u)", c, k);
                const std::uint64_t before = failures();
                void* p = a_.allocate_pages(on, Order{static_cast<std::uint8_t>(k)});
                if (p == nullptr) return require(failures() > before, "null without an AllocFailure action");
                require(k <= config_.buddy_max_order, "allocate_pages(%u) above the max order %u succeeded", k,
                        config_.buddy_max_order);
                const std::size_t bytes = kPageSize << k;
                shadow_.add(a_, p, Block{bytes, 0, next_id_++, static_cast<std::uint16_t>(c), How::Pages, 0, k, 0},
                            bytes);
                return;
            }
            case kMaintain: {
                const std::uint8_t m = in_.u8() % 3;
                if (m == 0) {
                    describe("quiesce()");
                    a_.quiesce();
                    const MemoryStats s = a_.memory_stats();
                    require(s.cached_bytes == 0 && s.remote_pending_bytes == 0,
                            "after quiesce(): %zu bytes cached, %zu pending remotely", s.cached_bytes,
                            s.remote_pending_bytes);
                } else if (m == 1) {
                    describe("drain_cache(cpu %u)", c);
                    a_.drain_cache(on);
                } else {
                    describe("collect_remote(cpu %u)", c);
                    a_.collect_remote(on);
                }
                return;
            }
            default:
                return invalid(on);
        }
    }

    // One step across the block's class or block boundary, up or down.
    std::size_t step_size(const Block& b) {
        const SizeClassTable& t = a_.size_classes();
        const std::uint8_t k = in_.u8();
        switch (k % 8) {
            case 0: return b.usable + 1;   // just past what it holds: the next class or order
            case 1: return b.usable;       // exactly what it holds
            case 2: return b.size / 2;     // down, maybe several classes
            case 3: return b.size * 2 + 1; // up, maybe into the pages or large path
            case 4: {                      // the largest size of the class below
                std::size_t below = 0;
                for (std::uint32_t i = 0; i < t.count(); ++i)
                    if (t.size(SizeClass{static_cast<std::uint8_t>(i)}) < b.size) below = t.size(SizeClass{static_cast<std::uint8_t>(i)});
                return below;
            }
            case 5: return b.size > 0 ? b.size - 1 : 0;
            case 6: return t.max_size() + (k & 0x10 ? 1 : 0);  // to the edge of the classes
            default: return b.size + 1;
        }
    }

    void reallocate(CpuId on, std::uintptr_t p, std::size_t n) {
        shadow_.verify(p);
        const std::uint64_t before = failures();
        void* q = a_.reallocate(on, reinterpret_cast<void*>(p), n);
        if (q == nullptr) {
            require(failures() > before, "null without an AllocFailure action");
            shadow_.verify(p);  // untouched, still live
            return;
        }
        // p was intact before; q must hold its first min(old, new) bytes.
        const Block old = shadow_.remove(p, false);
        const std::size_t kept = old.size < n ? old.size : n;
        shadow_.add(a_, q, Block{n, 0, next_id_++, static_cast<std::uint16_t>(index_of(on)), How::Plain, 0, 0, 0},
                    kMinAlignment, old.id, kept);
    }

    void free_block(CpuId on, std::uintptr_t p, const Block& b, bool sized) {
        void* ptr = reinterpret_cast<void*>(p);
        switch (b.how) {
            case How::Pages: return a_.free_pages(on, ptr, Order{static_cast<std::uint8_t>(b.order)});
            case How::Aligned:
                if (sized) return a_.deallocate_aligned(on, ptr, b.size, b.align);
                return a_.deallocate(on, ptr);
            case How::Plain:
                if (sized) return a_.deallocate(on, ptr, b.size);
                return a_.deallocate(on, ptr);
        }
    }

    // Pointers the core does not own (DESIGN.md, "Free without size"): each is
    // ignored, reported as an InvalidFree, and changes nothing.
    void invalid(CpuId on) {
        const unsigned c = index_of(on);
        const std::uint8_t kind = in_.u8() % 4;
        if (kind == 0) {
            describe("cpu %u deallocate(null)", c);
            const std::uint64_t before = invalid_frees();
            a_.deallocate(on, nullptr);
            return require(invalid_frees() == before, "free(null) reported an invalid free");
        }
        static int outside;
        std::uintptr_t bad = reinterpret_cast<std::uintptr_t>(&outside);
        std::uintptr_t victim = 0;
        const bool realloc = kind == 3;
        if (kind == 1 || shadow_.empty()) {
            describe("cpu %u %s of a pointer outside the region", c, realloc ? "reallocate" : "deallocate");
        } else {
            victim = shadow_.pick(in_.u16());
            bad = victim + 1;
            describe("cpu %u %s(%#" PRIxPTR ") inside a live block", c, realloc ? "reallocate" : "deallocate", bad);
        }
        const std::uint64_t before = invalid_frees();
        if (realloc) {
            void* q = a_.reallocate(on, reinterpret_cast<void*>(bad), 64);
            require(q == nullptr, "reallocate of a pointer the core does not own returned %p", q);
        } else {
            a_.deallocate(on, reinterpret_cast<void*>(bad));
        }
        require(invalid_frees() == before + 1, "the invalid pointer was not reported");
        if (victim != 0) shadow_.verify(victim);
    }

    Input& in_;
    Hybrid& a_;
    const AllocatorConfig& config_;
    std::size_t region_bytes_;
    Shadow shadow_;
    std::uint64_t next_id_ = 1;
};

// The core's own assertions (level 2: sized free's class check among them) name
// the operation too.
[[noreturn]] void assert_failed_in_op(const char* expr, const char* file, int line, std::uint64_t lhs,
                                      std::uint64_t rhs, bool has_operands) {
    if (has_operands)
        fail("%s:%d: assertion failed: %s (%" PRIu64 " vs %" PRIu64 ")", file, line, expr, lhs, rhs);
    fail("%s:%d: assertion failed: %s", file, line, expr);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    set_assert_handler(&assert_failed_in_op);
    g_trace = std::getenv("ALLOCSIM_FUZZ_TRACE") != nullptr;
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Input in(data, size);
    g_ctx.op = 0;
    std::snprintf(g_ctx.what, sizeof g_ctx.what, "init");

    // The configuration.
    AllocatorConfig config;
    const std::uint8_t cpus = in.u8();
    config.cpus = (cpus & 0x40) ? 1 + (cpus & 0x3F) : 1 + (cpus & 3);
    static constexpr std::uint32_t kCapacities[] = {64, 1, 2, 3, 4, 7, 8, 16, 31, 32, 100, 256};
    config.cache_capacity = kCapacities[in.u8() % (sizeof kCapacities / sizeof kCapacities[0])];
    config.refill_batch = 1 + in.u8() % config.cache_capacity;
    config.drain_batch = 1 + in.u8() % config.cache_capacity;
    const std::uint8_t buddy = in.u8();
    config.buddy_lock = (buddy & 0x80) ? BuddyLockMode::PerOrder : BuddyLockMode::Global;
    const bool custom_classes = (buddy & 0x40) != 0;
    // The default table's 16 KiB class needs max order 2 at least.
    config.buddy_max_order = custom_classes ? (buddy & 0x3F) % 11 : 2 + (buddy & 0x3F) % 9;
    const std::uint8_t region = in.u8();
    const std::size_t region_bytes =
        (region & 0x80) ? 6 * kMiB + (region & 0x7F) % 65 * 64 * 1024 : 64 * 1024 + (region & 0x7F) * 32 * 1024;
    const std::size_t offset = std::size_t{in.u8()} * kPageSize + in.u8();
    // The memory policies (docs/DESIGN.md, "Memory"), each on or off, and the
    // adaptive bins' floor and the idle trim's period.
    const std::uint8_t policies = in.u8();
    config.exact_slab_runs = (policies & 1) != 0;
    config.adaptive_bins = (policies & 2) != 0;
    config.eager_remote_collect = (policies & 4) != 0;
    config.fullest_runs_first = (policies & 8) != 0;
    config.cache_min_capacity = 1 + ((policies >> 4) & 3) * 3;
    config.cache_trim_every = (policies & 0x40) ? 1 + (policies >> 7) * 15 : 0;
    std::uint32_t classes[kMaxSizeClasses];
    if (custom_classes) {
        // Ascending multiples of 8 up to the largest run the max order allows.
        const std::uint32_t count = 1 + in.u8() % kMaxSizeClasses;
        const std::uint32_t cap = static_cast<std::uint32_t>(
            kPageSize << (config.buddy_max_order < kMaxRunOrder ? config.buddy_max_order : kMaxRunOrder));
        const std::uint32_t limit = cap < kMaxSmallSize ? cap : kMaxSmallSize;
        std::uint32_t n = 0;
        std::uint32_t s = 0;
        for (; n < count; ++n) {
            const std::uint8_t b = in.u8();
            s += (b & 0x80) ? 8 * (1 + (b & 0x7F)) * 8 : 8 * (1 + (b & 0x7F) % 16);
            if (s > limit) break;
            classes[n] = s;
        }
        if (n == 0) classes[n++] = 8;
        config.size_classes = classes;
        config.size_class_count = n;
    }

    auto a = std::make_unique<Hybrid>();
    unsigned char* start = storage() + offset;
    const InitError e = a->init(start, region_bytes, config);
    if (g_trace)
        std::fprintf(stderr,
                     "config: cpus %u, capacity %u, refill %u, drain %u, max order %u, %s lock, region %zu bytes at "
                     "offset %zu, %s size classes (%u), policies 0x%02x; init: %s\n",
                     config.cpus, config.cache_capacity, config.refill_batch, config.drain_batch,
                     config.buddy_max_order, config.buddy_lock == BuddyLockMode::Global ? "global" : "per-order",
                     region_bytes, offset, custom_classes ? "custom" : "default", a->size_classes().count(),
                     static_cast<unsigned>(policies), init_error_name(e));
    // Every knob is in range, so only the region may be refused.
    if (e == InitError::RegionTooSmall) return 0;
    require(e == InitError::None, "init refused a valid configuration: %s", init_error_name(e));

    const auto begin = reinterpret_cast<std::uintptr_t>(start);
    Fuzz fuzz(in, *a, config, begin, begin + region_bytes);
    fuzz.run();
    return 0;
}
