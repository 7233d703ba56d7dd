// The binary log of `allocsim record`: written by the LD_PRELOAD interposer
// (traces/recorder/preload.cpp), read by import_record (traces/import_record.cpp).
//
//   FileHeader (16 bytes), then Records (48 bytes each) until the end of the file,
//   all little-endian, in the recorded process's global order of calls: a free comes
//   after the allocation that returned its pointer, and an allocation that reuses an
//   address comes after the free that released it.
//
// Only what a call did is logged: failed allocations and free(NULL) are not logged;
// a failed realloc is (the importer counts it). A file cut short (the program was
// killed during a write) ends with a partial record, which the importer drops.
//
// Plain structs and <cstdint> only: the interposer links neither libstdc++ nor
// anything else of the project.
#pragma once

#include <cstdint>

namespace allocsim::record {

inline constexpr char kMagic[8] = {'A', 'L', 'S', 'I', 'M', 'R', 'E', 'C'};
inline constexpr std::uint32_t kVersion = 1;

struct FileHeader {
    char magic[8];               // kMagic
    std::uint32_t version;       // kVersion
    std::uint32_t record_bytes;  // sizeof(Record), so a layout change cannot go unnoticed
};

// Which function was called. 0 is never a kind, so zeroed memory is never a record.
enum class Kind : std::uint16_t {
    Malloc = 1,
    Calloc = 2,
    Realloc = 3,
    Free = 4,
    PosixMemalign = 5,
    AlignedAlloc = 6,
    Memalign = 7,
    Valloc = 8,
    Pvalloc = 9,
    Reallocarray = 10,
};
inline constexpr std::uint16_t kLastKind = 10;

struct Record {
    std::int64_t time_ns;     // CLOCK_MONOTONIC when the call returned
    std::uint64_t ptr;        // what the call returned (0: NULL); 0 for free
    std::uint64_t old_ptr;    // the pointer the call was given (realloc, reallocarray, free); else 0
    std::uint64_t size;       // bytes asked for: calloc n*m, reallocarray n*m (saturated),
                              // pvalloc rounded up to whole pages
    std::uint64_t alignment;  // the alignment obtained, a power of two (aligned kinds); else 0
    std::uint32_t tid;        // the calling thread (gettid)
    std::uint16_t kind;       // Kind
    std::uint16_t reserved;   // 0
};

static_assert(sizeof(FileHeader) == 16, "FileHeader is 16 bytes on every platform");
static_assert(sizeof(Record) == 48, "Record is 48 bytes on every platform");

}  // namespace allocsim::record
