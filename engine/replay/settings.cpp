// The settings table and everything driven by it: --set, the model file, the JSON
// stored with a run and the key list for help.
#include "engine/replay/settings.h"

#include "engine/replay/flat_json.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <system_error>
#include <type_traits>
#include <utility>

#include "alloc/size_classes.h"
#include "traces/json_text.h"
#include "traces/whole_number.h"

namespace allocsim::engine {
namespace {

// Model files group keys under these; a key's section is where settings_to_text
// writes it and the only section a model file may set it in.
enum class Section : std::uint8_t { Core, Replay, Model };

constexpr std::pair<Section, std::string_view> kSectionNames[] = {
    {Section::Core, "core"}, {Section::Replay, "replay"}, {Section::Model, "model"}};

std::string_view section_name(Section section) {
    for (const auto& [s, name] : kSectionNames)
        if (s == section) return name;
    return "?";
}

constexpr std::string_view kModelPrefix = "model.";

struct Setting {
    std::string key;       // as --set spells it: "cache.capacity", "model.cache_hit"
    Section section;
    std::string meaning;   // the model file's comment and the docs' "meaning" column
    std::string accepts;   // what parses, completing "KEY: 'VALUE' is not ..."
    std::function<void(ReplaySettings&, std::string_view)> set;  // throws SettingError
    std::function<std::string(const ReplaySettings&)> get;       // text that `set` reads back
};

[[noreturn]] void refuse(std::string_view key, std::string_view value, std::string_view accepts) {
    throw SettingError(fmt::format("{}: '{}' is not {}", key, value, accepts));
}

std::optional<std::uint64_t> parse_whole(std::string_view text) { return traces::WholeNumber{}.parse(text); }

std::string_view trim(std::string_view s) {
    const auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\r'; };
    while (!s.empty() && blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && blank(s.back())) s.remove_suffix(1);
    return s;
}

// "16, 32,64" -> {"16", "32", "64"}; an empty item stays, to be refused.
std::vector<std::string_view> split_list(std::string_view text) {
    std::vector<std::string_view> items;
    for (;;) {
        const std::size_t comma = text.find(',');
        items.push_back(trim(text.substr(0, comma)));
        if (comma == std::string_view::npos) return items;
        text.remove_prefix(comma + 1);
    }
}

std::string join_list(const std::vector<std::uint32_t>& values) {
    std::string out;
    for (const std::uint32_t v : values) {
        if (!out.empty()) out += ',';
        out += std::to_string(v);
    }
    return out;
}

// "a", "a or b", "a, b or c".
std::string either(const std::vector<std::string>& words) {
    std::string out;
    for (std::size_t i = 0; i < words.size(); ++i) {
        if (i > 0) out += i + 1 == words.size() ? " or " : ", ";
        out += words[i];
    }
    return out;
}

// Fields are reached through generic lambdas, `[](auto& s) -> auto& { ... }`, so one
// accessor serves the setter (mutable settings) and the getter (const settings).
template <class Field>
using FieldType = std::remove_cvref_t<std::invoke_result_t<Field, ReplaySettings&>>;

constexpr std::uint64_t kUnbounded = traces::WholeNumber::kUnbounded;

template <class Field>
Setting whole(std::string key, Section section, std::string meaning, Field field, std::uint64_t lo,
              std::uint64_t hi) {
    const traces::WholeNumber number{lo, hi};
    auto set = [key, number, field](ReplaySettings& s, std::string_view value) {
        const std::optional<std::uint64_t> n = number.parse(value);
        if (!n) throw SettingError(number.refusal(key, value));
        field(s) = static_cast<FieldType<Field>>(*n);
    };
    auto get = [field](const ReplaySettings& s) { return std::to_string(field(s)); };
    return Setting{std::move(key), section, std::move(meaning), number.describe(), set, get};
}

template <class Field>
Setting choice(std::string key, Section section, std::string meaning, Field field,
               std::vector<std::pair<std::string, FieldType<Field>>> names) {
    std::vector<std::string> words;
    for (const auto& name : names) words.push_back(name.first);
    std::string accepts = either(words);
    auto set = [key, accepts, field, names](ReplaySettings& s, std::string_view value) {
        for (const auto& [name, v] : names) {
            if (name == value) {
                field(s) = v;
                return;
            }
        }
        refuse(key, value, accepts);
    };
    // An out-of-range enum set in code prints as its number, which validate() refuses.
    auto get = [field, names](const ReplaySettings& s) {
        for (const auto& [name, v] : names)
            if (v == field(s)) return name;
        return std::to_string(static_cast<unsigned>(field(s)));
    };
    return Setting{std::move(key), section, std::move(meaning), std::move(accepts), set, get};
}

Setting size_classes_setting() {
    std::string key = "size_classes";
    std::string accepts = fmt::format("default, or 1..{} ascending multiples of {} in {}..{}, comma-separated",
                                      kMaxSizeClasses, kMinAlignment, kMinAlignment, kMaxSmallSize);
    auto set = [key, accepts](ReplaySettings& s, std::string_view value) {
        if (value == "default") {
            s.size_classes.clear();
            return;
        }
        if (value.empty()) refuse(key, value, accepts);
        const std::vector<std::string_view> items = split_list(value);
        if (items.size() > kMaxSizeClasses)
            throw SettingError(fmt::format("{}: {} sizes, at most {}", key, items.size(), kMaxSizeClasses));
        std::vector<std::uint32_t> sizes;
        for (const std::string_view item : items) {
            const std::optional<std::uint64_t> n = parse_whole(item);
            if (!n || *n < kMinAlignment || *n > kMaxSmallSize || *n % kMinAlignment != 0)
                throw SettingError(fmt::format("{}: '{}' is not a multiple of {} in {}..{}", key, item,
                                               kMinAlignment, kMinAlignment, kMaxSmallSize));
            if (!sizes.empty() && *n <= sizes.back())
                throw SettingError(fmt::format("{}: {} after {} is not ascending", key, *n, sizes.back()));
            sizes.push_back(static_cast<std::uint32_t>(*n));
        }
        s.size_classes = std::move(sizes);
    };
    auto get = [](const ReplaySettings& s) {
        return s.size_classes.empty() ? std::string("default") : join_list(s.size_classes);
    };
    return Setting{std::move(key), Section::Core,
                   "The slabs' object sizes in bytes; default: 8, 16, then 2 per doubling (2^k, 1.5 x 2^k) to 16384",
                   std::move(accepts), set, get};
}

// Trace CPU numbers are 16-bit, so 65536 entries give every trace CPU its own.
constexpr std::size_t kMaxMapEntries = 65536;

Setting map_setting() {
    std::string key = "map";
    std::string accepts = fmt::format("none, or 1..{} CPU numbers in 0..{}, comma-separated", kMaxMapEntries,
                                      kMaxCpus - 1);
    auto set = [key, accepts](ReplaySettings& s, std::string_view value) {
        if (value == "none") {
            s.cpu_map.clear();
            return;
        }
        if (value.empty()) refuse(key, value, accepts);
        const std::vector<std::string_view> items = split_list(value);
        if (items.size() > kMaxMapEntries)
            throw SettingError(fmt::format("{}: {} entries, at most {}", key, items.size(), kMaxMapEntries));
        std::vector<std::uint32_t> cpus;
        for (const std::string_view item : items) {
            const traces::WholeNumber cpu{0, kMaxCpus - 1};
            const std::optional<std::uint64_t> n = cpu.parse(item);
            if (!n) throw SettingError(cpu.refusal(key, item));
            cpus.push_back(static_cast<std::uint32_t>(*n));
        }
        s.cpu_map = std::move(cpus);
    };
    auto get = [](const ReplaySettings& s) {
        return s.cpu_map.empty() ? std::string("none") : join_list(s.cpu_map);
    };
    return Setting{std::move(key), Section::Replay, "Trace CPU c runs on map[c % entries]; none: as cpus says",
                   std::move(accepts), set, get};
}

// "0.5", "2", "1.25" -> thousandths (500, 2000, 1250): at most three decimals, so
// that the cycles it scales stay whole and a replay stays exact. In [lo, hi].
std::optional<std::uint32_t> parse_thousandths(std::string_view text, std::uint32_t lo, std::uint32_t hi) {
    const std::size_t dot = text.find('.');
    const std::optional<std::uint64_t> whole_part = parse_whole(text.substr(0, dot));
    if (!whole_part || *whole_part > hi / 1000 + 1) return std::nullopt;
    std::uint64_t value = *whole_part * 1000;
    if (dot != std::string_view::npos) {
        const std::string_view decimals = text.substr(dot + 1);
        if (decimals.empty() || decimals.size() > 3 || decimals.find_first_not_of("0123456789") != std::string_view::npos)
            return std::nullopt;
        std::uint64_t d = 0;
        for (std::size_t i = 0; i < 3; ++i) d = d * 10 + (i < decimals.size() ? static_cast<std::uint64_t>(decimals[i] - '0') : 0);
        value += d;
    }
    if (value < lo || value > hi) return std::nullopt;
    return static_cast<std::uint32_t>(value);
}

std::string thousandths_text(std::uint32_t v) {
    std::string text = fmt::format("{}.{:03}", v / 1000, v % 1000);
    while (text.back() == '0') text.pop_back();
    if (text.back() == '.') text.pop_back();
    return text;
}

// A CPU's speed: 0.001 (a thousand times slower) to 1000 times faster.
constexpr std::uint32_t kMinSpeed = 1, kMaxSpeed = 1'000'000;

Setting cpu_speed_setting() {
    std::string key = "cpu.speed";
    std::string accepts = fmt::format("uniform, or up to {} speeds (0.001..1000, 1 = as priced), comma-separated; "
                                      "cpu.N.speed=X sets CPU N's alone", kMaxCpus);
    auto set = [key, accepts](ReplaySettings& s, std::string_view value) {
        if (value == "uniform") {
            s.cpu_speed_permille.clear();
            return;
        }
        if (value.empty()) refuse(key, value, accepts);
        const std::vector<std::string_view> items = split_list(value);
        if (items.size() > kMaxCpus) throw SettingError(fmt::format("{}: {} speeds, at most {}", key, items.size(), kMaxCpus));
        std::vector<std::uint32_t> speeds;
        for (const std::string_view item : items) {
            const std::optional<std::uint32_t> v = parse_thousandths(item, kMinSpeed, kMaxSpeed);
            if (!v) throw SettingError(fmt::format("{}: '{}' is not a speed in 0.001..1000", key, item));
            speeds.push_back(*v);
        }
        s.cpu_speed_permille = std::move(speeds);
    };
    auto get = [](const ReplaySettings& s) {
        if (s.cpu_speed_permille.empty()) return std::string("uniform");
        std::string out;
        for (const std::uint32_t v : s.cpu_speed_permille) {
            if (!out.empty()) out += ',';
            out += thousandths_text(v);
        }
        return out;
    };
    return Setting{std::move(key), Section::Replay,
                   "What-if: each modeled CPU's speed; a CPU at 0.5 takes twice the priced cycles for its work "
                   "(its waits are for the others); uniform: every CPU at 1",
                   std::move(accepts), set, get};
}

Setting think_scale_setting() {
    std::string key = "model.think_scale";
    std::string accepts = "a factor in 0..1000 with at most three decimals";
    auto set = [key, accepts](ReplaySettings& s, std::string_view value) {
        const std::optional<std::uint32_t> v = parse_thousandths(value, 0, kMaxSpeed);
        if (!v) refuse(key, value, accepts);
        s.think_scale_permille = *v;
    };
    auto get = [](const ReplaySettings& s) { return thousandths_text(s.think_scale_permille); };
    return Setting{std::move(key), Section::Model,
                   "What-if: closed loop's think time between a CPU's operations, times this factor",
                   std::move(accepts), set, get};
}

// Binary multiples, whichever way they are spelled: memory regions come in pages.
constexpr std::pair<std::string_view, unsigned> kByteSuffixes[] = {
    {"", 0}, {"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30}};

Setting region_setting() {
    std::string key = "region";
    std::string accepts = "auto, or bytes with an optional K, M, G, KiB, MiB or GiB suffix (K = KiB = 1024)";
    auto set = [key, accepts](ReplaySettings& s, std::string_view value) {
        if (value == "auto") {
            s.region_bytes = 0;
            return;
        }
        const std::size_t digits = std::min(value.find_first_not_of("0123456789"), value.size());
        const std::optional<std::uint64_t> n = parse_whole(value.substr(0, digits));
        const std::string_view suffix = value.substr(digits);
        for (const auto& [text, shift] : kByteSuffixes) {
            if (n && suffix == text && *n <= (kUnbounded >> shift)) {
                s.region_bytes = *n << shift;
                return;
            }
        }
        refuse(key, value, accepts);
    };
    auto get = [](const ReplaySettings& s) {
        return s.region_bytes == 0 ? std::string("auto") : std::to_string(s.region_bytes);
    };
    return Setting{std::move(key), Section::Replay,
                   "The modeled memory region; auto (or 0): fit the trace's stored peak live bytes",
                   std::move(accepts), set, get};
}

constexpr std::uint64_t kMaxPrice = 1'000'000'000;

struct ModelField {
    std::string_view name;
    std::uint32_t CostModel::*field;
    std::string_view meaning;  // as cost_model.h says it
    std::uint64_t lo = 0;
    std::uint64_t hi = kMaxPrice;
};

constexpr ModelField kModelFields[] = {
    // Trace times become cycles at this rate, so it cannot be 0; 1 THz is past any real CPU.
    {"mhz", &CostModel::mhz, "The modeled clock in MHz: trace times (ns) become cycles at this rate", 1, 1'000'000},
    {"op_base", &CostModel::op_base, "Entering the allocator (call, size-class lookup)"},
    {"cache_hit", &CostModel::cache_hit, "Pop from a bin"},
    {"cache_free", &CostModel::cache_free, "Push onto a bin"},
    {"cache_miss", &CostModel::cache_miss, "The slow path's entry when a bin is empty"},
    {"cache_full", &CostModel::cache_full, "The slow path's entry when a bin is full"},
    {"refill_per_object", &CostModel::refill_per_object, "Each object moved slab -> bin"},
    {"drain_per_object", &CostModel::drain_per_object, "Each object moved bin -> slab"},
    {"node_touch", &CostModel::node_touch, "Each free-list node read or written (refill, drain, buddy lists)"},
    {"slab_carve", &CostModel::slab_carve, "Carving a fresh page run: fixed part"},
    {"slab_carve_per_object", &CostModel::slab_carve_per_object, "Carving a fresh page run: per object carved"},
    {"page_return", &CostModel::page_return, "An empty slab run back to the buddy"},
    {"remote_free", &CostModel::remote_free, "Pushing a batch onto another CPU's remote queue"},
    {"remote_collect", &CostModel::remote_collect, "Taking the remote queue back"},
    {"buddy_alloc", &CostModel::buddy_alloc, "A block leaves the buddy"},
    {"buddy_free", &CostModel::buddy_free, "A block comes back"},
    {"buddy_split", &CostModel::buddy_split, "Each split"},
    {"buddy_split_entry", &CostModel::buddy_split_entry, "Extra for an operation's first split"},
    {"buddy_coalesce", &CostModel::buddy_coalesce, "Each coalesce"},
    {"large_alloc", &CostModel::large_alloc, "A run of max-order blocks leaves the buddy"},
    {"large_free", &CostModel::large_free, "A run of max-order blocks comes back"},
    {"lock", &CostModel::lock, "An uncontended lock acquire and release"},
    {"lock_handoff", &CostModel::lock_handoff, "Extra for a lock taken right after another CPU released it"},
    {"atomic", &CostModel::atomic, "One atomic read-modify-write on an uncontended line"},
    {"line_transfer", &CostModel::line_transfer, "Moving a cache line from another CPU's cache"},
    {"alloc_failure", &CostModel::alloc_failure, "An allocation that found no memory"},
};
static_assert(std::size(kModelFields) * sizeof(std::uint32_t) == sizeof(CostModel),
              "every CostModel field needs a row in kModelFields");

std::vector<Setting> make_table() {
    std::vector<Setting> t;
    t.push_back(whole("cache.capacity", Section::Core, "Objects a CPU's bin holds for one size class",
                      [](auto& s) -> auto& { return s.core.cache_capacity; }, 1, 65535));
    t.push_back(whole("refill.batch", Section::Core,
                      "Objects moved slab -> bin when an allocation finds its bin empty; at most cache.capacity",
                      [](auto& s) -> auto& { return s.core.refill_batch; }, 1, 65535));
    t.push_back(whole("drain.batch", Section::Core,
                      "Objects moved bin -> slab when a free finds its bin full; at most the bin's bound, so a "
                      "batch at or above it drains the whole bin",
                      [](auto& s) -> auto& { return s.core.drain_batch; }, 1, 65535));
    t.push_back(whole("cache.bin_bytes", Section::Core,
                      "A bin's bound in bytes: a class's bin holds at most max(1, bin_bytes / size) objects "
                      "(and at most cache.capacity), its refills and drains half that; 0: objects only",
                      [](auto& s) -> auto& { return s.core.cache_bin_bytes; }, 0, 0xFFFFFFFFu));
    t.push_back(choice("cache.adaptive", Section::Core,
                       "Bins sized by use. on: a bin's bound starts at cache.min_capacity objects, doubles at "
                       "each miss up to its class's bound and halves when the bin overflows having only freed; "
                       "off: every bin may hold its class's bound from the start",
                       [](auto& s) -> auto& { return s.core.adaptive_bins; }, {{"on", true}, {"off", false}}));
    t.push_back(whole("cache.min_capacity", Section::Core,
                      "The bound an adaptive bin starts at and never goes below (or its class's bound, if lower)",
                      [](auto& s) -> auto& { return s.core.cache_min_capacity; }, 1, 65535));
    t.push_back(whole("cache.trim_every", Section::Core,
                      "Idle trim: every N slow-path events of a CPU, the next class in turn is visited; a bin "
                      "with no slow-path event since its last visit gives half its objects back; 0: never",
                      [](auto& s) -> auto& { return s.core.cache_trim_every; }, 0, 0xFFFFFFFFu));
    t.push_back(choice("slab.eager_collect", Section::Core,
                       "on: the owner takes a class's remote frees back at every refill; off: only when it has "
                       "no partial run left, before carving a new one",
                       [](auto& s) -> auto& { return s.core.eager_remote_collect; }, {{"on", true}, {"off", false}}));
    t.push_back(choice("slab.fullest_first", Section::Core,
                       "on: a run more than half free moves to the back of its slab's partial list, so refills "
                       "fill the fuller runs first; off: the partial list is LIFO",
                       [](auto& s) -> auto& { return s.core.fullest_runs_first; }, {{"on", true}, {"off", false}}));
    t.push_back(choice("slab.exact_runs", Section::Core,
                       "on: a slab run is any number of pages up to 16 (an exact page run, the smallest whose "
                       "tail stays within slab.tail_permille); off: a power of two pages, as the first core",
                       [](auto& s) -> auto& { return s.core.exact_slab_runs; }, {{"on", true}, {"off", false}}));
    t.push_back(whole("slab.tail_permille", Section::Core,
                      "A slab run wastes at most this many thousandths of itself in the tail no object fits "
                      "(the smallest such run of up to 16 pages; else the least wasteful)",
                      [](auto& s) -> auto& { return s.core.run_tail_permille; }, 0, 1000));
    t.push_back(whole("buddy.max_order", Section::Core,
                      "Largest buddy block: 2^max_order pages of 4 KiB (8: 1 MiB); larger requests take runs of them",
                      [](auto& s) -> auto& { return s.core.buddy_max_order; }, 0, kMaxOrderLimit));
    t.push_back(choice("buddy.lock", Section::Core,
                       "Buddy lock granularity. global: one lock for the whole buddy, taken once per "
                       "operation (as Linux's zone lock); per-order: one per order, split and coalesce "
                       "take one order's lock at a time",
                       [](auto& s) -> auto& { return s.core.buddy_lock; },
                       {{"global", BuddyLockMode::Global}, {"per-order", BuddyLockMode::PerOrder}}));
    t.push_back(choice("pages.exact", Section::Core,
                       "Objects above the size classes. on: an exact page run, its tail pages given back "
                       "(rounding below a page); off: the whole power-of-two block, or whole max-order "
                       "blocks above it, as the first core did",
                       [](auto& s) -> auto& { return s.core.exact_page_runs; }, {{"on", true}, {"off", false}}));
    t.push_back(size_classes_setting());
    t.push_back(choice("allocator", Section::Replay,
                       "Allocator replayed. hybrid: the core (per-CPU caches, slabs, buddy); "
                       "linked-list: the seed's baseline (first fit, coalescing, one lock)",
                       [](auto& s) -> auto& { return s.allocator; },
                       {{"hybrid", AllocatorKind::Hybrid}, {"linked-list", AllocatorKind::LinkedList}}));
    t.push_back(region_setting());
    t.push_back(whole("cpus", Section::Replay, "Modeled CPUs; 0: the trace's, else trace CPU c runs on c % cpus",
                      [](auto& s) -> auto& { return s.cpus; }, 0, kMaxCpus));
    t.push_back(map_setting());
    t.push_back(choice("loop", Section::Replay,
                       "Replay loop. auto: open if the trace has times, closed if not; "
                       "open: an operation starts at max(its trace time, its CPU's clock); "
                       "closed: back to back on each CPU, keeping the trace's think time between operations",
                       [](auto& s) -> auto& { return s.loop; },
                       {{"auto", LoopMode::Auto}, {"open", LoopMode::Open}, {"closed", LoopMode::Closed}}));
    t.push_back(choice("order", Section::Replay,
                       "The order operations run in. trace: the trace's order; "
                       "time: simulated-time order, each CPU's next operation from a future event set, "
                       "an operation on an object waiting for the trace's previous one on it",
                       [](auto& s) -> auto& { return s.order; },
                       {{"trace", ReplayOrder::Trace}, {"time", ReplayOrder::Time}}));
    t.push_back(cpu_speed_setting());
    t.push_back(whole("check_every", Section::Replay, "Run the core's check() every N events; 0: at the end only",
                      [](auto& s) -> auto& { return s.check_every; }, 0, kUnbounded));
    t.push_back(whole("sample_every", Section::Replay, "Time-series sample interval, in events",
                      [](auto& s) -> auto& { return s.sample_every; }, 1, kUnbounded));
    for (const ModelField& m : kModelFields) {
        const auto field = m.field;
        t.push_back(whole(fmt::format("{}{}", kModelPrefix, m.name), Section::Model, std::string(m.meaning),
                          [field](auto& s) -> auto& { return s.model.*field; }, m.lo, m.hi));
    }
    t.push_back(think_scale_setting());
    return t;
}

const std::vector<Setting>& table() {
    static const std::vector<Setting> settings = make_table();
    return settings;
}

const Setting* find_setting(std::string_view key) {
    for (const Setting& setting : table())
        if (setting.key == key) return &setting;
    return nullptr;
}

// Optimal string alignment distance: insertions, deletions, substitutions and swaps
// of neighbours each cost 1, so "capactiy" is one edit from "capacity".
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t substitute = d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, substitute});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    }
    return d[a.size()][b.size()];
}

