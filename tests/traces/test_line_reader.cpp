// LineReader: lines across block boundaries, line ends, and the bounds that make
// hostile files an error rather than a huge allocation.
#include <sstream>

#include "tests/traces/test_support.h"
#include "traces/import_error.h"
#include "traces/line_reader.h"

using namespace allocsim::traces;

namespace {

std::vector<std::string> read_all(const std::string& text, std::size_t max_line = LineReader::kDefaultMaxLine) {
    std::istringstream in(text);
    LineReader reader(in, "f.txt", max_line);
    std::vector<std::string> out;
    std::string_view line;
    while (reader.next(line)) out.emplace_back(line);
    CHECK(reader.line_number() == out.size());
    return out;
}

}  // namespace

TEST_CASE("line reader: every line comes back whole, across block boundaries") {
    // Lines of every length from 0 to 3000, so many of them straddle the 256 KiB
    // blocks; the last line has no end-of-line; some end with CRLF.
    std::string text;
    std::vector<std::string> expected;
    for (int i = 0; text.size() < 3 * LineReader::kBlockBytes; ++i) {
        std::string line(static_cast<std::size_t>(i * 7 % 3001), static_cast<char>('a' + i % 26));
        expected.push_back(line);
        text += line + (i % 5 == 0 ? "\r\n" : "\n");
    }
    text += "last";
    expected.push_back("last");
    CHECK(read_all(text) == expected);
    CHECK(read_all("").empty());
    CHECK(read_all("\n\n") == std::vector<std::string>{"", ""});
    CHECK(read_all("a\r\nb") == std::vector<std::string>{"a", "b"});
}

TEST_CASE("line reader: an overlong line or a NUL byte is an error naming the line") {
    const auto error_of = [](const std::string& text, std::size_t max_line) {
        try {
            read_all(text, max_line);
        } catch (const TraceError& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    CHECK(error_of("ab\nabcd\n", 4) == "no error");
    CHECK(error_of("ab\nabcde\n", 4) == "f.txt:2: line longer than 4 bytes");
    // 10 MB without a line break: refused after the bound, not held.
    CHECK(error_of("ok\n" + std::string(10 << 20, 'x'), LineReader::kDefaultMaxLine) ==
          "f.txt:2: line longer than 65536 bytes");
    CHECK(error_of(std::string("one\ntwo\nth\0ree\n", 15), 100) == "f.txt:3: NUL byte: this is not a text file");
}
