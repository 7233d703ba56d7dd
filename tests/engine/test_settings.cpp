// Replay settings by name: every key sets its field and reads back, every refusal
// says exactly what is wrong, and the model file and JSON carry every key.
#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "engine/replay/settings.h"

using namespace allocsim;
using namespace allocsim::engine;

namespace {

// The message of the SettingError that `f` throws, or "no error".
std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const SettingError& e) {
        return e.what();
    }
    return "no error";
}

std::string set_error(std::string_view key, std::string_view value) {
    ReplaySettings s;
    return error_of([&] { apply_setting(s, key, value); });
}

std::string load_error(std::string_view text) {
    ReplaySettings s;
    return error_of([&] { load_settings_text(s, text, "m.toml"); });
}

ReplaySettings loaded(std::string_view text) {
    ReplaySettings s;
    load_settings_text(s, text, "m.toml");
    return s;
}

// The test's own list of the prices (every CostModel field but mhz), to check each
// key reaches its own field.
struct Price {
    const char* name;
    std::uint32_t CostModel::*field;
};
constexpr Price kPrices[] = {
    {"op_base", &CostModel::op_base},
    {"cache_hit", &CostModel::cache_hit},
    {"cache_free", &CostModel::cache_free},
    {"cache_miss", &CostModel::cache_miss},
    {"cache_full", &CostModel::cache_full},
    {"refill_per_object", &CostModel::refill_per_object},
    {"drain_per_object", &CostModel::drain_per_object},
    {"node_touch", &CostModel::node_touch},
    {"slab_carve", &CostModel::slab_carve},
    {"slab_carve_per_object", &CostModel::slab_carve_per_object},
    {"page_return", &CostModel::page_return},
    {"remote_free", &CostModel::remote_free},
    {"remote_collect", &CostModel::remote_collect},
    {"buddy_alloc", &CostModel::buddy_alloc},
    {"buddy_free", &CostModel::buddy_free},
    {"buddy_split", &CostModel::buddy_split},
    {"buddy_split_entry", &CostModel::buddy_split_entry},
    {"buddy_coalesce", &CostModel::buddy_coalesce},
    {"large_alloc", &CostModel::large_alloc},
    {"large_free", &CostModel::large_free},
    {"lock", &CostModel::lock},
    {"lock_handoff", &CostModel::lock_handoff},
    {"atomic", &CostModel::atomic},
    {"line_transfer", &CostModel::line_transfer},
    {"alloc_failure", &CostModel::alloc_failure},
};

// Every field away from its default (and still valid).
ReplaySettings all_changed() {
    ReplaySettings s;
    for (const char* arg : {"cache.capacity=128", "refill.batch=17", "drain.batch=100", "buddy.max_order=10",
                            "buddy.lock=per-order", "size_classes=16,48,4096,32768", "allocator=linked-list",
                            "region=3GiB", "cpus=4", "map=3,2,1,0,0", "loop=closed", "order=time", "cpu.speed=1,0.5,2.25",
                            "model.think_scale=0.125", "check_every=1000",
                            "sample_every=7", "cache.adaptive=on", "cache.min_capacity=9", "cache.trim_every=33",
                            "slab.eager_collect=on", "slab.fullest_first=on", "slab.exact_runs=off"})
        apply_setting_arg(s, arg);
    std::uint32_t price = 1000;
    for (const Price& p : kPrices) apply_setting(s, std::string("model.") + p.name, std::to_string(price++));
    apply_setting(s, "model.mhz", "2500");
    return s;
}

