// JSON text for the --json outputs: a string quoted and escaped (RFC 8259). One
// place, so every command and benchmark escapes the same way.
#pragma once

#include <fmt/format.h>

#include <string>
#include <string_view>

namespace allocsim {

inline std::string json_quote(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 2);
    out += '"';
    for (const char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        switch (c) {
            case '"': out += "\\\""; break;
            case '\\': out += "\\\\"; break;
            case '\n': out += "\\n"; break;
            case '\t': out += "\\t"; break;
            case '\r': out += "\\r"; break;
            default:
                if (c < 0x20) out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
                else out += ch;
        }
    }
    out += '"';
    return out;
}

}  // namespace allocsim
