// The replay's future event set (engine/replay/event_queue.h): against a sorted
// vector after every pop, the one tie-break rule, and the causality check.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "engine/replay/event_queue.h"

using namespace allocsim::engine;

TEST_CASE("event queue: every pop is the earliest, as a sorted vector says, under random pushes and pops") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 20; ++round) {
        EventQueue q;
        std::vector<QueuedOp> shadow;
        std::int64_t now = 0;
        std::uint64_t seq = 0;
        std::uint64_t pops = 0;
        for (int step = 0; step < 5000; ++step) {
            // At most 64 entries, one per CPU, as the replay keeps it; starts never
            // before the present, often equal (ties), sometimes far ahead.
            const bool push = shadow.size() < 64 && (shadow.empty() || rng() % 3 != 0);
            if (push) {
                const std::int64_t start = now + static_cast<std::int64_t>(rng() % 4 == 0 ? 0 : rng() % (round % 2 == 0 ? 10 : 100000));
                const QueuedOp op{start, seq++, static_cast<std::uint16_t>(rng() % 64)};
                q.push(op);
                shadow.push_back(op);
            } else {
                std::sort(shadow.begin(), shadow.end(), [](const QueuedOp& a, const QueuedOp& b) { return earlier(a, b); });
                // As the replay does half the time: take the earliest, then put its
                // CPU's next operation in its place.
                const bool replace = rng() % 2 == 0;
                const QueuedOp got = replace ? q.take() : q.pop();
                REQUIRE(got.start == shadow.front().start);
                REQUIRE(got.seq == shadow.front().seq);
                REQUIRE(got.cpu == shadow.front().cpu);
                shadow.erase(shadow.begin());
                now = got.start;
                CHECK(q.now() == now);
                if (replace) {
                    const QueuedOp next{now + static_cast<std::int64_t>(rng() % 50), seq++, got.cpu};
                    q.replace_top(next);
                    shadow.push_back(next);
                }
                ++pops;
            }
            REQUIRE(q.size() == shadow.size());
            if (!shadow.empty()) {
                const auto first = *std::min_element(shadow.begin(), shadow.end(),
                                                     [](const QueuedOp& a, const QueuedOp& b) { return earlier(a, b); });
                REQUIRE(q.top().seq == first.seq);
            }
        }
        CHECK(pops > 1000);
    }
}

TEST_CASE("event queue: equal starts go in trace order, and time going back is refused") {
    EventQueue q;
    q.push(QueuedOp{100, 9, 1});
    q.push(QueuedOp{100, 3, 2});
    q.push(QueuedOp{50, 20, 3});
    CHECK(q.pop().seq == 20);
    CHECK(q.pop().seq == 3);  // same start: the earlier trace event first
    CHECK(q.pop().seq == 9);
    CHECK(q.empty());
    q.push(QueuedOp{99, 30, 0});  // before the present (100): an engine bug
    CHECK_THROWS_WITH_AS(q.pop(), doctest::Contains("causality: operation 30 starts at cycle 99, before the previous one's 100"),
                         ReplayError);
}