void check_same(const ReplaySettings& a, const ReplaySettings& b) {
    CHECK(a.allocator == b.allocator);
    CHECK(a.core.cpus == b.core.cpus);
    CHECK(a.core.cache_capacity == b.core.cache_capacity);
    CHECK(a.core.refill_batch == b.core.refill_batch);
    CHECK(a.core.drain_batch == b.core.drain_batch);
    CHECK(a.core.buddy_max_order == b.core.buddy_max_order);
    CHECK(a.core.adaptive_bins == b.core.adaptive_bins);
    CHECK(a.core.cache_min_capacity == b.core.cache_min_capacity);
    CHECK(a.core.cache_trim_every == b.core.cache_trim_every);
    CHECK(a.core.eager_remote_collect == b.core.eager_remote_collect);
    CHECK(a.core.fullest_runs_first == b.core.fullest_runs_first);
    CHECK(a.core.exact_slab_runs == b.core.exact_slab_runs);
    CHECK(a.core.buddy_lock == b.core.buddy_lock);
    CHECK(a.size_classes == b.size_classes);
    CHECK(a.model.mhz == b.model.mhz);
    CHECK(std::memcmp(&a.model, &b.model, sizeof(CostModel)) == 0);
    CHECK(a.region_bytes == b.region_bytes);
    CHECK(a.cpus == b.cpus);
    CHECK(a.cpu_map == b.cpu_map);
    CHECK(a.loop == b.loop);
    CHECK(a.order == b.order);
    CHECK(a.cpu_speed_permille == b.cpu_speed_permille);
    CHECK(a.think_scale_permille == b.think_scale_permille);
    CHECK(a.check_every == b.check_every);
    CHECK(a.sample_every == b.sample_every);
}

}  // namespace

TEST_CASE("settings: the keys, in the table's order") {
    std::vector<std::string> expected = {"cache.capacity",  "refill.batch", "drain.batch",     "cache.bin_bytes",
                                         "cache.adaptive", "cache.min_capacity", "cache.trim_every",
                                         "slab.eager_collect", "slab.fullest_first", "slab.exact_runs",
                                         "slab.tail_permille", "buddy.max_order", "buddy.lock", "pages.exact", "size_classes",
                                         "allocator",       "region",       "cpus",            "map",
                                         "loop",            "order",        "cpu.speed",       "check_every",
                                         "sample_every",    "model.mhz"};
    for (const Price& p : kPrices) expected.push_back(std::string("model.") + p.name);
    expected.push_back("model.think_scale");
    CHECK(setting_keys() == expected);
}

TEST_CASE("settings: every core and replay key sets its field") {
    ReplaySettings s;
    apply_setting(s, "cache.capacity", "65535");
    CHECK(s.core.cache_capacity == 65535);
    apply_setting(s, "refill.batch", "1");
    CHECK(s.core.refill_batch == 1);
    apply_setting(s, "drain.batch", "65535");
    CHECK(s.core.drain_batch == 65535);
    apply_setting(s, "buddy.max_order", "20");
    CHECK(s.core.buddy_max_order == 20);
    apply_setting(s, "buddy.max_order", "0");
    CHECK(s.core.buddy_max_order == 0);
    apply_setting(s, "buddy.lock", "per-order");
    CHECK(s.core.buddy_lock == BuddyLockMode::PerOrder);
    apply_setting(s, "buddy.lock", "global");
    CHECK(s.core.buddy_lock == BuddyLockMode::Global);
    apply_setting(s, "size_classes", "16, 32,64,128");
    CHECK(s.size_classes == std::vector<std::uint32_t>{16, 32, 64, 128});
    apply_setting(s, "size_classes", "default");
    CHECK(s.size_classes.empty());
    apply_setting(s, "allocator", "linked-list");
    CHECK(s.allocator == AllocatorKind::LinkedList);
    apply_setting(s, "allocator", "hybrid");
    CHECK(s.allocator == AllocatorKind::Hybrid);
    apply_setting(s, "cpus", "64");
    CHECK(s.cpus == 64);
    apply_setting(s, "map", "0,0,1,1");
    CHECK(s.cpu_map == std::vector<std::uint32_t>{0, 0, 1, 1});
    apply_setting(s, "map", "none");
    CHECK(s.cpu_map.empty());
    apply_setting(s, "loop", "open");
    CHECK(s.loop == LoopMode::Open);
    apply_setting(s, "loop", "closed");
    CHECK(s.loop == LoopMode::Closed);
    apply_setting(s, "loop", "auto");
    CHECK(s.loop == LoopMode::Auto);
    apply_setting(s, "check_every", "18446744073709551615");
    CHECK(s.check_every == 18446744073709551615u);
    apply_setting(s, "sample_every", "1");
    CHECK(s.sample_every == 1);
    // --set never touches the core's CPU count: the trace or --cpus sets it.
    CHECK(s.core.cpus == 1);
}

