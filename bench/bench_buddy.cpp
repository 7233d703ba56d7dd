// Benchmark 2: the buddy allocator on its own, 4 KiB (order 0) blocks.
//
//   order-0 alloc / free   N order-0 blocks whose buddies are allocated sit on
//                          free list 0: a batch allocates all N (no split), then
//                          a batch frees them again (the buddy is busy: no coalesce).
//   order-0 pair           alloc then free of one order-0 block, same setup.
//   split / coalesce       32 buddy instances, each holding exactly one free 1 MiB
//                          (order-8) block and nothing else: a batch allocates an
//                          order-0 block from each (8 splits each), then a batch frees
//                          them (8 coalesces each, back to one order-8 block).
// Both lock modes (per-order locks, the default, and one global lock) are measured.
#include <array>
#include <vector>

#include "bench/common.h"

namespace allocsim::bench {
namespace {

constexpr std::uint32_t kMaxOrder = 8;
constexpr std::size_t kOrder0Batch = 250;
constexpr std::size_t kSplitInstances = 32;  // 2 MiB of the region each

struct BuddyFigures {
    Stats alloc0, free0, pair0, split_alloc, coalesce_free, split_pair;
    double splits_per_alloc = 0, coalesces_per_free = 0;  // from a counted run
};

const char* mode_name(BuddyLockMode m) { return m == BuddyLockMode::Global ? "global" : "per_order"; }

void order0(const Options& o, BuddyLockMode mode, BuddyFigures& f, Report& r) {
    auto b = std::make_unique<BuddyN>();
    if (b->init(region(), kRegionBytes, kMaxOrder, mode, nullptr) != InitError::None) fatal("buddy init failed");
    // 2N order-0 blocks come out in address order; freeing the even ones leaves N
    // free blocks whose buddies stay allocated.
    std::vector<void*> pinned(2 * kOrder0Batch);
    for (void*& p : pinned) {
        p = b->allocate(kCpu0, Order{0});
        if (p == nullptr) fatal("buddy: out of memory in setup");
    }
    for (std::size_t i = 0; i < pinned.size(); i += 2) b->free(kCpu0, pinned[i], Order{0});
    if (b->free_blocks(Order{0}) < kOrder0Batch)
        r.problems.push_back(fmt::format("buddy: expected {} free order-0 blocks, found {}", kOrder0Batch,
                                         b->free_blocks(Order{0})));

    const std::size_t batches = o.scaled(40000, 800);
    std::array<void*, kOrder0Batch> got{};
    std::vector<double> alloc_samples, free_samples;
    std::size_t failures = 0;
    for (std::size_t i = 0; i < batches + batches / 10; ++i) {
        const std::uint64_t t0 = ticks();
        for (void*& p : got) {
            p = b->allocate(kCpu0, Order{0});
            escape(p);
        }
        const std::uint64_t t1 = ticks();
        for (void* p : got) failures += p == nullptr;
        const std::uint64_t t2 = ticks();
        for (void* p : got) b->free(kCpu0, p, Order{0});
        const std::uint64_t t3 = ticks();
        if (i < batches / 10) continue;  // warm-up
        alloc_samples.push_back(per_op(t0, t1, kOrder0Batch));
        free_samples.push_back(per_op(t2, t3, kOrder0Batch));
    }
    if (failures) fatal("buddy: order-0 allocation failed while timing");
    f.alloc0 = summarize(alloc_samples);
    f.free0 = summarize(free_samples);
    f.pair0 = time_batches(batches, batches / 10, kOrder0Batch, [&] {
        for (std::size_t i = 0; i < kOrder0Batch; ++i) {
            void* p = b->allocate(kCpu0, Order{0});
            escape(p);
            b->free(kCpu0, p, Order{0});
        }
    });
    verify_valid(r, "buddy order-0", *b);
}

// A buddy whose only free memory is one order-8 block: its region is the 12 KiB of
// page descriptors right below a 1 MiB boundary plus the 1 MiB above it.
template <class B, class Obs>
void init_single_block(B& b, unsigned char* chunk, BuddyLockMode mode, Obs* observer, Report& r) {
    constexpr std::size_t kBlock = std::size_t{1} << 20;
    constexpr std::size_t kMeta = 3 * kPageSize;
    if (b.init(chunk + kBlock - kMeta, kMeta + kBlock, kMaxOrder, mode, observer) != InitError::None)
        fatal("buddy init failed");
    for (std::uint32_t k = 0; k <= kMaxOrder; ++k) {
        const std::uint32_t want = k == kMaxOrder ? 1 : 0;
        if (b.free_blocks(Order{static_cast<std::uint8_t>(k)}) != want) {
            r.problems.push_back(fmt::format("buddy: single-block region has {} free blocks of order {} (expected {})",
                                             b.free_blocks(Order{static_cast<std::uint8_t>(k)}), k, want));
            return;
        }
    }
}

void split_coalesce(const Options& o, BuddyLockMode mode, BuddyFigures& f, Report& r) {
    constexpr std::size_t kChunk = std::size_t{2} << 20;
    static_assert(kSplitInstances * kChunk <= kRegionBytes);
    {
        // Counted once: how many splits and coalesces one such alloc and free do.
        auto obs = std::make_unique<CountingObserver>();
        auto b = std::make_unique<BuddyC>();
        init_single_block(*b, region(), mode, obs.get(), r);
        void* p = b->allocate(kCpu0, Order{0});
        b->free(kCpu0, p, Order{0});
        f.splits_per_alloc = static_cast<double>(obs->total()[ActionKind::BuddySplit]);
        f.coalesces_per_free = static_cast<double>(obs->total()[ActionKind::BuddyCoalesce]);
        verify_valid(r, "buddy split/coalesce (counted)", *b);
    }
    std::vector<std::unique_ptr<BuddyN>> buddies;
    for (std::size_t i = 0; i < kSplitInstances; ++i) {
        buddies.push_back(std::make_unique<BuddyN>());
        init_single_block(*buddies.back(), region() + i * kChunk, mode, static_cast<NullObserver*>(nullptr), r);
    }
    const std::size_t batches = o.scaled(20000, 500);
    std::array<void*, kSplitInstances> got{};
    std::vector<double> alloc_samples, free_samples;
    for (std::size_t i = 0; i < batches + batches / 10; ++i) {
        const std::uint64_t t0 = ticks();
        for (std::size_t k = 0; k < kSplitInstances; ++k) {
            got[k] = buddies[k]->allocate(kCpu0, Order{0});
            escape(got[k]);
        }
        const std::uint64_t t1 = ticks();
        for (void* p : got)
            if (p == nullptr) fatal("buddy: split allocation failed");
        const std::uint64_t t2 = ticks();
        for (std::size_t k = 0; k < kSplitInstances; ++k) buddies[k]->free(kCpu0, got[k], Order{0});
        const std::uint64_t t3 = ticks();
        if (i < batches / 10) continue;
        alloc_samples.push_back(per_op(t0, t1, kSplitInstances));
        free_samples.push_back(per_op(t2, t3, kSplitInstances));
    }
    f.split_alloc = summarize(alloc_samples);
    f.coalesce_free = summarize(free_samples);
    f.split_pair = time_batches(batches, batches / 10, kSplitInstances, [&] {
        for (std::size_t k = 0; k < kSplitInstances; ++k) {
            void* p = buddies[k]->allocate(kCpu0, Order{0});
            escape(p);
            buddies[k]->free(kCpu0, p, Order{0});
        }
    });
    for (auto& b : buddies) {
        verify_valid(r, "buddy split/coalesce", *b);
        if (b->free_blocks(Order{kMaxOrder}) != 1) r.problems.push_back("buddy: a 1 MiB block did not coalesce back");
    }
}

}  // namespace

void bench_buddy(const Options& o, Report& r) {
    Json& j = r.json["buddy"];
    j["max_order"] = static_cast<int>(kMaxOrder);
    for (const BuddyLockMode mode : {BuddyLockMode::PerOrder, BuddyLockMode::Global}) {
        BuddyFigures f;
        order0(o, mode, f, r);
        split_coalesce(o, mode, f, r);
        Json& m = j[mode_name(mode)];
        m["order0_alloc_no_split"] = stats_json(f.alloc0);
        m["order0_free_no_coalesce"] = stats_json(f.free0);
        m["order0_pair"] = stats_json(f.pair0);
        m["alloc_split_from_order8"] = stats_json(f.split_alloc);
        m["free_coalesce_to_order8"] = stats_json(f.coalesce_free);
        m["split_coalesce_pair"] = stats_json(f.split_pair);
        m["splits_per_alloc"] = f.splits_per_alloc;
        m["coalesces_per_free"] = f.coalesces_per_free;

        const std::string lock = mode == BuddyLockMode::PerOrder ? "per-order locks" : "global lock";
        const char* target = "50-200 cycles (validated < 300)";
        r.row(fmt::format("2 buddy order-0 alloc, no split ({})", lock), target, ticks_text(f.alloc0),
              verdict_at_most(f.alloc0.median, 200, 300));
        r.row(fmt::format("2 buddy order-0 free, no coalesce ({})", lock), "- (target is for alloc)",
              ticks_text(f.free0), "info");
        r.row(fmt::format("2 buddy order-0 alloc+free pair ({})", lock), "-", ticks_text(f.pair0), "info");
        r.row(fmt::format("2 buddy alloc splitting order 8 -> 0 ({})", lock), target,
              fmt::format("{}; {:.0f} splits", ticks_text(f.split_alloc), f.splits_per_alloc),
              verdict_at_most(f.split_alloc.median, 200, 300));
        r.row(fmt::format("2 buddy free coalescing 0 -> 8 ({})", lock), "- (target is for alloc)",
              fmt::format("{}; {:.0f} merges", ticks_text(f.coalesce_free), f.coalesces_per_free), "info");
    }
}

}  // namespace allocsim::bench
