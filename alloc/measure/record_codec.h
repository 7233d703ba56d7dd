// The compact form of the measured records on the wire (the kernel's debug console,
// where every byte costs QEMU a write() to its file): about 4 bytes a record instead
// of the 12 of a MeasuredOp.
//
//   record := kinds_ref flags [splits] cycles
//   kinds_ref: one byte, an index into the masks seen so far (0..253), or 254
//              followed by a new 4-byte little-endian mask, which takes the next index
//   flags:     cpu (bits 0-3), kFlagContended (bit 4), kFlagFailed (bit 5),
//              bit 6: a splits byte follows
//   cycles:    LEB128 (7 bits a byte, low first), 1 to 5 bytes
//
// Freestanding: the kernel encodes, the host decodes, with the same header.
#pragma once

#include <cstddef>
#include <cstdint>

#include "alloc/measure/measure_plan.h"

namespace allocsim::measure {

inline constexpr std::size_t kMaxEncodedRecord = 12;  // 1 + 4 + 1 + 1 + 5
inline constexpr unsigned kMaxKindMasks = 254;
inline constexpr std::uint8_t kNewMask = 254;

class RecordEncoder {
public:
    // Writes `m` at `out` (room for kMaxEncodedRecord bytes); returns the bytes written.
    // REQUIRES: m.cpu < 16.
    std::size_t encode(const MeasuredOp& m, unsigned char* out) {
        unsigned char* p = out;
        unsigned ref = kMaxKindMasks;
        for (unsigned i = 0; i < count_; ++i)
            if (masks_[i] == m.kinds) {
                ref = i;
                break;
            }
        if (ref < kMaxKindMasks) {
            *p++ = static_cast<unsigned char>(ref);
        } else {
            *p++ = kNewMask;
            for (int b = 0; b < 4; ++b) *p++ = static_cast<unsigned char>(m.kinds >> (8 * b));
            if (count_ < kMaxKindMasks) masks_[count_++] = m.kinds;
        }
        const bool splits = m.splits != 0;
        *p++ = static_cast<unsigned char>((m.cpu & 15u) | ((m.flags & 3u) << 4) | (splits ? 64u : 0u));
        if (splits) *p++ = m.splits;
        std::uint32_t c = m.cycles;
        while (c >= 128) {
            *p++ = static_cast<unsigned char>(c | 128u);
            c >>= 7;
        }
        *p++ = static_cast<unsigned char>(c);
        return static_cast<std::size_t>(p - out);
    }

private:
    std::uint32_t masks_[kMaxKindMasks] = {};
    unsigned count_ = 0;
};

class RecordDecoder {
public:
    // Reads one record from [p, end); returns the bytes read, or 0 if the bytes are
    // short or malformed.
    std::size_t decode(const unsigned char* p, const unsigned char* end, MeasuredOp& m) {
        const unsigned char* start = p;
        if (p >= end) return 0;
        const unsigned ref = *p++;
        if (ref == kNewMask) {
            if (end - p < 4) return 0;
            m.kinds = 0;
            for (int b = 0; b < 4; ++b) m.kinds |= static_cast<std::uint32_t>(*p++) << (8 * b);
            if (count_ < kMaxKindMasks) masks_[count_++] = m.kinds;
        } else {
            if (ref >= count_) return 0;
            m.kinds = masks_[ref];
        }
        if (p >= end) return 0;
        const unsigned flags = *p++;
        if ((flags & 128u) != 0) return 0;
        m.cpu = static_cast<std::uint16_t>(flags & 15u);
        m.flags = static_cast<std::uint8_t>((flags >> 4) & 3u);
        m.splits = 0;
        if ((flags & 64u) != 0) {
            if (p >= end) return 0;
            m.splits = *p++;
        }
        std::uint64_t c = 0;
        for (int shift = 0;; shift += 7) {
            if (p >= end || shift > 28) return 0;
            const unsigned byte = *p++;
            c |= static_cast<std::uint64_t>(byte & 127u) << shift;
            if ((byte & 128u) == 0) break;
        }
        if (c > 0xFFFFFFFFu) return 0;
        m.cycles = static_cast<std::uint32_t>(c);
        return static_cast<std::size_t>(p - start);
    }

private:
    std::uint32_t masks_[kMaxKindMasks] = {};
    unsigned count_ = 0;
};

}  // namespace allocsim::measure
