#include "engine/cli/arguments.h"

#include "traces/whole_number.h"

namespace allocsim::cli {

Arguments::Arguments(int argc, char** argv, const std::set<std::string>& options_with_values,
                     const std::set<std::string>& flags) {
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--") {
            for (++i; i < argc; ++i) after_dashes_.emplace_back(argv[i]);
            break;
        }
        if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "-") {
            positionals_.push_back(arg);
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inline_value;
        if (const auto eq = name.find('='); eq != std::string::npos) {
            inline_value = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        if (options_with_values.count(name) != 0) {
            if (inline_value) values_[name] = *inline_value;
            else if (i + 1 < argc) values_[name] = argv[++i];
            else throw UsageError("--" + name + " needs a value");
            every_value_[name].push_back(values_[name]);
        } else if (flags.count(name) != 0 && !inline_value) {
            flags_.insert(name);
        } else {
            throw UsageError("unknown option --" + name);
        }
    }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
    const auto it = values_.find(name);
    if (it == values_.end()) return std::nullopt;
    return it->second;
}

std::vector<std::string> Arguments::values(const std::string& name) const {
    const auto it = every_value_.find(name);
    return it == every_value_.end() ? std::vector<std::string>{} : it->second;
}

std::string Arguments::value_or(const std::string& name, const std::string& fallback) const {
    return value(name).value_or(fallback);
}

std::uint64_t Arguments::number_or(const std::string& name, std::uint64_t fallback, std::uint64_t min,
                                   std::uint64_t max) const {
    const auto text = value(name);
    if (!text) return fallback;
    const traces::WholeNumber number{min, max};
    const std::optional<std::uint64_t> n = number.parse(*text);
    if (!n) throw UsageError(number.refusal("--" + name, *text));
    return *n;
}

}  // namespace allocsim::cli