// Suggests the key the user most likely meant: one whose last part is what they
// typed ("capacity", "cache_hit"), else the nearest by edit distance if it is near.
std::string unknown_key_message(std::string_view key) {
    const Setting* best = nullptr;
    std::size_t best_distance = std::numeric_limits<std::size_t>::max();
    for (const Setting& setting : table()) {
        const std::string_view candidate = setting.key;
        const std::size_t dot = candidate.rfind('.');
        const std::size_t distance =
            dot != std::string_view::npos && candidate.substr(dot + 1) == key ? 0 : edit_distance(key, candidate);
        if (distance < best_distance) {
            best = &setting;
            best_distance = distance;
        }
    }
    if (best != nullptr && best_distance <= std::max<std::size_t>(2, key.size() / 4))
        return fmt::format("unknown key '{}' (did you mean {}?)", key, best->key);
    return fmt::format("unknown key '{}' (docs/ENGINE.md lists the keys)", key);
}

// The value as a model file or JSON writes it: whole numbers bare, the rest quoted.
std::string quoted_unless_whole(const std::string& value) {
    return parse_whole(value) ? value : json_quote(value);
}

// `text` as "# " comment lines of at most kCommentWidth columns, broken at spaces.
constexpr std::size_t kCommentWidth = 90;

std::string comment_lines(std::string_view text) {
    std::string out;
    std::string line = "#";
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        text.remove_prefix(space == std::string_view::npos ? text.size() : space + 1);
        if (line.size() > 1 && line.size() + 1 + word.size() > kCommentWidth) {
            out += line;
            out += '\n';
            line.assign(1, '#');
        }
        line += ' ';
        line += word;
    }
    out += line;
    out += '\n';
    return out;
}