TEST_CASE("settings: region sizes, suffixes and auto") {
    const auto region = [](std::string_view value) {
        ReplaySettings s;
        s.region_bytes = 1;
        apply_setting(s, "region", value);
        return s.region_bytes;
    };
    CHECK(region("4096") == 4096);
    CHECK(region("64K") == 65536);
    CHECK(region("64KiB") == 65536);
    CHECK(region("256M") == 256u << 20);
    CHECK(region("256MiB") == 256u << 20);
    CHECK(region("3G") == std::uint64_t{3} << 30);
    CHECK(region("3GiB") == std::uint64_t{3} << 30);
    CHECK(region("17179869183G") == std::uint64_t{17179869183} << 30);
    CHECK(region("auto") == 0);
    CHECK(region("0") == 0);
}

TEST_CASE("settings: every price sets its own field") {
    for (const Price& p : kPrices) {
        CAPTURE(p.name);
        ReplaySettings s;
        const CostModel defaults;
        apply_setting(s, std::string("model.") + p.name, "1000000000");
        CHECK(s.model.*p.field == 1000000000);
        CostModel expected = defaults;
        expected.*p.field = 1000000000;
        CHECK(std::memcmp(&s.model, &expected, sizeof(CostModel)) == 0);
        apply_setting(s, std::string("model.") + p.name, "0");
        CHECK(s.model.*p.field == 0);
    }
}

TEST_CASE("settings: the modeled clock") {
    ReplaySettings s;
    apply_setting(s, "model.mhz", "1");
    CHECK(s.model.mhz == 1);
    apply_setting(s, "model.mhz", "1000000");
    CHECK(s.model.mhz == 1000000);
    CHECK(set_error("model.mhz", "0") == "model.mhz: '0' is not a whole number in 1..1000000");
    CHECK(set_error("model.mhz", "1000001") == "model.mhz: '1000001' is not a whole number in 1..1000000");
}

TEST_CASE("settings: JSON holds every key, the defaults exactly") {
    CHECK(settings_to_json(ReplaySettings{}) ==
          R"({"cache.capacity":64,"refill.batch":32,"drain.batch":32,"cache.bin_bytes":8192,)"
          R"("cache.adaptive":"off","cache.min_capacity":4,"cache.trim_every":0,"slab.eager_collect":"off",)"
          R"("slab.fullest_first":"off","slab.exact_runs":"on","slab.tail_permille":125,)"
          R"("buddy.max_order":8,"buddy.lock":"global","pages.exact":"on",)"
          R"("size_classes":"default","allocator":"hybrid","region":"auto","cpus":0,"map":"none","loop":"auto","order":"trace",)"
          R"("cpu.speed":"uniform",)"
          R"("check_every":0,"sample_every":10000,"model.mhz":3000,)"
          R"("model.op_base":4,"model.cache_hit":6,"model.cache_free":6,)"
          R"("model.cache_miss":10,"model.cache_full":10,"model.refill_per_object":3,"model.drain_per_object":3,)"
          R"("model.node_touch":2,"model.slab_carve":40,"model.slab_carve_per_object":2,"model.page_return":40,)"
          R"("model.remote_free":20,"model.remote_collect":20,"model.buddy_alloc":30,"model.buddy_free":30,)"
          R"("model.buddy_split":20,"model.buddy_split_entry":0,"model.buddy_coalesce":25,"model.large_alloc":60,"model.large_free":60,)"
          R"("model.lock":20,"model.lock_handoff":80,"model.atomic":20,"model.line_transfer":100,)"
          R"("model.alloc_failure":50,"model.think_scale":1})");
    const std::string json = settings_to_json(all_changed());
    CHECK(json.find(R"("size_classes":"16,48,4096,32768")") != std::string::npos);
    CHECK(json.find(R"("region":3221225472)") != std::string::npos);
    CHECK(json.find(R"("map":"3,2,1,0,0")") != std::string::npos);
    CHECK(json.find(R"("buddy.lock":"per-order")") != std::string::npos);
    CHECK(json.find(R"("model.alloc_failure":1024,"model.think_scale":"0.125"})") != std::string::npos);
    for (const std::string& key : setting_keys()) CHECK(json.find('"' + key + "\":") != std::string::npos);
}

