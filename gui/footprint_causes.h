// Where the footprint goes, cause by cause: the layers of the timeline's stacked
// chart (live bytes at the bottom, metadata on top) and, for one cause, what holds
// it at the current event (the list a click on the cause's name opens).
//
// The causes split FootprintParts (alloc/memory_stats.h) with the live bytes taken
// out of what was handed out, as `allocsim replay` does in its summary: what the
// program asked for, then what the classes and page runs round it up to, then what
// the caches, the runs' free objects, the remote queues, the run tails and the
// metadata hold. Their sum is the footprint.
#pragma once

#include <QColor>
#include <QString>

#include <array>
#include <cstdint>

#include "alloc/memory_stats.h"
#include "gui/frame.h"

namespace allocsim::gui {

enum class FootprintCause : int { Live, Rounding, Cached, PartialFree, RemotePending, RunTails, Metadata };
inline constexpr int kFootprintCauses = 7;

const char* cause_name(FootprintCause c);
QColor cause_color(FootprintCause c);

// The bytes of each cause: `live` the program's live bytes, `parts` the core's.
std::array<double, kFootprintCauses> cause_bytes(const FootprintParts& parts, std::uint64_t live);

// What holds cause `c` in `frame`'s core, largest first (rich text, at most `limit`
// entries and a line for the rest).
QString cause_holders(FootprintCause c, const Frame& frame, int limit = 40);

}  // namespace allocsim::gui
