// Real host threads, one per CPU, allocating and freeing concurrently, and handing
// objects to each other so that remote frees race with the owners' refills. Built
// under TSan too. Every object carries a stamp of its allocating thread and
// sequence number; a stamp changed while live means memory was handed out twice.
// At the end nothing may be lost: the buddy must hold exactly its initial blocks.
#include <atomic>
#include <cstring>
#include <mutex>
#include <thread>

#include "tests/alloc/test_support.h"

using namespace allocsim;
using namespace allocsim::test;

namespace {

#if defined(__SANITIZE_THREAD__)
constexpr int kOpsPerThread = 150'000;
#else
constexpr int kOpsPerThread = 250'000;
#endif

struct Stamp {
    std::uint64_t owner;
    std::uint64_t sequence;
};

struct Mailbox {  // objects handed from one thread to another, to be freed there
    std::mutex mutex;
    std::vector<std::pair<void*, Stamp>> items;
};

}  // namespace

TEST_CASE("threaded stress: 4 CPUs on real threads, remote frees, no memory lost or duplicated") {
    constexpr unsigned kThreads = 4;
    for (BuddyLockMode mode : {BuddyLockMode::PerOrder, BuddyLockMode::Global}) {
        Region region(128 << 20);
        AllocatorConfig config = config_with_cpus(kThreads);
        config.buddy_lock = mode;
        auto a = make_hybrid(region, config);
        const auto roots = roots_of(a->buddy());
        Mailbox mailboxes[kThreads];
        std::atomic<std::uint64_t> corrupted{0};
        std::atomic<std::uint64_t> failures{0};

        auto worker = [&](unsigned id) {
            HostPlatform::set_current_cpu(cpu(id));
            const CpuId me = HostPlatform::current_cpu();
            std::mt19937_64 rng(id * 7919 + 1);
            std::vector<std::pair<void*, Stamp>> mine;
            std::vector<std::pair<void*, Stamp>> inbox;
            const auto release = [&](void* p, const Stamp& s) {
                Stamp now;
                std::memcpy(&now, p, sizeof now);
                if (now.owner != s.owner || now.sequence != s.sequence) corrupted.fetch_add(1);
                a->deallocate(me, p);
            };
            for (int op = 0; op < kOpsPerThread; ++op) {
                const unsigned dice = static_cast<unsigned>(rng() % 100);
                if (mine.size() < 200 || (mine.size() < 2000 && dice < 50)) {
                    const std::size_t size = dice < 95 ? 16 + rng() % 1000 : 4096 + rng() % 60000;
                    void* p = a->allocate(me, size);
                    if (p == nullptr) {
                        failures.fetch_add(1);
                        continue;
                    }
                    const Stamp s{id, static_cast<std::uint64_t>(op)};
                    std::memcpy(p, &s, sizeof s);
                    mine.emplace_back(p, s);
                } else if (dice < 70) {
                    const std::size_t i = rng() % mine.size();
                    release(mine[i].first, mine[i].second);
                    mine[i] = mine.back();
                    mine.pop_back();
                } else {
                    // Hand an object to another CPU: it will be freed there.
                    const std::size_t i = rng() % mine.size();
                    Mailbox& box = mailboxes[(id + 1 + rng() % (kThreads - 1)) % kThreads];
                    {
                        std::lock_guard<std::mutex> lock(box.mutex);
                        box.items.push_back(mine[i]);
                    }
                    mine[i] = mine.back();
                    mine.pop_back();
                }
                if (op % 64 == 0) {
                    {
                        std::lock_guard<std::mutex> lock(mailboxes[id].mutex);
                        inbox.swap(mailboxes[id].items);
                    }
                    for (auto& [p, s] : inbox) release(p, s);
                    inbox.clear();
                }
            }
            for (auto& [p, s] : mine) release(p, s);
            a->drain_cache(me);
        };

        std::vector<std::thread> threads;
        for (unsigned t = 0; t < kThreads; ++t) threads.emplace_back(worker, t);
        for (std::thread& t : threads) t.join();
        // Quiescent now: this thread may act for any CPU.
        for (unsigned t = 0; t < kThreads; ++t)
            for (auto& [p, s] : mailboxes[t].items) a->deallocate(cpu(t), p);
        CHECK(corrupted.load() == 0);
        CHECK(failures.load() == 0);
        const ActionCounts totals = a->observer().total();
        MESSAGE("lock mode " << std::string(mode == BuddyLockMode::Global ? "global" : "per-order") << ": remote batches "
                             << totals[ActionKind::RemoteFree] << ", contended locks " << totals.contended_locks);
        CHECK(totals[ActionKind::RemoteFree] > 0);
        a->quiesce();
        REQUIRE_VALID(*a);
        CHECK(a->memory_stats().live_bytes() == 0);
        CHECK(free_blocks_of(a->buddy()) == roots);
    }
}
