// Linux ftrace kmem importer. It reads the text of /sys/kernel/tracing/trace (or
// trace_pipe) and of `trace-cmd report`. An event line is
//
//   TASK-PID (TGID) [CPU] FLAGS SECONDS.FRACTION: EVENT: FIELDS
//
// where the (TGID) column (the record-tgid option) and FLAGS may be missing.
//
//   TASK     the comm, up to 15 characters, which can hold spaces, ':', '-', digits,
//            '[' and ']', so the line is not split at spaces: the CPU is the first
//            " [digits]" preceded by "-PID" (and the "(TGID)" column, "(-------)"
//            for an unknown tgid) and followed by the flags or the timestamp.
//   FLAGS    irqs-off, need-resched, hardirq/softirq, preempt depth, migrate-disable
//            (4 or 5 characters, such as "d..1" or "....."; 7 on PREEMPT_RT kernels);
//            trace-cmd omits them.
//   SECONDS.FRACTION  microseconds usually, nanoseconds with trace-cmd -t; counter
//            clocks (a bare integer) are not supported.
//   FIELDS   "key=value" separated by spaces (trace-cmd pads with several). Only the
//            fields the importer needs are read: the field sets vary across kernel
//            versions (node, accounted, name, cold...), trace-cmd's kmem plugin puts
//            "(func+0xoff)" before them, and a "[FAILED TO PARSE]" event still lists
//            its raw fields.
//
// Values: ptr and page are %p, hex with or without 0x, hashed since 4.15 but stable
// within a boot. A NULL %p prints "0000000000000000" (5.4+) or "(null)" padded to 16
// columns ("ptr=          (null)", before 5.4). pfn is decimal before 5.x, 0x-hex after.
//
// A kfree of NULL is a no-op and a NULL kmalloc result is a failed allocation: both
// are skipped. A failed mm_page_alloc prints a NULL page (with pfn=0), or pfn -1 in
// raw output. Other events (sched_switch, mm_page_alloc_zone_locked, function tracer
// lines...) are skipped, as are headers: '#' lines, trace-cmd's "cpus=N",
// "version = N", "CPU N is empty", and the lost-event notes "CPU:N [LOST N EVENTS]".
#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/line_reader.h"
#include "traces/whole_number.h"

