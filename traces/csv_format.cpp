#include "traces/csv_format.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <charconv>
#include <unordered_map>
#include <vector>

#include "traces/import_error.h"
#include "traces/line_reader.h"

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

// An unsigned field; empty gives `empty_value`. False if not a number in [0, max].
bool parse_field(std::string_view text, std::uint64_t max, std::uint64_t empty_value, std::uint64_t& out) {
    if (text.empty()) {
        out = empty_value;
        return true;
    }
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc() && end == text.data() + text.size() && out <= max;
}

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
    std::uint64_t v = 0;
    if (!parse_field(f[0], UINT64_MAX >> 1, 0, p.seq) || f[0].empty()) return "seq is not a number";
    if (!parse_field(f[1], static_cast<std::uint64_t>(INT64_MAX), static_cast<std::uint64_t>(-1), v))
        return "time_ns is not a non-negative number";
    p.event.time_ns = f[1].empty() ? kNoTime : static_cast<std::int64_t>(v);
    if (!parse_field(f[2], 0xFFFF, 0, v) || f[2].empty()) return "cpu is not a number in 0..65535";
    p.event.cpu = static_cast<std::uint16_t>(v);
    if (!op_from_name(f[3], p.event.op)) return fmt::format("unknown op '{}'", f[3]);
    if (!parse_field(f[4], UINT64_MAX, 0, p.event.object) || f[4].empty()) return "object is not a number";
    if (!parse_field(f[5], UINT64_MAX >> 1, 0, p.event.size)) return "size is not a number below 2^63";
    const bool page = p.event.op == Op::PageAlloc || p.event.op == Op::PageFree;
    std::uint64_t align = 0;
    if (!parse_field(f[6], std::uint64_t{1} << 62, 0, align)) return "align is not a number";
    std::uint64_t order = 0;
    if (!parse_field(f[7], 20, 0, order)) return "order is not a number in 0..20";
    if (!parse_field(f[8], 0xFFFFFFFF, 0, v)) return "cycles is not a number below 2^32";
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
