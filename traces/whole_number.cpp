#include "traces/whole_number.h"

#include <fmt/format.h>

#include <bit>

namespace allocsim::traces {

namespace {

bool has_hex_prefix(std::string_view text) {
    return text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
}

// Bounds as people write them: 2^48 and 2^63-1 rather than twenty digits; small
// bounds stay decimal (65536, not 2^16: that is how option ranges are read).
std::string bound_text(std::uint64_t v) {
    constexpr std::uint64_t kShortFrom = std::uint64_t{1} << 32;
    if (v >= kShortFrom && std::has_single_bit(v)) return fmt::format("2^{}", std::countr_zero(v));
    if (v >= kShortFrom && v != WholeNumber::kUnbounded && std::has_single_bit(v + 1))
        return fmt::format("2^{}-1", std::countr_zero(v + 1));
    return std::to_string(v);
}

}  // namespace

std::optional<std::uint64_t> WholeNumber::parse(std::string_view text) const {
    int radix = 10;
    if (base == NumberBase::Hex || (base == NumberBase::DecimalOrHex && has_hex_prefix(text))) {
        radix = 16;
        if (has_hex_prefix(text)) text.remove_prefix(2);
    }
    const std::optional<std::uint64_t> n = parse_integer<std::uint64_t>(text, radix);  // unsigned: no sign
    if (!n || *n < min || *n > max) return std::nullopt;
    return n;
}

std::string WholeNumber::describe() const {
    const std::string_view kind = base == NumberBase::Hex ? "a hex number" : "a whole number";
    if (max != kUnbounded) return fmt::format("{} in {}..{}", kind, bound_text(min), bound_text(max));
    if (min != 0) return fmt::format("{} >= {}", kind, bound_text(min));
    return std::string(kind);
}

std::string WholeNumber::refusal(std::string_view what, std::string_view text) const {
    constexpr std::size_t kShown = 32;
    return fmt::format("{}: '{}{}' is not {}", what, text.substr(0, kShown), text.size() > kShown ? "..." : "",
                       describe());
}

}  // namespace allocsim::traces