namespace allocsim::traces {

namespace {

// Above any size the kernel can allocate; larger is a corrupt line.
constexpr WholeNumber kBytes{0, std::uint64_t{1} << 48};
// MAX_ORDER is 10 or 11 on common configurations; 20 leaves room for huge ones.
constexpr WholeNumber kOrder{0, 20};
constexpr WholeNumber kCpu{0, 0xFFFF};
constexpr WholeNumber kPointer{0, WholeNumber::kUnbounded, NumberBase::Hex};  // %p: with or without 0x
// pfn: 0x-hex (5.x and later) or decimal (older kernels, raw trace-cmd fields).
constexpr WholeNumber kPfn{0, WholeNumber::kUnbounded, NumberBase::DecimalOrHex};
// The kernel prints nanoseconds at most; more fraction digits is not a timestamp.
constexpr std::size_t kMaxFractionDigits = 9;
constexpr std::int64_t kNsPerSecond = 1'000'000'000;
// Flags are 4 or 5 characters today; a little slack for patched (RT) kernels.
constexpr std::size_t kMaxFlags = 8;

enum class Kind : std::uint8_t { SlabAlloc, SlabFree, PageAlloc, PageFree, PageFreeBatched, Other };

Kind kind_of(std::string_view event) {
    if (event == "kmalloc" || event == "kmem_cache_alloc" || event == "kmalloc_node" ||
        event == "kmem_cache_alloc_node" || event == "kmem_cache_alloc_lru")
        return Kind::SlabAlloc;
    if (event == "kfree" || event == "kmem_cache_free") return Kind::SlabFree;
    if (event == "mm_page_alloc") return Kind::PageAlloc;
    // mm_page_free_direct and mm_pagevec_free are the names before 3.3.
    if (event == "mm_page_free" || event == "mm_page_free_direct") return Kind::PageFree;
    if (event == "mm_page_free_batched" || event == "mm_pagevec_free") return Kind::PageFreeBatched;
    return Kind::Other;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Columns and fields are separated by spaces (never tabs), often several.
std::size_t skip_spaces(std::string_view s, std::size_t pos) {
    while (pos < s.size() && s[pos] == ' ') ++pos;
    return pos;
}

// The end of the word starting at `pos` (memchr: words such as call sites are long).
std::size_t word_end(std::string_view s, std::size_t pos) { return std::min(s.find(' ', pos), s.size()); }

std::size_t count_digits(std::string_view s, std::size_t pos) {
    std::size_t n = 0;
    while (pos + n < s.size() && is_digit(s[pos + n])) ++n;
    return n;
}

// %p; "(null)" is 0.
std::optional<std::uint64_t> parse_pointer(std::string_view text) {
    if (text == "(null)") return 0;
    return kPointer.parse(text);
}

// Short enough to quote in a message, whatever the line holds.
std::string_view quoted(std::string_view value) { return value.substr(0, 32); }

// True if the text before position `space` (a ' ' just before '[CPU]') ends with
// "-PID", optionally followed by the "(TGID)" column, and a task name precedes it.
bool preceded_by_pid(std::string_view line, std::size_t space) {
    std::size_t j = space;
    while (j > 0 && line[j - 1] == ' ') --j;
    if (j > 0 && line[j - 1] == ')') {
        const std::size_t open = line.rfind('(', j - 1);
        if (open == std::string_view::npos) return false;
        bool any = false;
        for (std::size_t k = open + 1; k + 1 < j; ++k) {
            const char c = line[k];
            if (is_digit(c) || c == '-') {
                any = true;
            } else if (c != ' ') {
                return false;
            }
        }
        if (!any || open == 0 || line[open - 1] != ' ') return false;
        j = open;
        while (j > 0 && line[j - 1] == ' ') --j;
    }
    const std::size_t pid_end = j;
    while (j > 0 && is_digit(line[j - 1])) --j;
    if (j == pid_end || j == 0 || line[j - 1] != '-') return false;
    const std::size_t task_end = j - 1;
    const std::size_t task_start = skip_spaces(line, 0);
    return task_start < task_end;
}

// "SECONDS.FRACTION:" in shape (digits, '.', digits, ':'); the values are checked later.
bool is_timestamp_word(std::string_view word) {
    const std::size_t sec = count_digits(word, 0);
    if (sec == 0 || sec + 1 >= word.size() || word[sec] != '.') return false;
    const std::size_t frac = count_digits(word, sec + 1);
    return frac > 0 && sec + 1 + frac + 1 == word.size() && word.back() == ':';
}

// "SECONDS.FRACTION" to ns, exactly (no floating point). Empty on success.
std::string timestamp_ns(std::string_view stamp, std::int64_t& out) {
    const std::size_t dot = stamp.find('.');
    const std::string_view sec_text = stamp.substr(0, dot);
    const std::string_view frac_text = stamp.substr(dot + 1);
    if (frac_text.size() > kMaxFractionDigits)
        return fmt::format("timestamp '{}' has more than {} fraction digits", quoted(stamp), kMaxFractionDigits);
    // is_timestamp_word made both parts digits: the fraction (at most 9) cannot fail.
    std::uint64_t frac = WholeNumber{}.parse(frac_text).value_or(0);
    for (std::size_t i = frac_text.size(); i < kMaxFractionDigits; ++i) frac *= 10;
    const auto max_sec = static_cast<std::uint64_t>((INT64_MAX - static_cast<std::int64_t>(frac)) / kNsPerSecond);
    const std::optional<std::uint64_t> sec = WholeNumber{0, max_sec}.parse(sec_text);
    if (!sec) return fmt::format("timestamp '{}' overflows 64-bit nanoseconds", quoted(stamp));
    out = static_cast<std::int64_t>(*sec) * kNsPerSecond + static_cast<std::int64_t>(frac);
    return {};
}

// The part of an event line before its fields.
struct EventLine {
    std::uint16_t cpu = 0;
    std::int64_t time_ns = 0;
    std::string_view event;   // the name before ':', or empty (a function tracer line)
    std::string_view fields;  // everything after "EVENT:"
};

enum class Shape : std::uint8_t { Event, NotEvent, Error };

// Reads "TASK-PID (TGID) [CPU] FLAGS SECONDS.FRACTION: EVENT:". NotEvent if no
// "-PID [CPU]" is found at all; Error (with `error` set) if one is found but what
// follows it is not a valid event line.
Shape parse_event_line(std::string_view line, EventLine& e, std::string& error) {
    std::string_view cpu_text;
    std::string_view stamp;
    std::size_t after = 0;  // just past the timestamp
    bool found = false;
    bool near_miss = false;  // a "-PID [CPU]" that was not followed by a timestamp
    // Search for '[' rather than " [": the task column is padded with spaces.
    for (std::size_t bracket = line.find('['); bracket != std::string_view::npos;
         bracket = line.find('[', bracket + 1)) {
        if (bracket == 0 || line[bracket - 1] != ' ') continue;
        const std::size_t open = bracket - 1;
        const std::size_t digits = count_digits(line, bracket + 1);
        const std::size_t close = bracket + 1 + digits;
        if (digits == 0 || close + 1 >= line.size() || line[close] != ']' || line[close + 1] != ' ') continue;
        if (!preceded_by_pid(line, open)) continue;
        near_miss = true;
        std::size_t pos = skip_spaces(line, close + 1);
        std::size_t end = word_end(line, pos);
        std::string_view word = line.substr(pos, end - pos);
        if (!word.empty() && word.back() != ':') {  // the flags column
            if (word.size() > kMaxFlags) continue;
            pos = skip_spaces(line, end);
            end = word_end(line, pos);
            word = line.substr(pos, end - pos);
        }
        if (!is_timestamp_word(word)) continue;
        cpu_text = line.substr(bracket + 1, digits);
        stamp = word.substr(0, word.size() - 1);  // without its ':'
        after = end;
        found = true;
        break;
    }
    if (!found) {
        if (!near_miss) return Shape::NotEvent;
        error = "expected [FLAGS] SECONDS.FRACTION: after [CPU]";
        return Shape::Error;
    }
    const std::optional<std::uint64_t> cpu = kCpu.parse(cpu_text);
    if (!cpu) {
        error = kCpu.refusal("CPU", cpu_text);
        return Shape::Error;
    }
    e.cpu = static_cast<std::uint16_t>(*cpu);
    error = timestamp_ns(stamp, e.time_ns);
    if (!error.empty()) return Shape::Error;
    const std::size_t pos = skip_spaces(line, after);
    const std::size_t end = word_end(line, pos);
    if (pos == end) {
        error = "no event name after the timestamp (the line is cut?)";
        return Shape::Error;
    }
    const std::string_view word = line.substr(pos, end - pos);
    e.event = word.back() == ':' ? word.substr(0, word.size() - 1) : std::string_view{};
    e.fields = line.substr(end);
    return Shape::Event;
}

// Lines a trace holds besides events and '#' comments.
bool is_header_line(std::string_view line) {
    if (line.starts_with("cpus=")) return count_digits(line, 5) > 0;
    if (line.starts_with("version = ")) return count_digits(line, 10) > 0;
    // "CPU 3 is empty", "CPU:2 [LOST 17 EVENTS]", "CPU:2 [17 EVENTS DROPPED]"
    if (line.starts_with("CPU") && line.size() > 4 && (line[3] == ' ' || line[3] == ':')) return is_digit(line[4]);
    return false;
}

// The fields of a kmem event that the importer uses. A field that was not seen has
// a null data(); one that was seen points into the line, even if its value is empty.
struct KmemFields {
    std::string_view ptr, bytes_req, page, pfn, order;

    // Reading stops once these are seen: the rest of the line (gfp_flags, node, a
    // cache name) is long and unused. The kernel prints page before pfn.
    bool complete(Kind kind) const {
        switch (kind) {
            case Kind::SlabAlloc: return ptr.data() != nullptr && bytes_req.data() != nullptr;
            case Kind::SlabFree: return ptr.data() != nullptr;
            case Kind::PageAlloc:
            case Kind::PageFree: return pfn.data() != nullptr && order.data() != nullptr;
            case Kind::PageFreeBatched: return pfn.data() != nullptr;
            case Kind::Other: break;
        }
        return true;
    }
};

// The field that `word` ("key=value") sets, or null for keys nobody reads; `value`
// is what follows the '='.
std::string_view* field_of(KmemFields& f, std::string_view word, std::string_view& value) {
    std::string_view* field = nullptr;
    const auto match = [&](std::string_view key, std::string_view& target) {
        if (!word.starts_with(key)) return false;
        value = word.substr(key.size());
        field = &target;
        return true;
    };
    switch (word[0]) {  // most words are not ours: one test rejects them
        case 'p': (void)(match("ptr=", f.ptr) || match("page=", f.page) || match("pfn=", f.pfn)); break;
        case 'b': match("bytes_req=", f.bytes_req); break;
        case 'o': match("order=", f.order); break;
        default: break;
    }
    return field;
}

// The first occurrence of each field counts. Words are found with memchr and only
// their start is compared: most of the text is long values nobody reads.
KmemFields split_fields(std::string_view text, Kind kind) {
    KmemFields f;
    std::size_t pos = skip_spaces(text, 0);
    while (pos < text.size() && !f.complete(kind)) {
        const std::size_t end = word_end(text, pos);
        const std::string_view word = text.substr(pos, end - pos);
        pos = skip_spaces(text, end);
        std::string_view value;
        std::string_view* field = field_of(f, word, value);
        if (field == nullptr || field->data() != nullptr) continue;
        // A NULL %p before 5.4 is "(null)" right-aligned in 16 columns: "ptr=          (null)".
        if (value.empty() && text.substr(pos).starts_with("(null)")) {
            value = text.substr(pos, 6);
            pos = skip_spaces(text, pos + 6);
        }
        *field = value;
    }
    return f;
}

// Checks and forwards one kmem event. Empty on success, or what is wrong.
std::string emit_kmem(Kind kind, const EventLine& e, EventEmitter& out) {
    const KmemFields f = split_fields(e.fields, kind);
    const auto missing = [&](std::string_view key) { return fmt::format("{}: missing {}=", e.event, key); };
    const auto bad = [&](const WholeNumber& number, std::string_view key, std::string_view value) {
        return fmt::format("{}: {}", e.event, number.refusal(key, value));
    };
    switch (kind) {
        case Kind::SlabAlloc:
        case Kind::SlabFree: {
            if (f.ptr.data() == nullptr) return missing("ptr");
            const std::optional<std::uint64_t> ptr = parse_pointer(f.ptr);
            if (!ptr) return bad(kPointer, "ptr", f.ptr);
            if (kind == Kind::SlabFree) {
                if (*ptr != 0) out.free(*ptr, e.cpu, e.time_ns);  // kfree(NULL) is a no-op
                return {};
            }
            if (f.bytes_req.data() == nullptr) return missing("bytes_req");
            const std::optional<std::uint64_t> bytes = kBytes.parse(f.bytes_req);
            if (!bytes) return bad(kBytes, "bytes_req", f.bytes_req);
            if (*ptr != 0) out.alloc(*ptr, *bytes, e.cpu, e.time_ns);  // NULL: a failed allocation
            return {};
        }
        case Kind::PageAlloc:
        case Kind::PageFree:
        case Kind::PageFreeBatched: {
            if (f.pfn.data() == nullptr) return missing("pfn");
            const std::optional<std::uint64_t> pfn_number = kPfn.parse(f.pfn);
            if (!pfn_number) return bad(kPfn, "pfn", f.pfn);
            const std::uint64_t pfn = *pfn_number;
            std::uint64_t order = 0;  // mm_page_free_batched is always order 0
            if (kind != Kind::PageFreeBatched) {
                if (f.order.data() == nullptr) return missing("order");
                const std::optional<std::uint64_t> n = kOrder.parse(f.order);
                if (!n) return bad(kOrder, "order", f.order);
                order = *n;
            }
            const auto order8 = static_cast<std::uint8_t>(order);
            if (kind != Kind::PageAlloc) {
                out.page_free(pfn, order8, e.cpu, e.time_ns);
                return {};
            }
            std::uint64_t page = 1;  // raw fields have no page; pfn -1 then marks a failure
            if (f.page.data() != nullptr) {
                const std::optional<std::uint64_t> p = parse_pointer(f.page);
                if (!p) return bad(kPointer, "page", f.page);
                page = *p;
            }
            if (page != 0 && pfn != UINT64_MAX) out.page_alloc(pfn, order8, e.cpu, e.time_ns);
            return {};
        }
        case Kind::Other: break;
    }
    return {};
}

// One line: empty if it was imported or skipped, or what is wrong with it.
std::string import_line(std::string_view line, EventEmitter& out) {
    std::size_t start = 0;  // blank and comment lines may be indented with tabs too
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    if (start == line.size() || line[start] == '#') return {};
    EventLine e;
    std::string error;
    switch (parse_event_line(line, e, error)) {
        case Shape::Event: {
            const Kind kind = kind_of(e.event);
            return kind == Kind::Other ? std::string{} : emit_kmem(kind, e, out);
        }
        case Shape::NotEvent:
            if (is_header_line(line.substr(start))) return {};
            return "not an ftrace event line (expected TASK-PID [CPU] FLAGS SECONDS.FRACTION: EVENT: FIELDS)";
        case Shape::Error: break;
    }
    return error;
}

}  // namespace

void import_ftrace(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options) {
    LineReader reader(in, file);
    std::string_view line;
    while (reader.next(line)) {
        const std::string error = import_line(line, out);
        if (error.empty()) continue;
        if (!options.lenient) throw TraceError::at(file, reader.line_number(), error);
        out.count_malformed();
    }
    // Zero lines is a wrong file or a failed capture; a trace with headers only is
    // a capture in which no kmem event fired.
    if (reader.line_number() == 0)
        throw TraceError(file + ": empty file (expected the text of tracing/trace or trace-cmd report)");
    out.set_lines(reader.line_number());
}

}  // namespace allocsim::traces