TEST_CASE("settings: refused values say the key and what it accepts") {
    CHECK(set_error("cache.capacity", "0") == "cache.capacity: '0' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", "65536") == "cache.capacity: '65536' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", "") == "cache.capacity: '' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", "+5") == "cache.capacity: '+5' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", "-1") == "cache.capacity: '-1' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", "12x") == "cache.capacity: '12x' is not a whole number in 1..65535");
    CHECK(set_error("cache.capacity", " 12") == "cache.capacity: ' 12' is not a whole number in 1..65535");
    CHECK(set_error("refill.batch", "0") == "refill.batch: '0' is not a whole number in 1..65535");
    CHECK(set_error("drain.batch", "0") == "drain.batch: '0' is not a whole number in 1..65535");
    CHECK(set_error("buddy.max_order", "21") == "buddy.max_order: '21' is not a whole number in 0..20");
    CHECK(set_error("buddy.lock", "per_order") == "buddy.lock: 'per_order' is not global or per-order");
    CHECK(set_error("allocator", "slab") == "allocator: 'slab' is not hybrid or linked-list");
    CHECK(set_error("cpus", "65") == "cpus: '65' is not a whole number in 0..64");
    CHECK(set_error("loop", "half") == "loop: 'half' is not auto, open or closed");
    CHECK(set_error("check_every", "18446744073709551616") ==
          "check_every: '18446744073709551616' is not a whole number");
    CHECK(set_error("sample_every", "0") == "sample_every: '0' is not a whole number >= 1");
    CHECK(set_error("model.cache_hit", "1000000001") ==
          "model.cache_hit: '1000000001' is not a whole number in 0..1000000000");
    CHECK(set_error("model.lock", "1.5") == "model.lock: '1.5' is not a whole number in 0..1000000000");

    const std::string region_accepts =
        "is not auto, or bytes with an optional K, M, G, KiB, MiB or GiB suffix (K = KiB = 1024)";
    CHECK(set_error("region", "12X") == "region: '12X' " + region_accepts);
    CHECK(set_error("region", "M") == "region: 'M' " + region_accepts);
    CHECK(set_error("region", "1 M") == "region: '1 M' " + region_accepts);
    CHECK(set_error("region", "1kib") == "region: '1kib' " + region_accepts);
    CHECK(set_error("region", "17179869184G") == "region: '17179869184G' " + region_accepts);

    CHECK(set_error("size_classes", "") ==
          "size_classes: '' is not default, or 1..64 ascending multiples of 8 in 8..32768, comma-separated");
    CHECK(set_error("size_classes", "16,12,32") == "size_classes: '12' is not a multiple of 8 in 8..32768");
    CHECK(set_error("size_classes", "0") == "size_classes: '0' is not a multiple of 8 in 8..32768");
    CHECK(set_error("size_classes", "32776") == "size_classes: '32776' is not a multiple of 8 in 8..32768");
    CHECK(set_error("size_classes", "16,,32") == "size_classes: '' is not a multiple of 8 in 8..32768");
    CHECK(set_error("size_classes", "16,32,") == "size_classes: '' is not a multiple of 8 in 8..32768");
    CHECK(set_error("size_classes", "64,32") == "size_classes: 32 after 64 is not ascending");
    CHECK(set_error("size_classes", "64,64") == "size_classes: 64 after 64 is not ascending");
    std::string many;
    for (int i = 1; i <= 65; ++i) {
        if (i > 1) many += ',';
        many += std::to_string(8 * i);
    }
    CHECK(set_error("size_classes", many) == "size_classes: 65 sizes, at most 64");
    CHECK(set_error("size_classes", many.substr(0, many.rfind(','))) == "no error");

    CHECK(set_error("map", "") == "map: '' is not none, or 1..65536 CPU numbers in 0..63, comma-separated");
    CHECK(set_error("map", "0,64") == "map: '64' is not a whole number in 0..63");
    CHECK(set_error("map", "0,x") == "map: 'x' is not a whole number in 0..63");
    std::string long_map = "0";
    for (int i = 0; i < 65536; ++i) long_map += ",0";
    CHECK(set_error("map", long_map) == "map: 65537 entries, at most 65536");
}

