// U64Map against std::unordered_map: random inserts, finds and erases (the erase's
// backward shift is the part that can go wrong), edge keys, growth.
#include <random>
#include <unordered_map>

#include "tests/traces/test_support.h"
#include "traces/u64_map.h"

using allocsim::U64Map;

TEST_CASE("u64 map: the same answers as std::unordered_map under random churn") {
    for (const std::uint64_t key_range : {std::uint64_t{64}, std::uint64_t{5000}, UINT64_MAX}) {
        CAPTURE(key_range);
        std::mt19937_64 rng(key_range);
        U64Map<std::uint64_t> map;
        std::unordered_map<std::uint64_t, std::uint64_t> ref;
        for (int step = 0; step < 200000; ++step) {
            std::uint64_t key = key_range == UINT64_MAX ? rng() : rng() % key_range;
            if (step % 97 == 0) key = step % 2 ? UINT64_MAX : 0;  // the edge keys
            switch (rng() % 3) {
                case 0: {
                    const auto [value, inserted] = map.try_emplace(key, static_cast<std::uint64_t>(step));
                    const auto [it, ref_inserted] = ref.try_emplace(key, static_cast<std::uint64_t>(step));
                    REQUIRE(inserted == ref_inserted);
                    REQUIRE(*value == it->second);
                    break;
                }
                case 1: REQUIRE(map.erase(key) == (ref.erase(key) == 1)); break;
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

TEST_CASE("u64 map: grows past many entries and empties again") {
    U64Map<int> map;
    for (std::uint64_t k = 0; k < 100000; ++k) CHECK(map.try_emplace(k * 4096, static_cast<int>(k)).second);
    CHECK(map.size() == 100000);
    CHECK(*map.find(4096 * 777) == 777);
    for (std::uint64_t k = 0; k < 100000; ++k) CHECK(map.erase(k * 4096));
    CHECK(map.empty());
    CHECK(map.find(0) == nullptr);
}
