#include "malloc/heap_settings.h"

#include <cstdint>

#include "alloc/types.h"

namespace allocsim::malloc_lib {

namespace {

char g_error[256];

struct Span {
    const char* p;
    std::size_t n;
    bool is(const char* s) const {
        std::size_t i = 0;
        for (; i < n; ++i)
            if (s[i] == '\0' || s[i] != p[i]) return false;
        return s[i] == '\0';
    }
};

const char* error(const char* what, Span key, Span value) {
    std::size_t n = 0;
    const auto put = [&](const char* s, std::size_t len) {
        for (std::size_t i = 0; i < len && s[i] != '\0' && n < sizeof g_error - 1; ++i) g_error[n++] = s[i];
    };
    put("ALLOCSIM_SET: ", 64);
    put(key.p, key.n);
    if (value.p != nullptr) {
        put("=", 1);
        put(value.p, value.n);
    }
    put(": ", 2);
    put(what, 200);
    g_error[n] = '\0';
    return g_error;
}

// A whole number with an optional KiB/MiB/GiB suffix (region); false if it is not one.
bool number(Span v, std::uint64_t& out, bool sizes) {
    if (v.n == 0) return false;
    std::uint64_t x = 0;
    std::size_t i = 0;
    for (; i < v.n && v.p[i] >= '0' && v.p[i] <= '9'; ++i) {
        if (x > (UINT64_MAX - 9) / 10) return false;
        x = x * 10 + static_cast<std::uint64_t>(v.p[i] - '0');
    }
    if (i == 0) return false;
    const Span rest{v.p + i, v.n - i};
    int shift = 0;
    if (rest.n == 0) shift = 0;
    else if (sizes && rest.is("KiB")) shift = 10;
    else if (sizes && rest.is("MiB")) shift = 20;
    else if (sizes && rest.is("GiB")) shift = 30;
    else return false;
    if (shift != 0 && x > (UINT64_MAX >> shift)) return false;
    out = x << shift;
    return true;
}

bool on_off(Span v, bool& out) {
    if (v.is("on")) out = true;
    else if (v.is("off")) out = false;
    else return false;
    return true;
}

// The keys that are a whole number in a range, and the on/off ones: as `allocsim
// replay --set` names them (engine/replay/settings.cpp).
struct WholeKey {
    const char* key;
    std::uint32_t AllocatorConfig::*field;
    std::uint64_t lo, hi;
};
constexpr WholeKey kWholeKeys[] = {
    {"cache.capacity", &AllocatorConfig::cache_capacity, 1, 65535},
    {"refill.batch", &AllocatorConfig::refill_batch, 1, 65535},
    {"drain.batch", &AllocatorConfig::drain_batch, 1, 65535},
    {"cache.bin_bytes", &AllocatorConfig::cache_bin_bytes, 0, 1u << 30},
    {"cache.min_capacity", &AllocatorConfig::cache_min_capacity, 1, 65535},
    {"cache.trim_every", &AllocatorConfig::cache_trim_every, 0, 1u << 30},
    {"slab.tail_permille", &AllocatorConfig::run_tail_permille, 0, 1000},
    {"buddy.max_order", &AllocatorConfig::buddy_max_order, 0, kMaxOrderLimit},
};
struct SwitchKey {
    const char* key;
    bool AllocatorConfig::*field;
};
constexpr SwitchKey kSwitchKeys[] = {
    {"cache.adaptive", &AllocatorConfig::adaptive_bins},
    {"slab.eager_collect", &AllocatorConfig::eager_remote_collect},
    {"slab.fullest_first", &AllocatorConfig::fullest_runs_first},
    {"slab.exact_runs", &AllocatorConfig::exact_slab_runs},
    {"pages.exact", &AllocatorConfig::exact_page_runs},
};

}  // namespace

const char* HeapSettings::apply(const char* text) {
    if (text == nullptr) return nullptr;
    const char* p = text;
    while (*p != '\0') {
        const char* end = p;
        while (*end != '\0' && *end != ',') ++end;
        const char* eq = p;
        while (eq < end && *eq != '=') ++eq;
        const Span key{p, static_cast<std::size_t>(eq - p)};
        if (eq == end) return error("is not KEY=VALUE", key, Span{nullptr, 0});
        const Span value{eq + 1, static_cast<std::size_t>(end - eq - 1)};
        std::uint64_t n = 0;
        bool ok = true;
        bool known = false;
        for (const WholeKey& w : kWholeKeys) {
            if (!key.is(w.key)) continue;
            known = true;
            ok = number(value, n, false) && n >= w.lo && n <= w.hi;
            if (ok) config.*w.field = static_cast<std::uint32_t>(n);
        }
        for (const SwitchKey& w : kSwitchKeys) {
            if (!key.is(w.key)) continue;
            known = true;
            ok = on_off(value, config.*w.field);
        }
        if (!known) {
            if (key.is("buddy.lock")) {
                if (value.is("global")) config.buddy_lock = BuddyLockMode::Global;
                else if (value.is("per-order")) config.buddy_lock = BuddyLockMode::PerOrder;
                else return error("is not global or per-order", key, value);
            } else if (key.is("size_classes")) {
                // Its sizes run to the next item with an '=' (or the end).
                std::uint32_t count = 0;
                const char* item = value.p;
                for (;;) {
                    const char* item_end = item;
                    while (*item_end != '\0' && *item_end != ',') ++item_end;
                    const Span size{item, static_cast<std::size_t>(item_end - item)};
                    if (!number(size, n, false) || n < 16 || n > kMaxSmallSize || n % 16 != 0)
                        return error("is not a multiple of 16 (malloc's alignment) in 16..32768", key, size);
                    if (count == kMaxSizeClasses) return error("has more sizes than the core's 64", key, Span{nullptr, 0});
                    if (count > 0 && n <= size_classes[count - 1]) return error("is not ascending", key, size);
                    size_classes[count++] = static_cast<std::uint32_t>(n);
                    end = item_end;
                    if (*item_end != ',') break;
                    const char* next = item_end + 1;
                    const char* next_end = next;
                    while (*next_end != '\0' && *next_end != ',' && *next_end != '=') ++next_end;
                    if (*next_end == '=') break;  // the next key
                    item = next;
                }
                config.size_classes = size_classes;
                config.size_class_count = count;
            } else if (key.is("region")) {
                ok = number(value, n, true) && n >= (std::uint64_t{16} << 20) && n <= (std::uint64_t{1} << 46);
                region_bytes = static_cast<std::size_t>(n);
            } else {
                return error("is not a setting of the heap (cache.*, refill.batch, drain.batch, slab.*, buddy.*, "
                             "pages.exact, size_classes, region)", key, Span{nullptr, 0});
            }
        }
        if (!ok) return error("is out of range or not a value of this key", key, value);
        p = *end == ',' ? end + 1 : end;
    }
    return nullptr;
}

}  // namespace allocsim::malloc_lib