// A '#' starts a comment unless it is inside double quotes.
std::string_view strip_comment(std::string_view line) {
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        if (line[i] == '"') quoted = !quoted;
        else if (line[i] == '#' && !quoted) return line.substr(0, i);
    }
    return line;
}

}  // namespace

void apply_setting(ReplaySettings& s, std::string_view key, std::string_view value) {
    // cpu.N.speed: one CPU's entry of cpu.speed, the ones before it at 1 if unset.
    if (key.starts_with("cpu.") && key.ends_with(".speed") && key != "cpu.speed") {
        const std::string_view number = key.substr(4, key.size() - 4 - 6);
        const traces::WholeNumber cpu{0, kMaxCpus - 1};
        const std::optional<std::uint64_t> n = cpu.parse(number);
        if (!n) throw SettingError(cpu.refusal(key, number));
        const std::optional<std::uint32_t> v = parse_thousandths(value, kMinSpeed, kMaxSpeed);
        if (!v) throw SettingError(fmt::format("{}: '{}' is not a speed in 0.001..1000", key, value));
        if (s.cpu_speed_permille.size() <= *n) s.cpu_speed_permille.resize(*n + 1, 1000);
        s.cpu_speed_permille[*n] = *v;
        return;
    }
    const Setting* setting = find_setting(key);
    if (setting == nullptr) throw SettingError(unknown_key_message(key));
    setting->set(s, value);
}

