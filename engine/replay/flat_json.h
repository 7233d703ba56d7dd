// Reads back the flat JSON objects allocsim stores with a run (the summary and the
// settings): one object whose values are numbers or strings, nothing nested. Keys
// stay in their stored order, which is the documented order show and diff print in.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace allocsim::engine {

// A stored object that is not flat JSON of numbers and strings; the message gives
// the offset and what was expected there.
class FlatJsonError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

struct FlatEntry {
    std::string key;
    std::string text;        // a number as written ("0.953125"), a string unescaped
    bool is_number = false;
    double number = 0;       // the number's value; 0 for a string

    // The value as JSON: a number as written, a string quoted again.
    std::string json() const;
};

class FlatObject {
public:
    // Throws FlatJsonError. A key given twice keeps both entries; find() returns the first.
    explicit FlatObject(std::string_view json);

    const std::vector<FlatEntry>& entries() const { return entries_; }
    const FlatEntry* find(std::string_view key) const;  // nullptr when absent
    // The number under `key`; `fallback` when absent or a string.
    double number_or(std::string_view key, double fallback) const;

private:
    std::vector<FlatEntry> entries_;
};

}  // namespace allocsim::engine
