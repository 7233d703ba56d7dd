// U64Map and DenseIdMap against std::unordered_map: random inserts, finds and
// erases (U64Map's backward shift, DenseIdMap's evictions and growth are the parts
// that can go wrong), edge keys (UINT64_MAX is U64Map's empty marker, kept apart),
// dense, sparse and strided key patterns (multiples of 2^20 all share one
// DenseIdMap slot).
#include <random>
#include <unordered_map>

#include "tests/traces/test_support.h"
#include "traces/dense_id_map.h"
#include "traces/u64_map.h"

using allocsim::DenseIdMap;
using allocsim::U64Map;

namespace {

// Keys for one step of a churn: `pattern` picks dense ids near a moving front (as
// a trace numbers its objects), uniform keys in a range, or multiples of 2^20.
std::uint64_t next_key(std::mt19937_64& rng, int pattern, std::uint64_t range, int step) {
    if (step % 97 == 0) return step % 2 ? UINT64_MAX : 0;  // the edge keys
    switch (pattern) {
        case 0: return static_cast<std::uint64_t>(step) / 2 - rng() % std::min<std::uint64_t>(range, step / 2 + 1);
        case 1: return range == UINT64_MAX ? rng() : rng() % range;
        default: return (rng() % range) << 20;
    }
}

template <class Map>
void churn_like_unordered_map() {
    for (int pattern = 0; pattern < 3; ++pattern) {
        for (const std::uint64_t range : {std::uint64_t{64}, std::uint64_t{5000}, UINT64_MAX}) {
            if (pattern != 1 && range == UINT64_MAX) continue;
            CAPTURE(pattern);
            CAPTURE(range);
            std::mt19937_64 rng(range + static_cast<std::uint64_t>(pattern));
            Map map;
            std::unordered_map<std::uint64_t, std::uint64_t> ref;
            for (int step = 0; step < 200000; ++step) {
                const std::uint64_t key = next_key(rng, pattern, range, step);
                switch (rng() % 3) {
                    case 0: {
                        const auto [value, inserted] = map.try_emplace(key, static_cast<std::uint64_t>(step));
                        const auto [it, ref_inserted] = ref.try_emplace(key, static_cast<std::uint64_t>(step));
                        REQUIRE(inserted == ref_inserted);
                        REQUIRE(*value == it->second);
                        break;
                    }
                    case 1: {
                        std::uint64_t taken = 0;
                        const auto it = ref.find(key);
                        const bool present = it != ref.end();
                        REQUIRE(map.erase(key, &taken) == present);
                        if (present) {
                            REQUIRE(taken == it->second);
                            ref.erase(it);
                        }
                        break;
                    }
                    default: {
                        const std::uint64_t* v = map.find(key);
                        const auto it = ref.find(key);
                        REQUIRE((v != nullptr) == (it != ref.end()));
                        if (v != nullptr) REQUIRE(*v == it->second);
                    }
                }
                REQUIRE(map.size() == ref.size());
            }
            std::size_t seen = 0;
            map.for_each([&](std::uint64_t k, std::uint64_t v) {
                ++seen;
                CHECK(ref.at(k) == v);
            });
            CHECK(seen == ref.size());
        }
    }
}

template <class Map>
void grow_and_empty() {
    Map map;
    for (std::uint64_t k = 0; k < 100000; ++k) CHECK(map.try_emplace(k * 4096, static_cast<int>(k)).second);
    CHECK(map.size() == 100000);
    CHECK(*map.find(4096 * 777) == 777);
    for (std::uint64_t k = 0; k < 100000; ++k) CHECK(map.erase(k * 4096));
    CHECK(map.empty());
    CHECK(map.find(0) == nullptr);
}

}  // namespace

TEST_CASE("u64 map: the same answers as std::unordered_map under random churn") {
    churn_like_unordered_map<U64Map<std::uint64_t>>();
}
TEST_CASE("u64 map: grows past many entries and empties again") { grow_and_empty<U64Map<int>>(); }
TEST_CASE("dense id map: the same answers as std::unordered_map under random churn") {
    churn_like_unordered_map<DenseIdMap<std::uint64_t>>();
}
TEST_CASE("dense id map: grows past many entries and empties again") { grow_and_empty<DenseIdMap<int>>(); }

TEST_CASE("dense id map: memory follows the live objects, not the ids handed out") {
    // A trace's pattern: a window of 1000 live objects moving over a million ids,
    // plus 10 long-lived ones from the start.
    DenseIdMap<int> map;
    for (std::uint64_t k = 0; k < 10; ++k) map.try_emplace(k, 0);
    for (std::uint64_t k = 10; k < 1'000'000; ++k) {
        REQUIRE(map.try_emplace(k, 1).second);
        if (k >= 1010) REQUIRE(map.erase(k - 1000));
    }
    CHECK(map.size() == 1010);
    CHECK(map.capacity() <= 4 * 1024);  // 1024 here: the window fits, the 10 wait in the overflow
    for (std::uint64_t k = 0; k < 10; ++k) CHECK(map.contains(k));
    // Ids that all want one slot stay findable, and the capacity stays bounded.
    DenseIdMap<int> strided;
    for (std::uint64_t k = 0; k < 5000; ++k) REQUIRE(strided.try_emplace(k << 20, static_cast<int>(k)).second);
    for (std::uint64_t k = 0; k < 5000; ++k) REQUIRE(*strided.find(k << 20) == static_cast<int>(k));
    CHECK(strided.capacity() <= 32 * 5000);
}
