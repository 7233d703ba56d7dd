// The replay's future event set (engine/replay/event_queue.h): against a sorted
// vector after every pop, the one tie-break rule, and the causality check.
#include <doctest/doctest.h>

#include <algorithm>
#include <random>
#include <set>
#include <vector>

#include "engine/replay/event_queue.h"
#include "engine/replay/unread_streams.h"

using namespace allocsim::engine;

TEST_CASE("event queue: every pop is the earliest, as a sorted vector says, under random pushes and pops") {
    std::mt19937_64 rng(7);
    for (int round = 0; round < 20; ++round) {
        EventQueue q(round % 4 == 3 ? 40 : 64);  // a power of two of leaves, or not
        const std::uint32_t cpus = round % 4 == 3 ? 40 : 64;
        std::vector<QueuedOp> shadow;
        std::int64_t now = 0;
        std::uint64_t seq = 0;
        std::uint64_t pops = 0;
        for (int step = 0; step < 5000; ++step) {
            // At most 64 entries, one per CPU, as the replay keeps it; starts never
            // before the present, often equal (ties), sometimes far ahead.
            const bool push = shadow.size() < cpus && (shadow.empty() || rng() % 3 != 0);
            if (push) {
                const std::int64_t start = now + static_cast<std::int64_t>(rng() % 4 == 0 ? 0 : rng() % (round % 2 == 0 ? 10 : 100000));
                std::uint16_t cpu = static_cast<std::uint16_t>(rng() % cpus);
                while (std::any_of(shadow.begin(), shadow.end(), [&](const QueuedOp& o) { return o.cpu == cpu; }))
                    cpu = static_cast<std::uint16_t>((cpu + 1) % cpus);
                const QueuedOp op{start, seq++, cpu};
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
    EventQueue q(4);
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

TEST_CASE("event queue: one CPU, and a replaced top from another CPU") {
    EventQueue one(1);
    one.push(QueuedOp{7, 0, 0});
    CHECK(one.size() == 1);
    CHECK(one.take().seq == 0);
    one.replace_top(QueuedOp{9, 1, 0});
    CHECK(one.pop().start == 9);
    CHECK(one.empty());

    EventQueue q(3);
    q.push(QueuedOp{10, 0, 0});
    q.push(QueuedOp{20, 1, 1});
    CHECK(q.take().cpu == 0);
    q.replace_top(QueuedOp{15, 2, 2});  // CPU 0 leaves, CPU 2 comes in
    CHECK(q.size() == 2);
    CHECK(q.pop().cpu == 2);
    CHECK(q.pop().cpu == 1);
    CHECK(q.empty());
}

TEST_CASE("unread streams: the earliest clock, as a sorted set says, under random adds and removes") {
    std::mt19937_64 rng(11);
    for (std::uint32_t cpus : {1u, 2u, 5u, 64u}) {
        UnreadStreams u(cpus);
        std::set<std::pair<std::int64_t, std::uint16_t>> shadow;
        std::vector<std::int64_t> clock(cpus, -1);
        for (int step = 0; step < 20000; ++step) {
            const auto cpu = static_cast<std::uint16_t>(rng() % cpus);
            if (clock[cpu] < 0) {
                clock[cpu] = static_cast<std::int64_t>(rng() % 1000);
                u.add(cpu, clock[cpu]);
                shadow.emplace(clock[cpu], cpu);
            } else {
                u.remove(cpu);
                shadow.erase({clock[cpu], cpu});
                clock[cpu] = -1;
            }
            // Removing a CPU that is not there does nothing.
            for (std::uint16_t c = 0; c < cpus; ++c)
                if (clock[c] < 0) {
                    u.remove(c);
                    break;
                }
            REQUIRE(u.empty() == shadow.empty());
            for (std::uint16_t c = 0; c < cpus; ++c) REQUIRE(u.contains(c) == (clock[c] >= 0));
            if (!shadow.empty()) REQUIRE(u.earliest() == shadow.begin()->first);
        }
    }
}
