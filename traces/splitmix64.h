// SplitMix64: the synthetic workloads' only source of randomness, and the integer
// distributions they draw from.
//
// Why not <random>: std::mt19937_64 is portable, but std::uniform_int_distribution
// and the other std distributions are implementation-defined, so the same seed
// would give another trace with another standard library. Everything here is
// integer math on the generator's output: the same seed gives the same numbers on
// every machine and compiler.
//
// The generator is Vigna's splitmix64.c (Steele, Lea, Flood 2014): one 64-bit word
// of state, passes BigCrush, and any seed (0 included) is fine.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace allocsim::traces {

class SplitMix64 {
public:
    explicit constexpr SplitMix64(std::uint64_t seed) : state_(seed) {}

    // An independent stream for `stream` (a CPU, a role) under one user seed.
    static constexpr SplitMix64 stream(std::uint64_t seed, std::uint64_t stream) {
        SplitMix64 salt(stream ^ 0x6a09e667f3bcc909);
        return SplitMix64(seed ^ salt.next());
    }

    constexpr std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9e3779b97f4a7c15);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
        z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
        return z ^ (z >> 31);
    }

    // Uniform in [0, n). REQUIRES: n >= 1. The high word of next() * n (Lemire):
    // no division; the bias, below n / 2^64, is far under anything a trace shows.
    constexpr std::uint64_t below(std::uint64_t n) { return mul_high(next(), n); }

    // Uniform in [lo, hi]. REQUIRES: lo <= hi < UINT64_MAX.
    constexpr std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }

    // True with probability num / den. REQUIRES: den >= 1.
    constexpr bool chance(std::uint64_t num, std::uint64_t den) { return below(den) < num; }

    // k with probability 2^-(k+1) (a geometric law), k >= max folded into max: the
    // trailing zeros of a random word. The base of the heavy tails below.
    constexpr unsigned halving(unsigned max) {
        return std::min(static_cast<unsigned>(std::countr_zero(next())), max);
    }

    // Log-uniform in [2^lo_log2, 2^hi_log2): each power-of-two range equally likely,
    // uniform inside it. REQUIRES: lo_log2 < hi_log2 <= 63.
    constexpr std::uint64_t log_uniform(unsigned lo_log2, unsigned hi_log2) {
        const unsigned e = lo_log2 + static_cast<unsigned>(below(hi_log2 - lo_log2));
        return (std::uint64_t{1} << e) + below(std::uint64_t{1} << e);
    }

    // Pareto-like with index 1, in [2^lo_log2, 2^hi_log2]: P(value >= 2^(lo_log2+k))
    // = 2^-k, uniform inside each power-of-two range; the top range is folded into
    // 2^hi_log2 itself. REQUIRES: lo_log2 < hi_log2 <= 63.
    constexpr std::uint64_t pareto(unsigned lo_log2, unsigned hi_log2) {
        const unsigned e = lo_log2 + halving(hi_log2 - lo_log2);
        if (e == hi_log2) return std::uint64_t{1} << e;
        return (std::uint64_t{1} << e) + below(std::uint64_t{1} << e);
    }

private:
    static constexpr std::uint64_t mul_high(std::uint64_t a, std::uint64_t b) {
        __extension__ using U128 = unsigned __int128;  // GCC and Clang; __extension__ keeps -Wpedantic quiet
        return static_cast<std::uint64_t>((U128{a} * b) >> 64);
    }

    std::uint64_t state_;
};

}  // namespace allocsim::traces
