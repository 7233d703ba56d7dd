// The text importers. Each streams its input (memory stays flat), feeds an
// EventEmitter, and throws TraceError naming the file and line for a malformed
// line, unless options.lenient: then the line is skipped and counted.
#pragma once

#include <cstdint>
#include <istream>
#include <string>

#include "traces/event_emitter.h"

namespace allocsim::traces {

struct ImportOptions {
    bool lenient = false;  // skip and count malformed lines instead of failing
};

// glibc mtrace log (MALLOC_TRACE): '= Start', '@ caller[addr] + ptr size', '- ptr',
// '< old' / '> new size', '! ptr size'. One CPU, no timestamps.
void import_mtrace(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options);

// CS:APP malloclab .rep: a 4-number header, then 'a id bytes', 'f id', 'r id bytes'
// (whitespace-separated, line breaks not significant, as mdriver reads it).
void import_malloclab(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options);

// Linux ftrace kmem events in text (tracing/trace, trace-cmd report): kmalloc,
// kmalloc_node, kmem_cache_alloc, kmem_cache_alloc_node, kfree, kmem_cache_free,
// mm_page_alloc, mm_page_free. CPU from [NNN], time from the timestamp.
void import_ftrace(std::istream& in, const std::string& file, EventEmitter& out, const ImportOptions& options);

struct RecordImportOptions {
    std::uint32_t cpus_fold = 0;  // 1..65536: thread i runs on CPU i % cpus_fold; 0: one CPU per thread
    bool lenient = false;         // skip and count corrupt records instead of failing
};

// allocsim record's binary log (traces/record_format.h). Each thread is a CPU, dense
// in order of first appearance. A corrupt file (bad magic, version or record) throws
// TraceError naming the file and the record; a partial last record (the program was
// killed during a write) is dropped and counted as malformed. Returns the number of
// threads seen.
std::uint32_t import_record(std::istream& in, const std::string& file, EventEmitter& out,
                            const RecordImportOptions& options);

}  // namespace allocsim::traces