TEST_CASE("settings: a refused value leaves the field as it was") {
    ReplaySettings s;
    apply_setting(s, "size_classes", "16,32");
    CHECK(error_of([&] { apply_setting(s, "size_classes", "16,8"); }) != "no error");
    CHECK(s.size_classes == std::vector<std::uint32_t>{16, 32});
    CHECK(error_of([&] { apply_setting(s, "cache.capacity", "0"); }) != "no error");
    CHECK(s.core.cache_capacity == 64);
}

TEST_CASE("settings: unknown keys suggest the nearest") {
    CHECK(set_error("cache.capactiy", "1") == "unknown key 'cache.capactiy' (did you mean cache.capacity?)");
    CHECK(set_error("cache.capacty", "1") == "unknown key 'cache.capacty' (did you mean cache.capacity?)");
    CHECK(set_error("refil.batch", "1") == "unknown key 'refil.batch' (did you mean refill.batch?)");
    CHECK(set_error("buddy.maxorder", "1") == "unknown key 'buddy.maxorder' (did you mean buddy.max_order?)");
    CHECK(set_error("sizeclasses", "1") == "unknown key 'sizeclasses' (did you mean size_classes?)");
    CHECK(set_error("model.cache_hits", "1") == "unknown key 'model.cache_hits' (did you mean model.cache_hit?)");
    CHECK(set_error("model.lock_handof", "1") ==
          "unknown key 'model.lock_handof' (did you mean model.lock_handoff?)");
    // The last part alone names the key.
    CHECK(set_error("capacity", "1") == "unknown key 'capacity' (did you mean cache.capacity?)");
    CHECK(set_error("cache_hit", "1") == "unknown key 'cache_hit' (did you mean model.cache_hit?)");
    CHECK(set_error("max_order", "1") == "unknown key 'max_order' (did you mean buddy.max_order?)");
    // Nothing near: no guess.
    CHECK(set_error("frobnicate", "1") == "unknown key 'frobnicate' (docs/ENGINE.md lists the keys)");
    CHECK(set_error("", "1") == "unknown key '' (docs/ENGINE.md lists the keys)");
}

TEST_CASE("settings: --set key=value") {
    ReplaySettings s;
    apply_setting_arg(s, "cache.capacity=128");
    CHECK(s.core.cache_capacity == 128);
    apply_setting_arg(s, " buddy.lock = per-order ");
    CHECK(s.core.buddy_lock == BuddyLockMode::PerOrder);
    apply_setting_arg(s, "model.lock_handoff=120");
    CHECK(s.model.lock_handoff == 120);
    CHECK(error_of([&] { apply_setting_arg(s, "loop=open=closed"); }) ==  // only the first '=' splits
          "loop: 'open=closed' is not auto, open or closed");
    const std::string no_pair = "--set expects key=value, as in cache.capacity=128; got ";
    CHECK(error_of([&] { apply_setting_arg(s, "cache.capacity"); }) == no_pair + "'cache.capacity'");
    CHECK(error_of([&] { apply_setting_arg(s, "=5"); }) == no_pair + "'=5'");
    CHECK(error_of([&] { apply_setting_arg(s, ""); }) == no_pair + "''");
    CHECK(error_of([&] { apply_setting_arg(s, "cache.capacity="); }) ==
          "cache.capacity: '' is not a whole number in 1..65535");
    CHECK(error_of([&] { apply_setting_arg(s, "cache.capactiy=1"); }) ==
          "unknown key 'cache.capactiy' (did you mean cache.capacity?)");
}

