#include "traces/import_summary.h"

#include <fmt/format.h>

namespace allocsim::traces {

std::string ImportSummary::to_json() const {
    return fmt::format(
        R"({{"events":{},"allocs":{},"frees":{},"reallocs":{},"page_allocs":{},"page_frees":{},)"
        R"("skipped_unmatched":{},"malformed":{},"failed_reallocs":{},"replaced_live":{},"lines":{},)"
        R"("cpus":{},"has_time":{}}})",
        events, allocs, frees, reallocs, page_allocs, page_frees, skipped_unmatched, malformed, failed_reallocs,
        replaced_live, lines, cpus, has_time ? "true" : "false");
}

}  // namespace allocsim::traces
