#include "traces/trace_event.h"

namespace allocsim::traces {

namespace {
constexpr const char* kNames[kOpCount] = {"alloc", "free", "realloc", "page_alloc", "page_free"};
}

const char* op_name(Op op) {
    const auto i = static_cast<unsigned>(op);
    return i < kOpCount ? kNames[i] : "unknown";
}

bool op_from_name(std::string_view name, Op& out) {
    for (unsigned i = 0; i < kOpCount; ++i) {
        if (name == kNames[i]) {
            out = static_cast<Op>(i);
            return true;
        }
    }
    return false;
}

}  // namespace allocsim::traces