TEST_CASE("settings: validate checks across fields") {
    CHECK(error_of([] { validate(ReplaySettings{}); }) == "no error");
    CHECK(error_of([] { validate(all_changed()); }) == "no error");

    ReplaySettings s;
    apply_setting(s, "cache.capacity", "16");
    CHECK(error_of([&] { validate(s); }) == "refill.batch: 32 is more than cache.capacity (16)");
    apply_setting(s, "refill.batch", "16");
    CHECK(error_of([&] { validate(s); }) == "no error");  // the drain batch, 32, drains the whole bin of 16

    // The default table's 16 KiB class needs 4-page runs; 32 KiB needs 8.
    apply_setting(s, "buddy.max_order", "1");
    CHECK(error_of([&] { validate(s); }) ==
          "buddy.max_order: 1 is too small for the 16384-byte size class, whose slab run needs 2 or more");
    apply_setting(s, "buddy.max_order", "2");
    CHECK(error_of([&] { validate(s); }) == "no error");
    apply_setting(s, "size_classes", "8,32768");
    CHECK(error_of([&] { validate(s); }) ==
          "buddy.max_order: 2 is too small for the 32768-byte size class, whose slab run needs 3 or more");
    apply_setting(s, "size_classes", "8,4096");
    apply_setting(s, "buddy.max_order", "0");
    CHECK(error_of([&] { validate(s); }) == "no error");

    apply_setting(s, "map", "0,1,2,1");
    CHECK(error_of([&] { validate(s); }) == "no error");  // cpus 0: the trace's, not known here
    apply_setting(s, "cpus", "2");
    CHECK(error_of([&] { validate(s); }) == "map: entry 2 is CPU 2, but cpus is 2 (CPUs 0..1)");
    apply_setting(s, "cpus", "3");
    CHECK(error_of([&] { validate(s); }) == "no error");
}

TEST_CASE("settings: validate checks each field's range for settings made in code") {
    ReplaySettings s;
    s.core.cache_capacity = 0;
    CHECK(error_of([&] { validate(s); }) == "cache.capacity: '0' is not a whole number in 1..65535");
    s = ReplaySettings{};
    s.size_classes = {16, 8};
    CHECK(error_of([&] { validate(s); }) == "size_classes: 8 after 16 is not ascending");
    s = ReplaySettings{};
    s.core.buddy_lock = static_cast<BuddyLockMode>(7);
    CHECK(error_of([&] { validate(s); }) == "buddy.lock: '7' is not global or per-order");
    s = ReplaySettings{};
    s.model.atomic = 2'000'000'000;
    CHECK(error_of([&] { validate(s); }) == "model.atomic: '2000000000' is not a whole number in 0..1000000000");
    s = ReplaySettings{};
    s.cpu_map = {64};
    CHECK(error_of([&] { validate(s); }) == "map: '64' is not a whole number in 0..63");
}

TEST_CASE("settings: the model file form reads back to the same settings") {
    for (const ReplaySettings& original : {ReplaySettings{}, all_changed()}) {
        const std::string text = settings_to_text(original);
        const ReplaySettings back = loaded(text);
        check_same(back, original);
        CHECK(settings_to_text(back) == text);
        CHECK(settings_to_json(back) == settings_to_json(original));
    }
}

