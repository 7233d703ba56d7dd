#include "traces/csv_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <optional>
#include <unordered_map>
#include <vector>

#include "traces/import_error.h"
#include "traces/line_reader.h"
#include "traces/whole_number.h"

namespace allocsim::traces {

void write_csv_header(std::ostream& out) { out << kCsvHeader << '\n'; }

void write_csv_event(std::ostream& out, std::uint64_t seq, const TraceEvent& e) {
    const bool page = e.op == Op::PageAlloc || e.op == Op::PageFree;
    std::string line = fmt::format("{},", seq);
    if (e.time_ns != kNoTime) line += fmt::format("{}", e.time_ns);
    line += fmt::format(",{},{},{},{},", e.cpu, op_name(e.op), e.object, e.size);
    if (e.op == Op::Alloc && e.arg != 0) line += fmt::format("{}", std::uint64_t{1} << e.arg);
    line += ',';
    if (page) line += fmt::format("{}", e.arg);
    line += ',';
    if (e.cycles != 0) line += fmt::format("{}", e.cycles);
    line += '\n';
    out << line;
}

namespace {

struct Parsed {
    std::uint64_t seq;
    TraceEvent event;
};

// Parses one data line; returns an error message, or empty on success.
std::string parse_line(std::string_view line, Parsed& p) {
    std::vector<std::string_view> f;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= line.size(); ++i) {
        if (i == line.size() || line[i] == ',') {
            f.push_back(line.substr(start, i - start));
            start = i + 1;
        }
    }
    if (f.size() != 9) return fmt::format("{} fields, expected 9 ({})", f.size(), kCsvHeader);
    std::string error;
    // Field i through `number` into `out`. An empty field gives `if_empty`, or is
    // refused where the field is required (nullopt).
    const auto field = [&](std::size_t i, std::string_view name, const WholeNumber& number,
                           std::optional<std::uint64_t> if_empty, std::uint64_t& out) {
        if (f[i].empty() && if_empty) {
            out = *if_empty;
            return true;
        }
        const std::optional<std::uint64_t> n = number.parse(f[i]);
        if (n) out = *n;
        else error = number.refusal(name, f[i]);
        return n.has_value();
    };
    constexpr std::uint64_t kNoTimeField = static_cast<std::uint64_t>(kNoTime);
    std::uint64_t v = 0;
    if (!field(0, "seq", WholeNumber{0, UINT64_MAX >> 1}, std::nullopt, p.seq)) return error;
    if (!field(1, "time_ns", whole_number_of<std::int64_t>(), kNoTimeField, v)) return error;
    p.event.time_ns = static_cast<std::int64_t>(v);
    if (!field(2, "cpu", whole_number_of<std::uint16_t>(), std::nullopt, v)) return error;
    p.event.cpu = static_cast<std::uint16_t>(v);
    if (!op_from_name(f[3], p.event.op)) return fmt::format("unknown op '{}'", f[3]);
    if (!field(4, "object", WholeNumber{}, std::nullopt, p.event.object)) return error;
    if (!field(5, "size", WholeNumber{0, UINT64_MAX >> 1}, 0, p.event.size)) return error;
    const bool page = p.event.op == Op::PageAlloc || p.event.op == Op::PageFree;
    std::uint64_t align = 0;
    if (!field(6, "align", WholeNumber{0, std::uint64_t{1} << 62}, 0, align)) return error;
    std::uint64_t order = 0;
    if (!field(7, "order", WholeNumber{0, 20}, 0, order)) return error;
    if (!field(8, "cycles", whole_number_of<std::uint32_t>(), 0, v)) return error;
    p.event.cycles = static_cast<std::uint32_t>(v);
    p.event.arg = 0;
    if (page) {
        if (f[7].empty()) return "a page op needs an order";
        if (!f[6].empty()) return "a page op has no alignment";
        p.event.arg = static_cast<std::uint8_t>(order);
    } else {
        if (!f[7].empty()) return "only page ops have an order";
        if (align != 0) {
            if (p.event.op != Op::Alloc) return "only alloc has an alignment";
            if ((align & (align - 1)) != 0) return "align is not a power of two";
            p.event.arg = static_cast<std::uint8_t>(std::countr_zero(align));
        }
    }
    // Size 0 is a real request (malloc(0) returns a unique pointer); only the ops
    // that carry a size may have one.
    if (p.event.op != Op::Alloc && p.event.op != Op::Realloc && p.event.size != 0)
        return "only alloc and realloc have a size";
    return {};
}

}  // namespace

ImportSummary import_csv(std::istream& in, const std::string& file, EventSink& out, const ImportOptions& options) {
    LineReader reader(in, file);
    ImportSummary s;
    std::string_view line;
    if (!reader.next(line)) throw TraceError(fmt::format("{}: empty file (expected the header {})", file, kCsvHeader));
    if (line != kCsvHeader) throw TraceError::at(file, 1, fmt::format("expected the header {}", kCsvHeader));
    std::unordered_map<std::uint64_t, bool> live;  // object -> is a page block
    std::uint64_t expected_seq = 0;
    while (reader.next(line)) {
        if (line.empty()) continue;
        Parsed p{};
        std::string error = parse_line(line, p);
        if (error.empty() && p.seq != expected_seq)
            error = fmt::format("seq {} where {} was expected", p.seq, expected_seq);
        const TraceEvent& e = p.event;
        const bool page = e.op == Op::PageAlloc || e.op == Op::PageFree;
        if (error.empty() && (e.op == Op::Alloc || e.op == Op::PageAlloc) && live.count(e.object) != 0)
            error = fmt::format("object {} is allocated again while live", e.object);
        if (!error.empty()) {
            if (!options.lenient) throw TraceError::at(file, reader.line_number(), error);
            ++s.malformed;
            ++expected_seq;
            continue;
        }
        ++expected_seq;
        if (e.op == Op::Free || e.op == Op::Realloc || e.op == Op::PageFree) {
            const auto it = live.find(e.object);
            if (it == live.end() || it->second != page) {
                ++s.skipped_unmatched;
                continue;
            }
            if (e.op != Op::Realloc) live.erase(it);
        } else {
            live.emplace(e.object, page);
        }
        switch (e.op) {
            case Op::Alloc: ++s.allocs; break;
            case Op::Free: ++s.frees; break;
            case Op::Realloc: ++s.reallocs; break;
            case Op::PageAlloc: ++s.page_allocs; break;
            case Op::PageFree: ++s.page_frees; break;
        }
        if (e.time_ns != kNoTime) s.has_time = true;
        s.cpus = std::max<std::uint32_t>(s.cpus, std::uint32_t{e.cpu} + 1);
        ++s.events;
        out.add(e);
    }
    s.lines = reader.line_number();
    return s;
}

}  // namespace allocsim::traces
