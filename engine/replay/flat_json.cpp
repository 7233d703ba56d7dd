#include "engine/replay/flat_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdint>

#include "traces/json_text.h"

namespace allocsim::engine {

namespace {

// A recursive-descent reader over `text`; `at` is the next unread character.
class Reader {
public:
    explicit Reader(std::string_view text) : text_(text) {}

    std::vector<FlatEntry> object() {
        std::vector<FlatEntry> out;
        expect('{');
        if (peek() == '}') {
            ++at_;
        } else {
            for (;;) {
                FlatEntry e;
                e.key = string();
                expect(':');
                if (peek() == '"') {
                    e.text = string();
                } else {
                    e.text = number_text();
                    e.is_number = true;
                    e.number = to_double(e.text);
                }
                out.push_back(std::move(e));
                if (peek() == ',') {
                    ++at_;
                    continue;
                }
                expect('}');
                break;
            }
        }
        if (peek() != '\0') fail("nothing after the object");
        return out;
    }

private:
    [[noreturn]] void fail(std::string_view what) const {
        throw FlatJsonError(fmt::format("stored JSON, offset {}: expected {}", at_, what));
    }

    // The next non-blank character, not consumed; '\0' at the end.
    char peek() {
        while (at_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[at_]))) ++at_;
        return at_ < text_.size() ? text_[at_] : '\0';
    }

    void expect(char c) {
        if (peek() != c) fail(fmt::format("'{}'", c));
        ++at_;
    }

    std::string string() {
        expect('"');
        std::string out;
        for (;;) {
            if (at_ >= text_.size()) fail("a closing '\"'");
            const char c = text_[at_++];
            if (c == '"') return out;
            if (c != '\\') {
                out += c;
                continue;
            }
            if (at_ >= text_.size()) fail("an escape");
            switch (const char e = text_[at_++]) {
                case '"': case '\\': case '/': out += e; break;
                case 'b': out += '\b'; break;
                case 'f': out += '\f'; break;
                case 'n': out += '\n'; break;
                case 'r': out += '\r'; break;
                case 't': out += '\t'; break;
                case 'u': append_utf8(out, code_point()); break;
                default: --at_; fail("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)");
            }
        }
    }

    // After "\u": four hex digits, and a low surrogate's "\uXXXX" after a high one.
    std::uint32_t code_point() {
        const std::uint32_t unit = hex4();
        if (unit < 0xD800 || unit > 0xDBFF) return unit;
        if (text_.substr(at_, 2) != "\\u") fail("a low surrogate after a high one");
        at_ += 2;
        const std::uint32_t low = hex4();
        if (low < 0xDC00 || low > 0xDFFF) fail("a low surrogate after a high one");
        return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
    }

    std::uint32_t hex4() {
        std::uint32_t v = 0;
        const char* begin = text_.data() + at_;
        const auto [stop, error] = std::from_chars(begin, begin + std::min<std::size_t>(4, text_.size() - at_), v, 16);
        if (error != std::errc() || stop != begin + 4) fail("four hex digits");
        at_ += 4;
        return v;
    }

    static void append_utf8(std::string& out, std::uint32_t cp) {
        const auto byte = [&](std::uint32_t b) { out += static_cast<char>(b); };
        if (cp < 0x80) {
            byte(cp);
        } else if (cp < 0x800) {
            byte(0xC0 | (cp >> 6));
            byte(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            byte(0xE0 | (cp >> 12));
            byte(0x80 | ((cp >> 6) & 0x3F));
            byte(0x80 | (cp & 0x3F));
        } else {
            byte(0xF0 | (cp >> 18));
            byte(0x80 | ((cp >> 12) & 0x3F));
            byte(0x80 | ((cp >> 6) & 0x3F));
            byte(0x80 | (cp & 0x3F));
        }
    }

    // JSON's number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    std::string number_text() {
        peek();
        const std::size_t start = at_;
        const auto digits = [&] {
            const std::size_t from = at_;
            while (at_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[at_]))) ++at_;
            return at_ - from;
        };
        const auto next_is = [&](std::string_view set) { return at_ < text_.size() && set.find(text_[at_]) != set.npos; };
        if (next_is("-")) ++at_;
        const std::size_t int_start = at_;
        const std::size_t int_digits = digits();
        if (int_digits == 0 || (int_digits > 1 && text_[int_start] == '0')) fail("a number or a string");
        if (next_is(".")) {
            ++at_;
            if (digits() == 0) fail("digits after '.'");
        }
        if (next_is("eE")) {
            ++at_;
            if (next_is("+-")) ++at_;
            if (digits() == 0) fail("an exponent");
        }
        return std::string(text_.substr(start, at_ - start));
    }

    static double to_double(const std::string& text) {
        double v = 0;
        // The grammar was checked; from_chars only refuses out-of-range values,
        // which keep their text and read as 0.
        std::from_chars(text.data(), text.data() + text.size(), v);
        return v;
    }

    std::string_view text_;
    std::size_t at_ = 0;
};

}  // namespace

std::string FlatEntry::json() const { return is_number ? text : json_quote(text); }

FlatObject::FlatObject(std::string_view json) : entries_(Reader(json).object()) {}

const FlatEntry* FlatObject::find(std::string_view key) const {
    for (const FlatEntry& e : entries_)
        if (e.key == key) return &e;
    return nullptr;
}

double FlatObject::number_or(std::string_view key, double fallback) const {
    const FlatEntry* e = find(key);
    return e && e->is_number ? e->number : fallback;
}

}  // namespace allocsim::engine
