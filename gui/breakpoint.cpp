#include "gui/breakpoint.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <optional>
#include <tuple>
#include <utility>

#include "alloc/action.h"
#include "engine/catalog/trace_catalog.h"

namespace allocsim::gui {

namespace {

std::string trim(std::string s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.erase(s.begin());
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    return s;
}

// Splits at " and " or "&&".
std::vector<std::string> split_terms(const std::string& text) {
    std::vector<std::string> out;
    std::string rest = text;
    for (;;) {
        std::size_t at = std::string::npos, len = 0;
        for (const char* sep : {" and ", "&&"}) {
            const std::size_t p = rest.find(sep);
            if (p < at) {
                at = p;
                len = std::char_traits<char>::length(sep);
            }
        }
        out.push_back(trim(rest.substr(0, at)));
        if (at == std::string::npos) return out;
        rest = rest.substr(at + len);
    }
}

}  // namespace

std::optional<Breakpoint> Breakpoint::parse(const std::string& text, std::string& error) {
    Breakpoint b;
    if (trim(text).empty()) {
        error = "an empty condition (e.g. cpu=2 and op=free and size>1024)";
        return std::nullopt;
    }
    for (const std::string& term : split_terms(text)) {
        std::size_t op_at = term.find_first_of("=!<>");
        if (op_at == std::string::npos || op_at == 0) {
            error = "'" + term + "' is not FIELD OP VALUE (fields: cpu, op, size, object, action, order, cycles, live)";
            return std::nullopt;
        }
        const std::string field = trim(term.substr(0, op_at));
        std::size_t value_at = op_at + 1;
        Cmp cmp = Cmp::Eq;
        const char c0 = term[op_at], c1 = value_at < term.size() ? term[value_at] : '\0';
        if (c0 == '!' && c1 == '=') cmp = Cmp::Ne, ++value_at;
        else if (c0 == '<' && c1 == '=') cmp = Cmp::Le, ++value_at;
        else if (c0 == '>' && c1 == '=') cmp = Cmp::Ge, ++value_at;
        else if (c0 == '=' && c1 == '=') cmp = Cmp::Eq, ++value_at;
        else if (c0 == '<') cmp = Cmp::Lt;
        else if (c0 == '>') cmp = Cmp::Gt;
        else if (c0 != '=') {
            error = "'" + term + "': the operator is one of = != < <= > >=";
            return std::nullopt;
        }
        const std::string value = trim(term.substr(value_at));
        Term t{Field::Cpu, cmp, 0};
        // Term values are int64: every numeric field's values fit, a CPU's in 16 bits.
        constexpr engine::catalog::WholeNumber kValue = engine::catalog::whole_number_of<std::int64_t>();
        constexpr engine::catalog::WholeNumber kCpu = engine::catalog::whole_number_of<std::uint16_t>();
        auto number = [&](Field f, const engine::catalog::WholeNumber& accepted) {
            t.field = f;
            const std::optional<std::uint64_t> n = accepted.parse(value);
            if (!n) {
                error = "'" + term + "': " + accepted.refusal(field, value);
                return false;
            }
            t.value = static_cast<std::int64_t>(*n);
            return true;
        };
        static constexpr std::tuple<const char*, Field, engine::catalog::WholeNumber> kNumeric[] = {
            {"cpu", Field::Cpu, kCpu},       {"size", Field::Size, kValue},     {"object", Field::Object, kValue},
            {"order", Field::Order, kValue}, {"cycles", Field::Cycles, kValue}, {"live", Field::Live, kValue}};
        const auto numeric = std::find_if(std::begin(kNumeric), std::end(kNumeric),
                                          [&](const auto& f) { return field == std::get<0>(f); });
        if (numeric != std::end(kNumeric)) {
            if (!number(std::get<1>(*numeric), std::get<2>(*numeric))) return std::nullopt;
        } else if (field == "op") {
            engine::catalog::Op op{};
            if (!engine::catalog::op_from_name(value, op) || (cmp != Cmp::Eq && cmp != Cmp::Ne)) {
                error = "'" + term + "': op is = or != alloc, free, realloc, page_alloc or page_free";
                return std::nullopt;
            }
            t = Term{Field::Op, cmp, static_cast<std::int64_t>(op)};
        } else if (field == "action") {
            int kind = -1;
            for (int k = 0; k < kActionKindCount; ++k)
                if (value == action_name(static_cast<ActionKind>(k))) kind = k;
            if (kind < 0 || (cmp != Cmp::Eq && cmp != Cmp::Ne)) {
                error = "'" + term + "': action is = or != an action kind (cache_hit, cache_miss, refill, buddy_split, ...)";
                return std::nullopt;
            }
            t = Term{Field::Action, cmp, kind};
        } else {
            error = "'" + field + "' is not a field (cpu, op, size, object, action, order, cycles, live)";
            return std::nullopt;
        }
        b.terms_.push_back(t);
    }
    return b;
}

bool Breakpoint::matches(const engine::StepRecord& step, std::uint64_t live_bytes) const {
    for (const Term& t : terms_) {
        std::int64_t v = 0;
        switch (t.field) {
            case Field::Cpu: v = step.span.cpu; break;
            case Field::Op: v = static_cast<std::int64_t>(step.event.op); break;
            case Field::Size: v = static_cast<std::int64_t>(step.event.size); break;
            case Field::Object: v = static_cast<std::int64_t>(step.event.object); break;
            case Field::Cycles: v = step.span.end - step.span.start; break;
            case Field::Live: v = static_cast<std::int64_t>(live_bytes); break;
            case Field::Order: {
                v = -1;
                for (const Action& a : step.actions)
                    if (a.kind == ActionKind::BuddySplit || a.kind == ActionKind::BuddyCoalesce)
                        v = std::max<std::int64_t>(v, index_of(a.order));
                break;
            }
            case Field::Action: {
                bool any = false;
                for (const Action& a : step.actions) any |= static_cast<std::int64_t>(a.kind) == t.value;
                if (any != (t.cmp == Cmp::Eq)) return false;
                continue;
            }
        }
        bool ok = false;
        switch (t.cmp) {
            case Cmp::Eq: ok = v == t.value; break;
            case Cmp::Ne: ok = v != t.value; break;
            case Cmp::Lt: ok = v < t.value; break;
            case Cmp::Le: ok = v <= t.value; break;
            case Cmp::Gt: ok = v > t.value; break;
            case Cmp::Ge: ok = v >= t.value; break;
        }
        if (!ok) return false;
    }
    return true;
}

}  // namespace allocsim::gui
