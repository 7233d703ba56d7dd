// TraceEvent: one event of a workload trace, as stored, imported, generated and
// replayed. Plain data, 32 bytes when stored (traces/event_codec.h).
#pragma once

#include <cstdint>
#include <string_view>

namespace allocsim::traces {

enum class Op : std::uint8_t {
    Alloc = 0,      // object `object` is allocated with `size` bytes (alignment 1 << arg, 0: default)
    Free = 1,       // object `object` is freed
    Realloc = 2,    // object `object` is resized to `size` bytes (it may move; it stays the same object)
    PageAlloc = 3,  // object `object` is a block of 2^arg pages taken straight from the buddy
    PageFree = 4,   // that block is freed
};
inline constexpr int kOpCount = 5;

const char* op_name(Op op);
// Parses "alloc", "free", "realloc", "page_alloc", "page_free". False if none.
bool op_from_name(std::string_view name, Op& out);

inline constexpr std::int64_t kNoTime = -1;

// The bytes of a page block of `order`: 4 KiB pages, as the core's buddy has them.
// Importers accept orders up to 20; a larger one (only a damaged database holds
// one) saturates instead of shifting past 64 bits.
constexpr std::uint64_t page_block_bytes(std::uint8_t order) {
    return order < 51 ? std::uint64_t{4096} << order : std::uint64_t{1} << 63;
}

struct TraceEvent {
    std::int64_t time_ns = kNoTime;  // since the trace's start; kNoTime if the source has no clock
    std::uint64_t object = 0;        // object id, dense from 0 in order of first allocation
    std::uint64_t size = 0;          // bytes (Alloc, Realloc); 0 otherwise
    std::uint32_t cycles = 0;        // measured cycles, 0 if not measured
    std::uint16_t cpu = 0;           // CPU or thread index, dense from 0
    Op op = Op::Alloc;
    std::uint8_t arg = 0;            // Alloc: log2 of the alignment (0: default); Page*: the order

    friend bool operator==(const TraceEvent&, const TraceEvent&) = default;
};

}  // namespace allocsim::traces
