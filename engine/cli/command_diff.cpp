// allocsim diff RUN_A RUN_B: two stored runs side by side, every numeric summary
// figure with its ratio B/A, then the settings that differ.
#include <fmt/format.h>

#include <optional>

#include "engine/cli/commands.h"
#include "engine/replay/flat_json.h"
#include "engine/replay/run_store.h"
#include "traces/import_error.h"

namespace allocsim::cli {

namespace {

constexpr const char* kHelp =
    "usage: allocsim diff RUN_A RUN_B [--db FILE] [--json]\n\n"
    "Sets two stored runs (allocsim runs lists them) side by side: every numeric summary\n"
    "figure with the ratio B/A ('-' when A is 0), then the settings that differ.\n"
    "  --db FILE   the database (default allocsim.db)\n"
    "  --json      {\"a\":RUN_A,\"b\":RUN_B,\"rows\":[{\"key\",\"a\",\"b\",\"ratio\"}...],\n"
    "              \"settings_differ\":{KEY:{\"a\",\"b\"}...}}; a missing value or ratio is null\n";

// One line of the comparison; a side is absent when that run did not store the key.
struct Row {
    std::string key;
    const engine::FlatEntry* a;
    const engine::FlatEntry* b;
};

// The keys of `a` in its order, then those only `b` has, each once; `keep` selects them.
template <class Keep>
std::vector<Row> pair_up(const engine::FlatObject& a, const engine::FlatObject& b, Keep keep) {
    std::vector<Row> rows;
    for (const engine::FlatEntry& e : a.entries())
        if (keep(&e, b.find(e.key))) rows.push_back(Row{e.key, &e, b.find(e.key)});
    for (const engine::FlatEntry& e : b.entries())
        if (!a.find(e.key) && keep(nullptr, &e)) rows.push_back(Row{e.key, nullptr, &e});
    return rows;
}

std::optional<double> ratio(const Row& r) {
    if (!r.a || !r.b || !r.a->is_number || !r.b->is_number || r.a->number == 0) return std::nullopt;
    return r.b->number / r.a->number;
}

std::string json_or_null(const engine::FlatEntry* e) { return e ? e->json() : "null"; }
std::string text_or_dash(const engine::FlatEntry* e) { return e ? e->text : "-"; }

}  // namespace

int command_diff(int argc, char** argv) {
    const Arguments args(argc, argv, {"db"}, {"json", "help"});
    if (args.flag("help")) {
        fmt::print("{}", kHelp);
        return 0;
    }
    if (args.positionals().size() != 2) throw UsageError("RUN_A and RUN_B are required (allocsim runs lists them)");
    const std::int64_t id_a = parse_run_id(args.positionals()[0]);
    const std::int64_t id_b = parse_run_id(args.positionals()[1]);
    const std::string path = args.value_or("db", kDefaultDb);
    require_database_for_run(path, id_a);
    traces::Database db(path);
    const engine::StoredRun run_a = engine::load_run(db, id_a);
    const engine::StoredRun run_b = engine::load_run(db, id_b);

    const engine::FlatObject summary_a(run_a.summary_json), summary_b(run_b.summary_json);
    const auto numeric = [](const engine::FlatEntry* a, const engine::FlatEntry* b) {
        return (a && a->is_number) || (b && b->is_number);
    };
    const std::vector<Row> rows = pair_up(summary_a, summary_b, numeric);
    const engine::FlatObject settings_a(run_a.settings_json), settings_b(run_b.settings_json);
    const auto differ = [](const engine::FlatEntry* a, const engine::FlatEntry* b) {
        return !a || !b || a->text != b->text || a->is_number != b->is_number;
    };
    const std::vector<Row> settings = pair_up(settings_a, settings_b, differ);

    if (args.flag("json")) {
        std::string out = fmt::format(R"({{"a":{},"b":{},"rows":[)", id_a, id_b);
        for (std::size_t i = 0; i < rows.size(); ++i) {
            if (i > 0) out += ',';
            const std::optional<double> q = ratio(rows[i]);
            out += fmt::format(R"({{"key":{},"a":{},"b":{},"ratio":{}}})", json_string(rows[i].key),
                               json_or_null(rows[i].a), json_or_null(rows[i].b), q ? fmt::format("{}", *q) : "null");
        }
        out += R"(],"settings_differ":{)";
        for (std::size_t i = 0; i < settings.size(); ++i) {
            if (i > 0) out += ',';
            out += fmt::format(R"({}:{{"a":{},"b":{}}})", json_string(settings[i].key), json_or_null(settings[i].a),
                               json_or_null(settings[i].b));
        }
        fmt::print("{}}}}}\n", out);
        return 0;
    }
    fmt::print("run {} ('{}', {}) vs run {} ('{}', {})\n\n", id_a, run_a.trace, run_a.allocator, id_b, run_b.trace,
               run_b.allocator);
    const std::string head_a = fmt::format("run {}", id_a), head_b = fmt::format("run {}", id_b);
    fmt::print("  {:<24} {:>18} {:>18} {:>9}\n", "", head_a, head_b, "b/a");
    for (const Row& r : rows) {
        const std::optional<double> q = ratio(r);
        fmt::print("  {:<24} {:>18} {:>18} {:>9}\n", r.key, text_or_dash(r.a), text_or_dash(r.b),
                   q ? fmt::format("{:.3f}", *q) : "-");
    }
    if (settings.empty()) {
        fmt::print("\nsettings: the same\n");
        return 0;
    }
    fmt::print("\nsettings that differ:\n");
    for (const Row& r : settings) fmt::print("  {:<24} {:>18} {:>18}\n", r.key, text_or_dash(r.a), text_or_dash(r.b));
    return 0;
}

}  // namespace allocsim::cli
