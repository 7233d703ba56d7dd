#include "traces/import_summary.h"

#include <fmt/format.h>

#include "traces/whole_number.h"

namespace allocsim::traces {

std::string ImportSummary::to_json() const {
    return fmt::format(
        R"({{"events":{},"allocs":{},"frees":{},"reallocs":{},"page_allocs":{},"page_frees":{},)"
        R"("skipped_unmatched":{},"malformed":{},"failed_reallocs":{},"replaced_live":{},"lines":{},)"
        R"("peak_live_bytes":{},"cpus":{},"has_time":{}{}}})",
        events, allocs, frees, reallocs, page_allocs, page_frees, skipped_unmatched, malformed, failed_reallocs,
        replaced_live, lines, peak_live_bytes, cpus, has_time ? "true" : "false", layout_json());
}

std::string ImportSummary::layout_json() const {
    if (last_event_by_cpu.empty()) return {};
    std::string out = R"(,"last_event_by_cpu":[)";
    for (std::size_t c = 0; c < last_event_by_cpu.size(); ++c) {
        if (c != 0) out += ',';
        out += last_event_by_cpu[c] == kNoEvent ? std::string("null") : std::to_string(last_event_by_cpu[c]);
    }
    out += fmt::format(R"(],"times_monotone":{})", times_monotone ? "true" : "false");
    return out;
}

std::optional<std::uint64_t> stored_peak_live_bytes(std::string_view summary_json) {
    constexpr std::string_view kKey = "\"peak_live_bytes\":";
    const std::size_t at = summary_json.find(kKey);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view value = summary_json.substr(at + kKey.size());
    return WholeNumber{}.parse(value.substr(0, value.find_first_not_of("0123456789")));
}

std::optional<TraceLayout> stored_layout(std::string_view summary_json) {
    constexpr std::string_view kLast = "\"last_event_by_cpu\":[";
    constexpr std::string_view kMonotone = "\"times_monotone\":";
    const std::size_t at = summary_json.find(kLast);
    const std::size_t monotone = summary_json.find(kMonotone);
    if (at == std::string_view::npos || monotone == std::string_view::npos) return std::nullopt;
    TraceLayout layout;
    layout.times_monotone = summary_json.substr(monotone + kMonotone.size()).starts_with("true");
    std::string_view rest = summary_json.substr(at + kLast.size());
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    rest = rest.substr(0, close);
    while (!rest.empty()) {
        const std::size_t comma = rest.find(',');
        const std::string_view item = rest.substr(0, comma);
        if (item == "null") {
            layout.last_event_by_cpu.push_back(kNoEvent);
        } else {
            const auto value = WholeNumber{}.parse(item);
            if (!value) return std::nullopt;
            layout.last_event_by_cpu.push_back(*value);
        }
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
    }
    return layout;
}

}  // namespace allocsim::traces
