// glibc mtrace importer. The writer is glibc's malloc/mtrace-impl.c (malloc/mtrace.c
// before 2.34); what it prints, and what this parser accepts:
//
//   = Start | = End                        begin and end of the log (End is often missing)
//   [@ CALLER[0xADDR] ]+ PTR SIZE          malloc, calloc, memalign, realloc(NULL, n)
//   [@ CALLER[0xADDR] ]- PTR               free, realloc(p, 0)
//   [@ CALLER[0xADDR] ]< OLD               a realloc that moved or kept a block: always
//   [@ CALLER[0xADDR] ]> NEW SIZE          followed by its '>' line
//   [@ CALLER[0xADDR] ]! PTR SIZE          a failed realloc: the old block stays
//
// CALLER is "file:(sym+0xoff)" or "file:" or empty, and can hold spaces, parentheses
// and brackets, so the record starts after the LAST "] " of the line (the record
// itself never holds a ']'). PTR is printed with %p: 0x... or "(nil)". SIZE with
// %#lx: 0x... or "0".
#include <optional>
#include <string>

#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/line_reader.h"
#include "traces/whole_number.h"

namespace allocsim::traces {

namespace {

// %p and %#lx: hex with an optional 0x prefix. A size above 2^48 is above any a
// real program can request: a corrupt line.
constexpr WholeNumber kPointer{0, WholeNumber::kUnbounded, NumberBase::Hex};
constexpr WholeNumber kSize{0, std::uint64_t{1} << 48, NumberBase::Hex};

// %p: "(nil)" is the null pointer.
std::optional<std::uint64_t> parse_pointer(std::string_view text) {
    if (text == "(nil)") return 0;
    return kPointer.parse(text);
}

// Splits `text` at single spaces into at most `max` words; false if there are more.
int split_words(std::string_view text, std::string_view* words, int max) {
    int n = 0;
    while (!text.empty()) {
        const std::size_t space = text.find(' ');
        const std::string_view word = text.substr(0, space);
        if (!word.empty()) {
            if (n == max) return -1;
            words[n++] = word;
        }
        if (space == std::string_view::npos) break;
        text.remove_prefix(space + 1);
    }
    return n;
}

class MtraceParser {
public:
    MtraceParser(LineReader& reader, EventEmitter& out, const ImportOptions& options)
        : reader_(reader), out_(out), options_(options) {}

    void run() {
        std::string_view line;
        while (reader_.next(line)) {
            const std::string error = parse(line);
            if (!error.empty()) malformed(reader_.line_number(), error);
        }
        // Invariant: a '<' is always followed by its '>'; a log cut right after
        // the '<' (the program died mid-realloc) is a truncated pair.
        if (pending_realloc_) malformed(pending_line_, "'<' (realloc) without its '>' line: the log is truncated");
        if (reader_.line_number() == 0) throw TraceError(reader_.file() + ": empty file (an mtrace log starts with '= Start')");
        out_.set_lines(reader_.line_number());
    }

private:
    void malformed(std::uint64_t line, const std::string& error) {
        if (!options_.lenient) throw TraceError::at(reader_.file(), line, error);
        out_.count_malformed();
        pending_realloc_ = false;
    }

    // Returns an error message, or empty.
    std::string parse(std::string_view line) {
        if (line.empty()) return {};
        if (line[0] == '=') {
            if (line == "= Start" || line == "= End") return pending_realloc_ ? "'<' (realloc) without its '>' line" : "";
            return "unknown '=' line (expected '= Start' or '= End')";
        }
        std::string_view record = line;
        if (line.size() >= 2 && line[0] == '@' && line[1] == ' ') {
            const std::size_t close = line.rfind("] ");
            if (close == std::string_view::npos) return "caller '@ ...' without '[0xADDR] '";
            record = line.substr(close + 2);
        }
        std::string_view w[3];
        const int n = split_words(record, w, 3);
        if (n <= 0) return "empty record";
        if (w[0].size() != 1) return "unknown record '" + std::string(w[0].substr(0, 16)) + "'";
        const char kind = w[0][0];
        if (pending_realloc_ && kind != '>')
            return "'<' (realloc) on line " + std::to_string(pending_line_) + " is not followed by its '>' line";
        std::uint64_t ptr = 0;
        std::uint64_t size = 0;
        const int want = kind == '-' || kind == '<' ? 2 : 3;
        if (kind != '+' && kind != '-' && kind != '<' && kind != '>' && kind != '!')
            return std::string("unknown record '") + kind + "' (expected + - < > !)";
        if (n != want) return std::string("'") + kind + "' takes " + (want == 2 ? "a pointer" : "a pointer and a size");
        if (const auto p = parse_pointer(w[1])) ptr = *p;
        else return kPointer.refusal("pointer", w[1]);
        if (want == 3) {
            if (const auto s = kSize.parse(w[2])) size = *s;
            else return kSize.refusal("size", w[2]);
        }
        switch (kind) {
            case '+':
                if (ptr != 0) out_.alloc(ptr, size, 0, kNoTime);  // (nil): a failed malloc
                break;
            case '-':
                if (ptr != 0) out_.free(ptr, 0, kNoTime);
                break;
            case '<':
                if (ptr == 0) return "'<' of a null pointer";
                pending_realloc_ = true;
                pending_old_ = ptr;
                pending_line_ = reader_.line_number();
                break;
            case '>':
                if (!pending_realloc_) return "'>' (realloc) without the '<' line before it";
                if (ptr == 0) return "'>' of a null pointer";
                pending_realloc_ = false;
                out_.realloc(pending_old_, ptr, size, 0, kNoTime);
                break;
            case '!':
                out_.count_failed_realloc();
                break;
        }
        return {};
    }

    LineReader& reader_;
    EventEmitter& out_;
    const ImportOptions& options_;
    bool pending_realloc_ = false;  // a '<' was read; the next record must be its '>'
    std::uint64_t pending_old_ = 0;
    std::uint64_t pending_line_ = 0;
};

}  // namespace

void import_mtrace(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options) {
    LineReader reader(in, file);
    MtraceParser(reader, out, options).run();
}

}  // namespace allocsim::traces
