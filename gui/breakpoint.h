// "Run until" a condition on the event just applied. Terms joined by "and" (or
// "&&"), each a field, an operator (= != < <= > >=) and a value:
//
//   cpu      the modeled CPU          op      alloc, free, realloc, page_alloc, page_free
//   size     bytes (Alloc, Realloc)   object  the trace's object id
//   action   an action kind the event caused (cache_miss, buddy_split, ...): = or !=
//   order    the largest order of a split or coalesce it caused (-1 if none)
//   cycles   its modeled cycles       live    live bytes after it
//
// e.g. "cpu=2 and op=free and size>1024", "action=buddy_coalesce and order>=6".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engine/replay/replay_session.h"

namespace allocsim::gui {

class Breakpoint {
public:
    // Nullopt, with `error` saying which term is wrong and what it accepts.
    static std::optional<Breakpoint> parse(const std::string& text, std::string& error);
    bool matches(const engine::StepRecord& step, std::uint64_t live_bytes) const;

private:
    enum class Field { Cpu, Op, Size, Object, Action, Order, Cycles, Live };
    enum class Cmp { Eq, Ne, Lt, Le, Gt, Ge };
    struct Term {
        Field field;
        Cmp cmp;
        std::int64_t value;
    };
    std::vector<Term> terms_;
};

}  // namespace allocsim::gui