void apply_setting_arg(ReplaySettings& s, std::string_view key_equals_value) {
    const std::size_t eq = key_equals_value.find('=');
    const std::string_view key = trim(key_equals_value.substr(0, eq));
    if (eq == std::string_view::npos || key.empty())
        throw SettingError(
            fmt::format("--set expects key=value, as in cache.capacity=128; got '{}'", key_equals_value));
    apply_setting(s, key, trim(key_equals_value.substr(eq + 1)));
}

void validate(const ReplaySettings& s) {
    // Each field's own range, for settings made in code too: its text must parse back.
    ReplaySettings scratch = s;
    for (const Setting& setting : table()) setting.set(scratch, setting.get(s));

    const AllocatorConfig& core = s.core;
    if (core.refill_batch > core.cache_capacity)
        throw SettingError(fmt::format("refill.batch: {} is more than cache.capacity ({})", core.refill_batch,
                                       core.cache_capacity));

    // A slab run is at most 2^min(max_order, kMaxRunOrder) pages and must hold one object.
    const std::uint32_t largest =
        s.size_classes.empty() ? kDefaultSizeClasses[kDefaultSizeClassCount - 1] : s.size_classes.back();
    if (largest > (kPageSize << std::min(core.buddy_max_order, kMaxRunOrder))) {
        std::uint32_t needed = 0;
        while ((kPageSize << needed) < largest) ++needed;
        throw SettingError(fmt::format(
            "buddy.max_order: {} is too small for the {}-byte size class, whose slab run needs {} or more",
            core.buddy_max_order, largest, needed));
    }

    if (s.cpus != 0) {
        for (std::size_t i = 0; i < s.cpu_map.size(); ++i) {
            if (s.cpu_map[i] >= s.cpus)
                throw SettingError(fmt::format("map: entry {} is CPU {}, but cpus is {} (CPUs 0..{})", i,
                                               s.cpu_map[i], s.cpus, s.cpus - 1));
        }
    }
}

