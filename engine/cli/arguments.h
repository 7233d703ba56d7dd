// A small command-line parser: `--name value` and `--name=value` options, boolean
// flags, positionals, and everything after `--` kept as is (for `record`). Each
// command declares what it accepts; anything else is a usage error.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace allocsim::cli {

class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class Arguments {
public:
    // REQUIRES: argv[0] is the command's name. Throws UsageError for an unknown
    // option or a missing value.
    Arguments(int argc, char** argv, const std::set<std::string>& options_with_values,
              const std::set<std::string>& flags);

    bool flag(const std::string& name) const { return flags_.count(name) != 0; }
    std::optional<std::string> value(const std::string& name) const;  // the last one given
    std::vector<std::string> values(const std::string& name) const;   // every one, in order (--set a=1 --set b=2)
    std::string value_or(const std::string& name, const std::string& fallback) const;
    // An unsigned number in [min, max]; throws UsageError naming the option.
    std::uint64_t number_or(const std::string& name, std::uint64_t fallback, std::uint64_t min, std::uint64_t max) const;
    const std::vector<std::string>& positionals() const { return positionals_; }
    const std::vector<std::string>& after_dashes() const { return after_dashes_; }

private:
    std::map<std::string, std::string> values_;
    std::map<std::string, std::vector<std::string>> every_value_;
    std::set<std::string> flags_;
    std::vector<std::string> positionals_;
    std::vector<std::string> after_dashes_;
};

}  // namespace allocsim::cli
