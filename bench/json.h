// A minimal ordered JSON value for the benchmark's --json output: objects keep
// their insertion order, numbers that are not finite print as null. Only what the
// benchmark needs: build, then dump.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "traces/json_text.h"

namespace allocsim::bench {

class Json {
public:
    enum class Kind { Null, Bool, Number, Integer, String, Object, Array };

    Json() = default;
    Json(bool b) : kind_(Kind::Bool), bool_(b) {}
    Json(double d) : kind_(Kind::Number), number_(d) {}
    Json(int i) : kind_(Kind::Integer), integer_(i) {}
    Json(long i) : kind_(Kind::Integer), integer_(i) {}
    Json(long long i) : kind_(Kind::Integer), integer_(i) {}
    Json(unsigned i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}
    Json(unsigned long i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}
    Json(unsigned long long i) : kind_(Kind::Integer), integer_(static_cast<std::int64_t>(i)) {}
    Json(const char* s) : kind_(Kind::String), string_(s) {}
    Json(std::string s) : kind_(Kind::String), string_(std::move(s)) {}
    Json(std::string_view s) : kind_(Kind::String), string_(s) {}

    static Json object() {
        Json j;
        j.kind_ = Kind::Object;
        return j;
    }
    static Json array() {
        Json j;
        j.kind_ = Kind::Array;
        return j;
    }

    // Object member, appended (null) if absent. Turns a null value into an object.
    Json& operator[](std::string_view key) {
        if (kind_ == Kind::Null) kind_ = Kind::Object;
        for (std::size_t i = 0; i < keys_.size(); ++i)
            if (keys_[i] == key) return items_[i];
        keys_.emplace_back(key);
        items_.emplace_back();
        return items_.back();
    }
    void push(Json v) {
        if (kind_ == Kind::Null) kind_ = Kind::Array;
        items_.push_back(std::move(v));
    }
    Kind kind() const { return kind_; }

    std::string dump(int indent = 2) const {
        std::string out;
        write(out, indent, 0);
        return out;
    }

    static std::string escape(std::string_view s) { return json_quote(s); }

private:
    void write(std::string& out, int indent, int depth) const {
        const auto newline = [&](int d) {
            if (indent <= 0) return;
            out += '\n';
            out.append(static_cast<std::size_t>(indent * d), ' ');
        };
        switch (kind_) {
            case Kind::Null: out += "null"; break;
            case Kind::Bool: out += bool_ ? "true" : "false"; break;
            case Kind::Integer: out += fmt::format("{}", integer_); break;
            case Kind::Number:
                if (std::isfinite(number_)) out += fmt::format("{}", number_);
                else out += "null";
                break;
            case Kind::String: out += escape(string_); break;
            case Kind::Object:
                out += '{';
                for (std::size_t i = 0; i < items_.size(); ++i) {
                    if (i) out += ',';
                    newline(depth + 1);
                    out += escape(keys_[i]);
                    out += indent > 0 ? ": " : ":";
                    items_[i].write(out, indent, depth + 1);
                }
                if (!items_.empty()) newline(depth);
                out += '}';
                break;
            case Kind::Array:
                out += '[';
                for (std::size_t i = 0; i < items_.size(); ++i) {
                    if (i) out += ',';
                    newline(depth + 1);
                    items_[i].write(out, indent, depth + 1);
                }
                if (!items_.empty()) newline(depth);
                out += ']';
                break;
        }
    }

    Kind kind_ = Kind::Null;
    bool bool_ = false;
    double number_ = 0;
    std::int64_t integer_ = 0;
    std::string string_;
    std::vector<std::string> keys_;  // Object: parallel to items_
    std::vector<Json> items_;        // Object values or Array elements
};

}  // namespace allocsim::bench