TEST_CASE("settings: the model file form, every key under its comment") {
    const std::string text = settings_to_text(ReplaySettings{});
    CHECK(text.find("\n[core]\n\n# Objects a CPU's bin holds for one size class. Values: a whole number in "
                    "1..65535.\ncache.capacity = 64\n") != std::string::npos);
    // Long comments break at spaces, at most 90 columns a line.
    CHECK(text.find("\n# Buddy lock granularity. global: one lock for the whole buddy, taken once per operation\n"
                    "# (as Linux's zone lock); per-order: one per order, split and coalesce take one order's\n"
                    "# lock at a time. Values: global or per-order.\nbuddy.lock = \"global\"\n") !=
          std::string::npos);
    std::size_t line_start = 0;
    while (line_start < text.size()) {
        const std::size_t end = text.find('\n', line_start);
        CHECK(end - line_start <= 90);
        line_start = end + 1;
    }
    CHECK(text.find("\nbuddy.lock = \"global\"\n") != std::string::npos);
    CHECK(text.find("\nsize_classes = \"default\"\n") != std::string::npos);
    CHECK(text.find("\n[replay]\n") != std::string::npos);
    CHECK(text.find("\nregion = \"auto\"\n") != std::string::npos);
    CHECK(text.find("\n[model]\n") != std::string::npos);
    CHECK(text.find("\n# Pop from a bin. Values: a whole number in 0..1000000000.\ncache_hit = 6\n") !=
          std::string::npos);
    CHECK(text.find("model.") == text.find("model.KEY"));  // [model] keys go without the prefix
    for (const std::string& key : setting_keys()) {
        const std::string bare = key.starts_with("model.") ? key.substr(6) : key;
        CHECK(text.find("\n" + bare + " = ") != std::string::npos);
    }
}

TEST_CASE("settings: model files: sections, comments, quotes and blanks") {
    const ReplaySettings s = loaded(
        "# a calibrated model\n"
        "\n"
        "cache.capacity = 128   # before any section: full keys\n"
        "model.atomic=33\n"
        "[core]\r\n"
        "  buddy.lock = \"per-order\"  \n"
        "size_classes = \"16, 32,64\" # the # inside quotes is no comment: see below\n"
        "[ replay ]\n"
        "map = 0,0,1,1\n"
        "region = 256M\n"
        "[model]\n"
        "cache_hit = 5\n"
        "lock_handoff = \"120\"\n"
        "\t\n"
        "[core]\n"
        "refill.batch = 64");  // no final newline
    CHECK(s.core.cache_capacity == 128);
    CHECK(s.model.atomic == 33);
    CHECK(s.core.buddy_lock == BuddyLockMode::PerOrder);
    CHECK(s.size_classes == std::vector<std::uint32_t>{16, 32, 64});
    CHECK(s.cpu_map == std::vector<std::uint32_t>{0, 0, 1, 1});
    CHECK(s.region_bytes == 256u << 20);
    CHECK(s.model.cache_hit == 5);
    CHECK(s.model.lock_handoff == 120);
    CHECK(s.core.refill_batch == 64);
    CHECK(s.model.cache_miss == CostModel{}.cache_miss);

    // A '#' inside quotes stays in the value (and is then refused as a value).
    CHECK(load_error("size_classes = \"16#32\"") ==
          "m.toml:1: size_classes: '16#32' is not a multiple of 8 in 8..32768");
}

