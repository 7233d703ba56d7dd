#include "traces/line_reader.h"

#include <cstring>

#include "traces/import_error.h"

namespace allocsim::traces {

bool LineReader::next(std::string_view& line) {
    buffer_.clear();
    bool any = false;
    for (;;) {
        if (pos_ == end_) {
            pos_ = 0;
            end_ = static_cast<std::size_t>(in_.rdbuf()->sgetn(block_.data(), static_cast<std::streamsize>(block_.size())));
            if (end_ == 0) {
                if (!any) return false;
                break;  // the last line has no end-of-line
            }
        }
        any = true;
        const char* start = block_.data() + pos_;
        const auto* newline = static_cast<const char*>(std::memchr(start, '\n', end_ - pos_));
        const std::size_t n = newline ? static_cast<std::size_t>(newline - start) : end_ - pos_;
        // Invariant: no line longer than max_line_ is ever held, so a hostile file
        // costs at most one block and one bounded line.
        if (buffer_.size() + n > max_line_)
            throw TraceError::at(file_, line_ + 1, "line longer than " + std::to_string(max_line_) + " bytes");
        if (std::memchr(start, '\0', n) != nullptr)
            throw TraceError::at(file_, line_ + 1, "NUL byte: this is not a text file");
        if (newline && buffer_.empty()) {
            // The common case: the whole line is inside the block; no copy.
            pos_ += n + 1;
            ++line_;
            line = std::string_view(start, n);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            return true;
        }
        buffer_.append(start, n);
        pos_ += n;
        if (newline) {
            ++pos_;
            break;
        }
    }
    ++line_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    line = buffer_;
    return true;
}

}  // namespace allocsim::traces
