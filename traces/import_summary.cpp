#include "traces/import_summary.h"

#include <fmt/format.h>

#include "traces/whole_number.h"

namespace allocsim::traces {

std::string ImportSummary::to_json() const {
    return fmt::format(
        R"({{"events":{},"allocs":{},"frees":{},"reallocs":{},"page_allocs":{},"page_frees":{},)"
        R"("skipped_unmatched":{},"malformed":{},"failed_reallocs":{},"replaced_live":{},"lines":{},)"
        R"("peak_live_bytes":{},"cpus":{},"has_time":{}}})",
        events, allocs, frees, reallocs, page_allocs, page_frees, skipped_unmatched, malformed, failed_reallocs,
        replaced_live, lines, peak_live_bytes, cpus, has_time ? "true" : "false");
}

std::optional<std::uint64_t> stored_peak_live_bytes(std::string_view summary_json) {
    constexpr std::string_view kKey = "\"peak_live_bytes\":";
    const std::size_t at = summary_json.find(kKey);
    if (at == std::string_view::npos) return std::nullopt;
    const std::string_view value = summary_json.substr(at + kKey.size());
    return WholeNumber{}.parse(value.substr(0, value.find_first_not_of("0123456789")));
}

}  // namespace allocsim::traces
