// WholeNumber: the one reader of numbers in text, and the one wording of a refusal.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "traces/whole_number.h"

using namespace allocsim::traces;

TEST_CASE("whole number: the whole text is digits, nothing around them, no overflow") {
    constexpr WholeNumber any{};
    CHECK(any.parse("0") == 0u);
    CHECK(any.parse("007") == 7u);
    CHECK(any.parse("18446744073709551615") == UINT64_MAX);
    for (const char* bad : {"", " 1", "1 ", "+1", "-1", "1x", "0x10", "1.5", "1e3", "18446744073709551616"}) {
        CAPTURE(bad);
        CHECK_FALSE(any.parse(bad).has_value());
    }
}

TEST_CASE("whole number: the range holds both bounds and nothing outside") {
    constexpr WholeNumber cpus{1, 64};
    CHECK_FALSE(cpus.parse("0").has_value());
    CHECK(cpus.parse("1") == 1u);
    CHECK(cpus.parse("64") == 64u);
    CHECK_FALSE(cpus.parse("65").has_value());
    CHECK(whole_number_of<std::uint16_t>().parse("65535") == 65535u);
    CHECK_FALSE(whole_number_of<std::uint16_t>().parse("65536").has_value());
    CHECK(whole_number_of<std::int64_t>(1).parse("9223372036854775807") == std::uint64_t{INT64_MAX});
    CHECK_FALSE(whole_number_of<std::int64_t>(1).parse("9223372036854775808").has_value());
}

TEST_CASE("whole number: hex with or without 0x, and decimal unless 0x") {
    constexpr WholeNumber hex{0, WholeNumber::kUnbounded, NumberBase::Hex};
    CHECK(hex.parse("ff") == 255u);
    CHECK(hex.parse("0xff") == 255u);
    CHECK(hex.parse("0XFF") == 255u);
    CHECK(hex.parse("0") == 0u);
    for (const char* bad : {"0x", "0x-1", "-ff", "0xgg", "x10", "0x10000000000000000"}) {
        CAPTURE(bad);
        CHECK_FALSE(hex.parse(bad).has_value());
    }
    constexpr WholeNumber pfn{0, WholeNumber::kUnbounded, NumberBase::DecimalOrHex};
    CHECK(pfn.parse("10") == 10u);
    CHECK(pfn.parse("0x10") == 16u);
    CHECK_FALSE(pfn.parse("1a").has_value());
}

TEST_CASE("whole number: a refusal names what, quotes the text and says what is accepted") {
    CHECK(WholeNumber{1, 64}.refusal("--cpus", "0") == "--cpus: '0' is not a whole number in 1..64");
    CHECK(WholeNumber{1}.refusal("sample_every", "0") == "sample_every: '0' is not a whole number >= 1");
    CHECK(WholeNumber{}.refusal("heap size", "x") == "heap size: 'x' is not a whole number");
    CHECK(WholeNumber{0, std::uint64_t{1} << 48, NumberBase::Hex}.refusal("size", "-5") ==
          "size: '-5' is not a hex number in 0..2^48");
    CHECK(whole_number_of<std::int64_t>(1).describe() == "a whole number in 1..2^63-1");
    CHECK(whole_number_of<std::uint32_t>().describe() == "a whole number in 0..4294967295");  // below 2^32: decimal
    CHECK(WholeNumber{0, std::uint64_t{1} << 32}.describe() == "a whole number in 0..2^32");
    CHECK(WholeNumber{0, 65536}.describe() == "a whole number in 0..65536");
    // A hostile line's token is cut, so the message stays one short line.
    CHECK(WholeNumber{}.refusal("id", std::string(100, '7') + "x") ==
          "id: '" + std::string(32, '7') + "...' is not a whole number");
}

TEST_CASE("whole number: parse_integer reads a signed type's negatives, whole texts only") {
    CHECK(parse_integer<std::int64_t>("-5") == -5);
    CHECK(parse_integer<std::int64_t>("-9223372036854775808") == INT64_MIN);
    CHECK_FALSE(parse_integer<std::int64_t>("9223372036854775808").has_value());
    CHECK_FALSE(parse_integer<std::uint32_t>("-1").has_value());
    CHECK_FALSE(parse_integer<std::int64_t>("+5").has_value());
    CHECK_FALSE(parse_integer<std::int64_t>("5 ").has_value());
    CHECK_FALSE(parse_integer<std::int64_t>("").has_value());
}
