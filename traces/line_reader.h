// LineReader: reads a text stream line by line with a bound on line length, so a
// hostile file (a 10-MB line, a binary file) gives an error instead of a huge
// allocation. Memory stays flat: one line buffer, reused.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

namespace allocsim::traces {

class LineReader {
public:
    static constexpr std::size_t kDefaultMaxLine = 64 * 1024;
    static constexpr std::size_t kBlockBytes = 256 * 1024;

    LineReader(std::istream& in, std::string file, std::size_t max_line = kDefaultMaxLine)
        : in_(in), file_(std::move(file)), max_line_(max_line), block_(kBlockBytes) {}

    // The next line without its end-of-line ("\n" or "\r\n"); false at end of input.
    // The view is valid until the next call. Throws TraceError naming the file and
    // line if the line is longer than the bound or holds a NUL byte (a binary file).
    bool next(std::string_view& line);

    std::uint64_t line_number() const { return line_; }
    const std::string& file() const { return file_; }

private:
    std::istream& in_;
    std::string file_;
    std::size_t max_line_;
    std::uint64_t line_ = 0;
    std::string buffer_;         // a line that straddles two blocks
    std::vector<char> block_;    // read in blocks: lines are found with memchr
    std::size_t pos_ = 0;        // the unread part of block_ is [pos_, end_)
    std::size_t end_ = 0;
};

}  // namespace allocsim::traces
