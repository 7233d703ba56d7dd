// WholeNumber: what a number in text may be (a range and a base), the one place
// that reads such text, and the one wording for text that is not one. Importers,
// the command line's options, the settings, the stored runs and the GUI's
// breakpoints all read numbers through it, so they accept the same spellings and
// refuse them in the same words: "WHAT: 'TEXT' is not a whole number in 1..64".
//
// Accepted: the whole of the text is digits of the base, with nothing around them:
// no sign, no blanks, no suffix and no overflow. Hex may have a 0x or 0X prefix.
#pragma once

#include <charconv>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace allocsim::traces {

enum class NumberBase : std::uint8_t {
    Decimal,
    Hex,           // with or without a 0x prefix: %p, %#lx
    DecimalOrHex,  // hex with a 0x prefix, decimal without (ftrace's pfn)
};

// The integer of type T that the whole of `text` spells in `radix`: digits only,
// with a '-' only for a signed T; no '+', blanks, prefix or overflow. The one reader
// under WholeNumber, and for the rare field that may be negative (stored runs).
template <class T>
std::optional<T> parse_integer(std::string_view text, int radix = 10) {
    static_assert(std::numeric_limits<T>::is_integer);
    T n{};
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, n, radix);
    if (text.empty() || error != std::errc{} || stop != end) return std::nullopt;
    return n;
}

struct WholeNumber {
    static constexpr std::uint64_t kUnbounded = std::numeric_limits<std::uint64_t>::max();

    std::uint64_t min = 0;
    std::uint64_t max = kUnbounded;
    NumberBase base = NumberBase::Decimal;

    // The number `text` spells, or nullopt if it is not all digits or is out of [min, max].
    std::optional<std::uint64_t> parse(std::string_view text) const;

    // What parse accepts, to complete "is not ...": "a whole number in 1..64",
    // "a whole number >= 1", "a hex number in 0..2^48", "a whole number".
    std::string describe() const;

    // The error for text parse refused: "WHAT: 'TEXT' is not DESCRIBE". `what` names
    // the field, option or key; TEXT is cut to 32 characters (a hostile line stays short).
    std::string refusal(std::string_view what, std::string_view text) const;
};

// The WholeNumber that holds every value of T (an integer type) at or above `min`.
template <class T>
constexpr WholeNumber whole_number_of(std::uint64_t min = 0) {
    static_assert(std::numeric_limits<T>::is_integer);
    return WholeNumber{min, static_cast<std::uint64_t>(std::numeric_limits<T>::max())};
}

}  // namespace allocsim::traces
