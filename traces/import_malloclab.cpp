// CS:APP malloclab importer. mdriver reads a .rep file with fscanf, so the file is
// a stream of whitespace-separated tokens and line breaks do not matter:
//
//   HEAP_SIZE NUM_IDS NUM_OPS WEIGHT      the header (HEAP_SIZE and WEIGHT unused)
//   a ID BYTES                            ptr[ID] = malloc(BYTES)
//   r ID BYTES                            ptr[ID] = realloc(ptr[ID], BYTES)
//   f ID                                  free(ptr[ID])
//
// As in mdriver, ID must be below NUM_IDS and the file must hold NUM_OPS ops.
// Errors name the line of the op's first token. Under --lenient a bad op is
// skipped with the rest of its line.
#include <string>

#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/line_reader.h"
#include "traces/whole_number.h"

namespace allocsim::traces {

namespace {

constexpr WholeNumber kSize{0, std::uint64_t{1} << 48};  // above any real request
constexpr WholeNumber kNumIds{0, std::uint64_t{1} << 40};

// Tokens across lines, with the line each came from.
class Tokens {
public:
    explicit Tokens(LineReader& reader) : reader_(reader) {}

    // The next token, or false at the end of input.
    bool next(std::string_view& token) {
        for (;;) {
            while (pos_ < line_.size() && is_space(line_[pos_])) ++pos_;
            if (pos_ < line_.size()) {
                const std::size_t start = pos_;
                while (pos_ < line_.size() && !is_space(line_[pos_])) ++pos_;
                token = line_.substr(start, pos_ - start);
                return true;
            }
            if (!reader_.next(line_)) return false;
            pos_ = 0;
        }
    }
    // Drops what is left of the current line (lenient recovery).
    void skip_line() { pos_ = line_.size(); }
    std::uint64_t line() const { return reader_.line_number(); }

private:
    static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

    LineReader& reader_;
    std::string_view line_;
    std::size_t pos_ = 0;
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
        std::string error;
        std::uint64_t id = 0;
        std::uint64_t size = 0;
        const char op = token.size() == 1 ? token[0] : '?';
        if (ops == num_ops) {
            error = "more ops than the header's " + std::to_string(num_ops);
        } else if (op != 'a' && op != 'r' && op != 'f') {
            error = "unknown op " + quoted(token) + " (expected a, r or f)";
        } else if (!tokens.next(token)) {
            error = std::string("'") + op + "' without its id";
        } else if (const auto n = num_ids == 0 ? std::nullopt : id_number.parse(token)) {
            id = *n;
            if (op != 'f') {
                if (!tokens.next(token)) error = std::string("'") + op + "' without its size";
                else if (const auto s = kSize.parse(token)) size = *s;
                else error = kSize.refusal("size", token);
            }
        } else {
            error = num_ids == 0 ? "id " + quoted(token) + ": the header has 0 ids" : id_number.refusal("id", token) + ids_note;
        }
        ++ops;
        if (!error.empty()) {
            if (!options.lenient) throw TraceError::at(file, line, error);
            out.count_malformed();
            tokens.skip_line();
            continue;
        }
        switch (op) {
            case 'a': out.alloc(id, size, 0, kNoTime); break;
            case 'r': out.realloc(id, id, size, 0, kNoTime); break;
            case 'f': out.free(id, 0, kNoTime); break;
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
