// CS:APP malloclab importer. mdriver reads a .rep file with fscanf, so the file is
// a stream of whitespace-separated tokens and line breaks do not matter:
//
//   HEAP_SIZE NUM_IDS NUM_OPS WEIGHT      the header (HEAP_SIZE and WEIGHT unused)
//   a ID BYTES                            ptr[ID] = malloc(BYTES)
//   r ID BYTES                            ptr[ID] = realloc(ptr[ID], BYTES)
//   f ID                                  free(ptr[ID]); "f -1" is free(NULL)
//
// As in mdriver, ID must be below NUM_IDS and the file must hold NUM_OPS ops.
// Errors name the line of the op's first token.
//
// Lenient recovery drops the malformed op's line and nothing else. An operand may
// stand on a later line than its op (fscanf), but one that does not parse there is
// not the op's: the op's own line ended without it (the public alaska.rep has
// thousands of "a ID" lines with no size), so that token is read again as the next
// op's first. An operand that fails on the op's own line drops the rest of that line.
#include <string>

#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/line_reader.h"
#include "traces/whole_number.h"

namespace allocsim::traces {

namespace {

constexpr WholeNumber kSize{0, std::uint64_t{1} << 48};  // above any real request
constexpr WholeNumber kNumIds{0, std::uint64_t{1} << 40};
constexpr std::string_view kNullId = "-1";  // "f -1": free(NULL), in the public traces
// The id "f -1" reads as: never a real one, which kNumIds keeps below 2^40.
constexpr std::uint64_t kNullFreeId = UINT64_MAX;
static_assert(kNullFreeId > kNumIds.max);

// Tokens across lines, with the line each came from.
class Tokens {
public:
    explicit Tokens(LineReader& reader) : reader_(reader) {}

    // The next token, or false at the end of input.
    bool next(std::string_view& token) {
        for (;;) {
            while (pos_ < line_.size() && is_space(line_[pos_])) ++pos_;
            if (pos_ < line_.size()) {
                last_start_ = pos_;
                while (pos_ < line_.size() && !is_space(line_[pos_])) ++pos_;
                token = line_.substr(last_start_, pos_ - last_start_);
                return true;
            }
            if (!reader_.next(line_)) return false;
            pos_ = 0;
            last_start_ = 0;
        }
    }
    // The token next() returned last is returned again by the next call. It is
    // always on the current line, so this never needs a line already read.
    void unread() { pos_ = last_start_; }
    // Drops what is left of the current line (lenient recovery).
    void skip_line() { pos_ = line_.size(); }
    // The line of the token next() returned last.
    std::uint64_t line() const { return reader_.line_number(); }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

    LineReader& reader_;
    std::string_view line_;
    std::size_t pos_ = 0;
    std::size_t last_start_ = 0;
};

std::string quoted(std::string_view token) {
    std::string out = "'";
    out.append(token.substr(0, 32));
    out.push_back('\'');
    return out;
}

}  // namespace

void import_malloclab(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options) {
    LineReader reader(in, file);
    Tokens tokens(reader);
    std::string_view token;

    // The header is not recoverable: without NUM_IDS and NUM_OPS nothing can be checked.
    static constexpr const char* kHeader[] = {"heap size", "number of ids", "number of ops", "weight"};
    std::uint64_t header[4] = {};
    for (int i = 0; i < 4; ++i) {
        if (!tokens.next(token)) {
            if (i == 0 && reader.line_number() == 0) throw TraceError(file + ": empty file");
            throw TraceError::at(file, reader.line_number(),
                                 std::string("the header ends before its ") + kHeader[i] + " (it has 4 numbers)");
        }
        const WholeNumber number = i == 1 ? kNumIds : WholeNumber{};
        const std::optional<std::uint64_t> n = number.parse(token);
        if (!n) throw TraceError::at(file, tokens.line(), "header: " + number.refusal(kHeader[i], token));
        header[i] = *n;
    }
    const std::uint64_t num_ids = header[1];
    const std::uint64_t num_ops = header[2];
    // Ids are 0..num_ids-1; with no ids (an empty range) every op's id is refused.
    const WholeNumber id_number{0, num_ids == 0 ? 0 : num_ids - 1};
    const std::string ids_note = " (the header has " + std::to_string(num_ids) + " ids)";

    std::uint64_t ops = 0;  // ops read, good or skipped
    while (tokens.next(token)) {
        const std::uint64_t line = tokens.line();
        const char op = token.size() == 1 ? token[0] : '?';
        std::string error;
        // The op's next operand through `parse` into `value`; false, with `error`
        // set, if it has none (see the lenient recovery above).
        const auto operand = [&](const char* name, auto parse, auto refusal, std::uint64_t& value) {
            if (tokens.next(token)) {
                if (const std::optional<std::uint64_t> n = parse(token)) {
                    value = *n;
                    return true;
                }
                if (tokens.line() == line) {
                    error = refusal(token);
                    return false;
                }
                tokens.unread();
            }
            error = std::string("'") + op + "' without its " + name;
            return false;
        };
        const auto parse_id = [&](std::string_view text) {
            if (op == 'f' && text == kNullId) return std::optional<std::uint64_t>(kNullFreeId);
            return num_ids == 0 ? std::nullopt : id_number.parse(text);
        };
        const auto id_refusal = [&](std::string_view text) {
            if (num_ids == 0) return "id '" + std::string(text.substr(0, 32)) + "': the header has 0 ids";
            return id_number.refusal("id", text) + ids_note;
        };
        const auto size_refusal = [&](std::string_view text) { return kSize.refusal("size", text); };
        std::uint64_t id = 0;
        std::uint64_t size = 0;
        if (ops == num_ops) {
            error = "more ops than the header's " + std::to_string(num_ops);
        } else if (op != 'a' && op != 'r' && op != 'f') {
            error = "unknown op " + quoted(token) + " (expected a, r or f)";
        } else if (operand("id", parse_id, id_refusal, id) && op != 'f') {
            operand("size", [&](std::string_view text) { return kSize.parse(text); }, size_refusal, size);
        }
        ++ops;
        if (!error.empty()) {
            if (!options.lenient) throw TraceError::at(file, line, error);
            out.count_malformed();
            if (tokens.line() == line) tokens.skip_line();
            continue;
        }
        switch (op) {
            case 'a': out.alloc(id, size, 0, kNoTime); break;
            case 'r': out.realloc(id, id, size, 0, kNoTime); break;
            case 'f':
                if (id == kNullFreeId) out.count_null_free();
                else out.free(id, 0, kNoTime);
                break;
        }
    }
    if (ops < num_ops) {
        const std::string error = "the header promises " + std::to_string(num_ops) + " ops, the file has " +
                                  std::to_string(ops) + " (truncated?)";
        if (!options.lenient) throw TraceError::at(file, reader.line_number(), error);
        out.count_malformed();
    }
    out.set_lines(reader.line_number());
}

}  // namespace allocsim::traces
