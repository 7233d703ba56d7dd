// ProcessHeap (malloc/process_heap.h), the heap behind liballocsim-malloc.so, called
// directly from many threads: built into this suite, and under TSan in
// malloc_tests_tsan (a sanitizer's runtime takes malloc itself, so the library cannot
// be preloaded under it: its heap is linked in instead, as the issue allows).
#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "malloc/cpu_slots.h"
#include "malloc/process_heap.h"

using allocsim::malloc_lib::CpuSlots;
using allocsim::malloc_lib::kOwnedSlots;
using allocsim::malloc_lib::ProcessHeap;

namespace {

// An object's bytes, from its size and a tag: checked when it is freed, so that two
// threads handed the same object, or a lost write, show.
void fill(void* p, std::size_t size, std::uint8_t tag) { std::memset(p, tag, size); }
bool intact(const void* p, std::size_t size, std::uint8_t tag) {
    const auto* b = static_cast<const std::uint8_t*>(p);
    for (std::size_t i = 0; i < size; ++i)
        if (b[i] != tag) return false;
    return true;
}

// One object handed from a thread to the next.
struct Handed {
    std::mutex m;
    void* p = nullptr;
    std::size_t size = 0;
    std::uint8_t tag = 0;
};

}  // namespace

TEST_CASE("process heap: more threads than slots, objects freed by other threads, every byte intact") {
    constexpr int kThreads = 96;  // beyond the owned slots: some share
    static_assert(kThreads > static_cast<int>(kOwnedSlots));
    std::vector<Handed> mailbox(kThreads);
    std::atomic<int> bad{0}, done{0};
    std::atomic<int> go{0};
    std::vector<std::thread> ts;
    for (int t = 0; t < kThreads; ++t) {
        ts.emplace_back([&, t] {
            while (go.load() == 0) std::this_thread::yield();
            std::mt19937 rng(static_cast<unsigned>(t));
            struct Obj {
                void* p;
                std::size_t size;
                std::uint8_t tag;
            };
            std::vector<Obj> mine;
            for (int k = 0; k < 3000; ++k) {
                const auto r = static_cast<unsigned>(rng() % 100);
                if (r < 55 || mine.empty()) {
                    const std::size_t size = rng() % 4 == 0 ? 1 + rng() % 40000 : 1 + rng() % 600;
                    void* p = ProcessHeap::allocate(size);
                    if (p == nullptr || !ProcessHeap::owns(p) || ProcessHeap::usable_size(p) < size) {
                        ++bad;
                        continue;
                    }
                    const auto tag = static_cast<std::uint8_t>(rng());
                    fill(p, size, tag);
                    mine.push_back({p, size, tag});
                } else if (r < 85) {
                    const std::size_t i = rng() % mine.size();
                    if (!intact(mine[i].p, mine[i].size, mine[i].tag)) ++bad;
                    ProcessHeap::free(mine[i].p);
                    mine[i] = mine.back();
                    mine.pop_back();
                } else if (r < 95) {
                    // Resize one, keeping what fits.
                    Obj& o = mine[rng() % mine.size()];
                    const std::size_t size = 1 + rng() % 3000;
                    void* q = ProcessHeap::reallocate(o.p, size);
                    if (q == nullptr) {
                        ++bad;
                        continue;
                    }
                    if (!intact(q, size < o.size ? size : o.size, o.tag)) ++bad;
                    fill(q, size, o.tag);
                    o = {q, size, o.tag};
                } else {
                    // Hand one to the next thread; free what was handed to us.
                    Obj o = mine.back();
                    mine.pop_back();
                    {
                        Handed& box = mailbox[static_cast<std::size_t>((t + 1) % kThreads)];
                        const std::lock_guard<std::mutex> g(box.m);
                        if (box.p == nullptr) box.p = o.p, box.size = o.size, box.tag = o.tag;
                        else mine.push_back(o);
                    }
                    Handed& in = mailbox[static_cast<std::size_t>(t)];
                    const std::lock_guard<std::mutex> g(in.m);
                    if (in.p != nullptr) {
                        if (!intact(in.p, in.size, in.tag)) ++bad;
                        ProcessHeap::free(in.p);
                        in.p = nullptr;
                    }
                }
            }
            for (const Obj& o : mine) {
                if (!intact(o.p, o.size, o.tag)) ++bad;
                ProcessHeap::free(o.p);
            }
            ++done;
        });
    }
    go.store(1);
    for (auto& th : ts) th.join();
    for (Handed& box : mailbox)
        if (box.p != nullptr) ProcessHeap::free(box.p);
    CHECK(done.load() == kThreads);
    CHECK(bad.load() == 0);
    // Every thread gave its slot back at its exit (this one's is the only one left).
    CHECK(CpuSlots::owned_in_use() <= 1);
}

TEST_CASE("process heap: a thread's exit drains its cache, so its slot's next owner starts empty-handed") {
    // Two waves on the same slots: the second's allocations still work after the
    // first's threads exited holding cached objects.
    for (int wave = 0; wave < 2; ++wave) {
        std::vector<std::thread> ts;
        std::atomic<int> ok{0};
        for (int t = 0; t < 8; ++t)
            ts.emplace_back([&] {
                std::vector<void*> v;
                for (int k = 0; k < 500; ++k) v.push_back(ProcessHeap::allocate(64));
                for (void* p : v) ProcessHeap::free(p);  // they stay in the cache until exit
                ok += ProcessHeap::allocate(64) != nullptr;
            });
        for (auto& th : ts) th.join();
        CHECK(ok.load() == 8);
    }
    CHECK(CpuSlots::owned_in_use() <= 1);
}

TEST_CASE("process heap: threads that run the buddy out at once each see it grow, once per step") {
    std::vector<std::thread> ts;
    std::atomic<int> ok{0};
    for (int t = 0; t < 8; ++t)
        ts.emplace_back([&, t] {
            std::vector<void*> v;
            for (int k = 0; k < 64; ++k) {
                void* p = ProcessHeap::allocate((std::size_t{1} << 20) + static_cast<std::size_t>(t) * 4096);
                if (p == nullptr || !ProcessHeap::owns(p)) return;
                static_cast<char*>(p)[0] = static_cast<char>(t);
                v.push_back(p);
            }
            bool mine = true;
            for (void* p : v) mine = mine && static_cast<char*>(p)[0] == static_cast<char>(t);
            for (void* p : v) ProcessHeap::free(p);
            ok += mine ? 1 : 0;
        });
    for (auto& th : ts) th.join();
    CHECK(ok.load() == 8);
}
