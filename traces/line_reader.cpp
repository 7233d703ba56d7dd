#include "traces/line_reader.h"

#include "traces/import_error.h"

namespace allocsim::traces {

bool LineReader::next(std::string_view& line) {
    buffer_.clear();
    std::streambuf* sb = in_.rdbuf();
    bool any = false;
    for (;;) {
        const int c = sb->sbumpc();
        if (c == std::char_traits<char>::eof()) {
            if (!any) return false;
            break;
        }
        any = true;
        if (c == '\n') break;
        if (c == '\0') throw TraceError::at(file_, line_ + 1, "NUL byte: this is not a text file");
        if (buffer_.size() >= max_line_)
            throw TraceError::at(file_, line_ + 1, "line longer than " + std::to_string(max_line_) + " bytes");
        buffer_.push_back(static_cast<char>(c));
    }
    ++line_;
    if (!buffer_.empty() && buffer_.back() == '\r') buffer_.pop_back();
    line = buffer_;
    return true;
}

}  // namespace allocsim::traces
