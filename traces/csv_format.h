// The CSV form of a trace: the stored columns, one event per line, for export,
// hand-made traces and round trips. Documented in docs/TRACES.md.
//
//   seq,time_ns,cpu,op,object,size,align,order,cycles
//   0,,0,alloc,0,64,,,
//   1,,0,page_alloc,1,0,,3,
//
// Empty time_ns: no clock. align: bytes, a power of two, alloc only (empty: default).
// order: page ops only. cycles: empty when not measured. Import keeps object ids as
// written; seq must count 0, 1, 2, ...
#pragma once

#include <istream>
#include <ostream>
#include <string>

#include "traces/event_sink.h"
#include "traces/import_summary.h"
#include "traces/importers.h"

namespace allocsim::traces {

inline constexpr const char* kCsvHeader = "seq,time_ns,cpu,op,object,size,align,order,cycles";

void write_csv_header(std::ostream& out);
void write_csv_event(std::ostream& out, std::uint64_t seq, const TraceEvent& e);

// Throws TraceError naming the file and line for a malformed line (unless lenient).
// A free or realloc of an object that is not live is skipped and counted.
ImportSummary import_csv(std::istream& in, const std::string& file, EventSink& out, const ImportOptions& options);

}  // namespace allocsim::traces
