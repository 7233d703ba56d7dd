// The stored form of an event: 32 bytes, little-endian, fixed layout, so a chunk
// of events is one blob that encodes and decodes with plain loads and stores, and
// the `events` view can still pick fields apart in SQL (traces/database.cpp).
//
//   offset  size  field
//        0     8  time_ns   (int64, -1 = none)
//        8     8  object    (uint64)
//       16     8  size      (uint64)
//       24     4  cycles    (uint32)
//       28     2  cpu       (uint16)
//       30     1  op        (uint8, Op)
//       31     1  arg       (uint8: alignment log2, or page order)
#pragma once

#include <cstdint>
#include <bit>
#include <cstring>

#include "traces/trace_event.h"

namespace allocsim::traces {

inline constexpr std::size_t kEventRecordBytes = 32;
inline constexpr std::size_t kEventObjectOffset = 8;
inline constexpr std::size_t kEventOpOffset = 30;
// Events per stored chunk (one blob of 64000 bytes): big enough that SQLite's
// per-row cost vanishes, and small enough that a chunk fits on one 64 KiB page
// (SQLite keeps a row of up to 65501 bytes wholly on its page), so the `events`
// view reads each event's 32 bytes in place instead of copying the whole blob
// out of an overflow chain for every row (that made the view 100x slower).
inline constexpr int kEventsPerChunk = 2000;
static_assert(std::endian::native == std::endian::little, "the record layout is little-endian");

inline void encode_event(const TraceEvent& e, unsigned char* out) {
    std::memcpy(out + 0, &e.time_ns, 8);
    std::memcpy(out + kEventObjectOffset, &e.object, 8);
    std::memcpy(out + 16, &e.size, 8);
    std::memcpy(out + 24, &e.cycles, 4);
    std::memcpy(out + 28, &e.cpu, 2);
    out[kEventOpOffset] = static_cast<unsigned char>(e.op);
    out[31] = e.arg;
}

// The object id of a stored record, without decoding the rest.
inline std::uint64_t record_object(const unsigned char* in) {
    std::uint64_t object;
    std::memcpy(&object, in + kEventObjectOffset, 8);
    return object;
}

inline TraceEvent decode_event(const unsigned char* in) {
    TraceEvent e;
    std::memcpy(&e.time_ns, in + 0, 8);
    std::memcpy(&e.object, in + kEventObjectOffset, 8);
    std::memcpy(&e.size, in + 16, 8);
    std::memcpy(&e.cycles, in + 24, 4);
    std::memcpy(&e.cpu, in + 28, 2);
    e.op = static_cast<Op>(in[kEventOpOffset]);
    e.arg = in[31];
    return e;
}

}  // namespace allocsim::traces
