// A replay's trajectory as one 64-bit number: every operation's trace index, modeled
// CPU, start, end and waiting, and the kinds of action the core took for it, folded in
// the order the operations ran. Two replays with the same fingerprint ran the same
// operations at the same simulated cycles on the same CPUs, the core doing the same
// kinds of thing; a change to the engine, the core or the cost model that moves any of
// that moves the fingerprint (tests/engine/fingerprints.txt pins them).
//
// One multiply-xorshift round per operation (SplitMix64's finalizer over a sum of the
// fields, each times its own odd constant): a few instructions on the replay's hot path.
#pragma once

#include <cstdint>
#include <string>

#include <fmt/format.h>

namespace allocsim::engine {

inline constexpr std::uint64_t kFingerprintSeed = 0x6a09e667f3bcc909ull;

constexpr std::uint64_t fingerprint_step(std::uint64_t h, std::uint64_t event, std::uint16_t cpu, std::int64_t start,
                                         std::int64_t end, std::uint64_t wait, std::uint32_t kinds) {
    std::uint64_t x = h + event * 0x9e3779b97f4a7c15ull + static_cast<std::uint64_t>(start) * 0xbf58476d1ce4e5b9ull +
                      static_cast<std::uint64_t>(end) * 0x94d049bb133111ebull + wait * 0xd6e8feb86659fd93ull +
                      ((std::uint64_t{kinds} << 16) | cpu) * 0xa0761d6478bd642full;
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

// As printed and stored: 16 hex digits.
inline std::string fingerprint_text(std::uint64_t h) { return fmt::format("{:016x}", h); }

}  // namespace allocsim::engine