std::string settings_to_json(const ReplaySettings& s) {
    std::string out = "{";
    for (const Setting& setting : table()) {
        if (out.size() > 1) out += ',';
        out += fmt::format("{}:{}", json_quote(setting.key), quoted_unless_whole(setting.get(s)));
    }
    out += '}';
    return out;
}

std::string settings_to_text(const ReplaySettings& s) {
    std::string out =
        "# allocsim replay parameters (docs/ENGINE.md, \"Parameters\"): `key = value` lines.\n"
        "# [model] is the cycle cost model: the modeled clock and each action's price in cycles;\n"
        "# on the command line its keys are model.KEY (--set model.cache_hit=5).\n";
    std::optional<Section> section;
    for (const Setting& setting : table()) {
        if (setting.section != section) {
            section = setting.section;
            out += fmt::format("\n[{}]\n", section_name(setting.section));
        }
        std::string_view key = setting.key;
        if (setting.section == Section::Model) key.remove_prefix(kModelPrefix.size());
        out += '\n';
        out += comment_lines(fmt::format("{}. Values: {}.", setting.meaning, setting.accepts));
        out += fmt::format("{} = {}\n", key, quoted_unless_whole(setting.get(s)));
    }
    return out;
}

void load_settings_text(ReplaySettings& s, std::string_view text, const std::string& origin) {
    // Into a copy, so a file with an error changes nothing.
    ReplaySettings loaded = s;
    // Before the first header any key may come, spelled in full.
    bool in_section = false;
    Section section = Section::Core;
    std::map<std::string, std::uint64_t, std::less<>> first_line_of;  // TOML forbids setting a key twice
    std::uint64_t line_number = 0;
    const auto error = [&](const std::string& message) {
        return SettingError(fmt::format("{}:{}: {}", origin, line_number, message));
    };

    std::size_t pos = 0;
    while (pos < text.size()) {
        const std::size_t newline = text.find('\n', pos);
        const std::string_view raw = text.substr(pos, newline == std::string_view::npos ? newline : newline - pos);
        pos = newline == std::string_view::npos ? text.size() : newline + 1;
        ++line_number;

        const std::string_view line = trim(strip_comment(raw));
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']')
                throw error(fmt::format("expected a section header, [core], [replay] or [model]; got '{}'", line));
            const std::string_view name = trim(line.substr(1, line.size() - 2));
            in_section = false;
            for (const auto& [candidate, candidate_name] : kSectionNames) {
                if (candidate_name == name) {
                    in_section = true;
                    section = candidate;
                }
            }
            if (!in_section)
                throw error(fmt::format("unknown section [{}] (the sections are [core], [replay] and [model])", name));
            continue;
        }

        const std::size_t eq = line.find('=');
        const std::string_view key = trim(line.substr(0, eq));
        if (eq == std::string_view::npos || key.empty())
            throw error(fmt::format("expected 'key = value', a [section] or a # comment; got '{}'", line));
        std::string_view value = trim(line.substr(eq + 1));
        if (!value.empty() && value.front() == '"') {
            if (value.size() < 2 || value.back() != '"' || value.substr(1, value.size() - 2).find('"') != value.npos)
                throw error(fmt::format("badly quoted value {} (one pair of double quotes, no escapes)", value));
            value = value.substr(1, value.size() - 2);
        }

        const std::string full_key =
            in_section && section == Section::Model ? fmt::format("{}{}", kModelPrefix, key) : std::string(key);
        const Setting* setting = find_setting(full_key);
        if (setting == nullptr) throw error(unknown_key_message(full_key));
        if (in_section && setting->section != section)
            throw error(fmt::format("{} belongs in [{}], not [{}]", full_key, section_name(setting->section),
                                    section_name(section)));
        const auto [first, inserted] = first_line_of.emplace(full_key, line_number);
        if (!inserted) throw error(fmt::format("{} is set twice (first on line {})", full_key, first->second));
        try {
            setting->set(loaded, value);
        } catch (const SettingError& e) {
            throw error(e.what());
        }
    }
    s = std::move(loaded);
}

void load_settings_file(ReplaySettings& s, const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw SettingError(fmt::format("{}: cannot open: {}", path, std::generic_category().message(errno)));
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw SettingError(fmt::format("{}: cannot read", path));
    load_settings_text(s, text.str(), path);
}

std::vector<std::string> setting_keys() {
    std::vector<std::string> keys;
    for (const Setting& setting : table()) keys.push_back(setting.key);
    return keys;
}

void apply_settings_json(ReplaySettings& s, std::string_view json) {
    try {
        const FlatObject stored(json);  // named: a temporary would die before the loop
        for (const FlatEntry& e : stored.entries()) apply_setting(s, e.key, e.text);
    } catch (const FlatJsonError& e) {
        throw SettingError(std::string("stored settings: ") + e.what());
    }
}

}  // namespace allocsim::engine
