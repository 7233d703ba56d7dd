// Setting a replay's parameters by name: `--set key=value`, model files, and the
// JSON stored with every run. One table in settings.cpp names every key, parses and
// prints its value and explains it, so parsing, listing, the model file and the
// stored parameters cannot drift apart. docs/ENGINE.md ("Parameters") lists the keys.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engine/replay/replay_settings.h"

namespace allocsim::engine {

// A key or value that was refused, with a message naming the key and what it
// accepts (and, from a model file, "FILE:LINE: " first).
class SettingError : public std::runtime_error {
public:
    explicit SettingError(const std::string& message) : std::runtime_error(message) {}
};

// Sets one key ("cache.capacity", "model.cache_hit") from its text ("128"). Checks
// the value's own range only; batches against the capacity and other cross-field
// rules wait for validate(), because the keys may come in any order.
void apply_setting(ReplaySettings& s, std::string_view key, std::string_view value);

// `--set key=value`: splits at the first '=' and trims blanks around both halves.
void apply_setting_arg(ReplaySettings& s, std::string_view key_equals_value);

// Every field in its range (fields set in code included) and the cross-field rules:
// batches at most the capacity, the largest size class fits a slab run under
// buddy.max_order, map entries below cpus when cpus is given.
void validate(const ReplaySettings& s);

// Every key in the table's order, with the value it has in `s`: a JSON object whose
// values are numbers where the text is a whole number and strings otherwise, each the
// text apply_setting reads back. Stored with every run.
std::string settings_to_json(const ReplaySettings& s);

// Applies the object settings_to_json wrote (a stored run's settings), so the run can
// be replayed exactly as it ran. Throws SettingError for a key or value it refuses.
void apply_settings_json(ReplaySettings& s, std::string_view json);

// The model-file form of `s`: every key, each under a comment saying what it means
// and accepts. load_settings_text() reads it back to the same settings.
std::string settings_to_text(const ReplaySettings& s);

// Applies a model file (a TOML subset, see docs/ENGINE.md) on top of `s`: `# comments`,
// blank lines, `key = value` (value optionally in double quotes) and [core], [replay]
// and [model] sections; in [model] a key names a price ("cache_hit" = model.cache_hit).
// Errors start with "ORIGIN:LINE: ". Does not call validate(): --set may follow.
void load_settings_text(ReplaySettings& s, std::string_view text, const std::string& origin);
void load_settings_file(ReplaySettings& s, const std::string& path);

// Every key, in the table's order.
std::vector<std::string> setting_keys();

}  // namespace allocsim::engine