TEST_CASE("settings: model file errors name the file and line") {
    CHECK(load_error("\n\ncache.capacity = 0\n") == "m.toml:3: cache.capacity: '0' is not a whole number in 1..65535");
    CHECK(load_error("cache.capactiy = 5") == "m.toml:1: unknown key 'cache.capactiy' (did you mean cache.capacity?)");
    CHECK(load_error("[model]\ncache_hti = 5") ==
          "m.toml:2: unknown key 'model.cache_hti' (did you mean model.cache_hit?)");
    CHECK(load_error("[core]\nregion = 1M") == "m.toml:2: region belongs in [replay], not [core]");
    CHECK(load_error("[replay]\nmodel.cache_hit = 1") == "m.toml:2: model.cache_hit belongs in [model], not [replay]");
    CHECK(load_error("[costs]") ==
          "m.toml:1: unknown section [costs] (the sections are [core], [replay] and [model])");
    CHECK(load_error("[model") ==
          "m.toml:1: expected a section header, [core], [replay] or [model]; got '[model'");
    CHECK(load_error("# ok\ncache.capacity 5") ==
          "m.toml:2: expected 'key = value', a [section] or a # comment; got 'cache.capacity 5'");
    CHECK(load_error(" = 5") == "m.toml:1: expected 'key = value', a [section] or a # comment; got '= 5'");
    CHECK(load_error("loop = \"open") ==
          "m.toml:1: badly quoted value \"open (one pair of double quotes, no escapes)");
    CHECK(load_error("loop = \"op\"en\"") ==
          "m.toml:1: badly quoted value \"op\"en\" (one pair of double quotes, no escapes)");
    CHECK(load_error("loop = \"") == "m.toml:1: badly quoted value \" (one pair of double quotes, no escapes)");
    CHECK(load_error("cpus = 2\n[model]\natomic = 1\n[replay]\ncpus = 3") ==
          "m.toml:5: cpus is set twice (first on line 1)");
    CHECK(load_error("model.atomic = 2\n[model]\natomic = 1") ==
          "m.toml:3: model.atomic is set twice (first on line 1)");
}

TEST_CASE("settings: a model file with an error changes nothing") {
    ReplaySettings s;
    CHECK(error_of([&] { load_settings_text(s, "cache.capacity = 7\ncpus = 99", "m.toml"); }) ==
          "m.toml:2: cpus: '99' is not a whole number in 0..64");
    CHECK(s.core.cache_capacity == 64);
}

TEST_CASE("settings: model files on disk") {
    std::random_device rd;
    const std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("allocsim-settings-" + std::to_string(rd()) + ".toml");
    const ReplaySettings original = all_changed();
    {
        std::ofstream out(path);
        out << settings_to_text(original);
    }
    ReplaySettings back;
    load_settings_file(back, path.string());
    check_same(back, original);
    std::filesystem::remove(path);

    ReplaySettings s;
    CHECK(error_of([&] { load_settings_file(s, path.string()); }) ==
          path.string() + ": cannot open: No such file or directory");
}

TEST_CASE("settings: the what-ifs, cpu.N.speed and model.think_scale, in thousandths") {
    ReplaySettings s;
    apply_setting_arg(s, "cpu.2.speed=0.5");
    CHECK(s.cpu_speed_permille == std::vector<std::uint32_t>{1000, 1000, 500});
    apply_setting_arg(s, "cpu.0.speed=2");
    CHECK(s.cpu_speed_permille == std::vector<std::uint32_t>{2000, 1000, 500});
    CHECK(settings_to_json(s).find(R"("cpu.speed":"2,1,0.5")") != std::string::npos);
    apply_setting_arg(s, "cpu.speed=uniform");
    CHECK(s.cpu_speed_permille.empty());
    apply_setting_arg(s, "model.think_scale=1.5");
    CHECK(s.think_scale_permille == 1500);
    apply_setting_arg(s, "model.think_scale=0");
    CHECK(s.think_scale_permille == 0);
    CHECK(set_error("cpu.64.speed", "1").find("cpu.64.speed") != std::string::npos);
    CHECK(set_error("cpu.1.speed", "0") == "cpu.1.speed: '0' is not a speed in 0.001..1000");
    CHECK(set_error("cpu.1.speed", "0.0001") == "cpu.1.speed: '0.0001' is not a speed in 0.001..1000");
    CHECK(set_error("cpu.speed", "1,,2") == "cpu.speed: '' is not a speed in 0.001..1000");
    CHECK(set_error("model.think_scale", "-1") == "model.think_scale: '-1' is not a factor in 0..1000 with at most three decimals");
    CHECK(set_error("model.think_scale", "1.") != "");
}
