// import_record: allocsim record's binary log into an EventEmitter. The log is
// already in the program's global order (traces/record_format.h), so each record
// becomes at most one event, in order; memory stays flat: one block of records is
// read at a time, and the emitter keeps only the live objects.
#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "traces/import_error.h"
#include "traces/importers.h"
#include "traces/record_format.h"

namespace allocsim::traces {

namespace {

using record::Kind;
using record::Record;

static_assert(std::endian::native == std::endian::little, "the record file is little-endian");
constexpr std::size_t kRecordBytes = sizeof(Record);
constexpr std::size_t kBlockRecords = 4096;  // 192 KiB per read
constexpr std::uint32_t kMaxCpus = 65536;    // CPU indices are uint16

// A record that breaks the format's contract: thrown, or counted under lenient.
struct CorruptRecord {
    std::string why;
};

class RecordImporter {
public:
    RecordImporter(const std::string& file, EventEmitter& out, const RecordImportOptions& options)
        : file_(file), out_(out), options_(options) {}

    void import(std::istream& in);
    std::uint32_t threads() const { return static_cast<std::uint32_t>(cpus_.size()); }

private:
    void read_header(std::istream& in);
    void apply(const Record& r);
    std::uint16_t cpu_of(std::uint32_t tid);
    std::string where(std::uint64_t index) const {
        return fmt::format("{}: record {} (byte {})", file_, index, sizeof(record::FileHeader) + index * kRecordBytes);
    }

    const std::string& file_;
    EventEmitter& out_;
    const RecordImportOptions& options_;
    std::unordered_map<std::uint32_t, std::uint16_t> cpus_;  // thread id -> CPU
    std::uint64_t index_ = 0;                                 // of the record being applied
};

void RecordImporter::read_header(std::istream& in) {
    unsigned char bytes[sizeof(record::FileHeader)];
    in.read(reinterpret_cast<char*>(bytes), sizeof bytes);
    if (static_cast<std::size_t>(in.gcount()) != sizeof bytes)
        throw TraceError(file_ + ": not an allocsim record file (shorter than its header)");
    record::FileHeader h;
    std::memcpy(&h, bytes, sizeof h);
    if (std::memcmp(h.magic, record::kMagic, sizeof h.magic) != 0)
        throw TraceError(file_ + ": not an allocsim record file (bad magic)");
    if (h.version != record::kVersion)
        throw TraceError(
            fmt::format("{}: record file version {} (this allocsim reads version {})", file_, h.version, record::kVersion));
    if (h.record_bytes != kRecordBytes)
        throw TraceError(fmt::format("{}: records of {} bytes (version {} has {})", file_, h.record_bytes,
                                     record::kVersion, kRecordBytes));
}

void RecordImporter::import(std::istream& in) {
    if (options_.cpus_fold > kMaxCpus) throw TraceError(fmt::format("{}: cannot fold onto more than {} CPUs", file_, kMaxCpus));
    read_header(in);
    std::vector<unsigned char> block(kBlockRecords * kRecordBytes);
    for (;;) {
        in.read(reinterpret_cast<char*>(block.data()), static_cast<std::streamsize>(block.size()));
        const auto got = static_cast<std::size_t>(in.gcount());
        for (std::size_t at = 0; at + kRecordBytes <= got; at += kRecordBytes, ++index_) {
            Record r;
            std::memcpy(&r, block.data() + at, kRecordBytes);
            try {
                apply(r);
            } catch (const CorruptRecord& e) {
                if (!options_.lenient) throw TraceError(where(index_) + ": " + e.why);
                out_.count_malformed();
            }
        }
        if (got < block.size()) {
            // A short read happens only at the end: a remainder is a record cut short
            // by the program's death.
            if (got % kRecordBytes != 0) out_.count_malformed();
            break;
        }
    }
    if (in.bad()) throw TraceError(file_ + ": read error");
    out_.set_lines(index_);
}

std::uint16_t RecordImporter::cpu_of(std::uint32_t tid) {
    const auto it = cpus_.find(tid);
    if (it != cpus_.end()) return it->second;
    const std::size_t dense = cpus_.size();
    const std::size_t cpu = options_.cpus_fold > 0 ? dense % options_.cpus_fold : dense;
    if (cpu >= kMaxCpus)
        throw TraceError(where(index_) + fmt::format(": more than {} threads; fold them onto fewer CPUs", kMaxCpus));
    cpus_.emplace(tid, static_cast<std::uint16_t>(cpu));
    return static_cast<std::uint16_t>(cpu);
}

void RecordImporter::apply(const Record& r) {
    if (r.kind == 0 || r.kind > record::kLastKind) throw CorruptRecord{fmt::format("unknown kind {}", r.kind)};
    if (r.time_ns < 0) throw CorruptRecord{fmt::format("negative time {}", r.time_ns)};
    // A call that returned memory cannot have been given more than the address space
    // (a failed realloc is logged with the size it asked for, which may be anything).
    if (r.ptr != 0 && r.size > (std::uint64_t{1} << 48)) throw CorruptRecord{fmt::format("size {} is above 2^48", r.size)};
    if (!std::has_single_bit(r.alignment) && r.alignment != 0)
        throw CorruptRecord{fmt::format("alignment {} is not a power of two", r.alignment)};
    const std::uint16_t cpu = cpu_of(r.tid);
    switch (static_cast<Kind>(r.kind)) {
        case Kind::Malloc:
        case Kind::Calloc:
        case Kind::PosixMemalign:
        case Kind::AlignedAlloc:
        case Kind::Memalign:
        case Kind::Valloc:
        case Kind::Pvalloc: {
            if (r.ptr == 0) throw CorruptRecord{"an allocation that returned NULL"};
            const auto align_log2 = static_cast<std::uint8_t>(r.alignment == 0 ? 0 : std::countr_zero(r.alignment));
            out_.alloc(r.ptr, r.size, cpu, r.time_ns, align_log2);
            return;
        }
        case Kind::Free:
            if (r.old_ptr == 0) throw CorruptRecord{"free(NULL)"};
            out_.free(r.old_ptr, cpu, r.time_ns);
            return;
        case Kind::Realloc:
        case Kind::Reallocarray:
            if (r.old_ptr == 0) {
                if (r.ptr != 0) out_.alloc(r.ptr, r.size, cpu, r.time_ns);  // realloc(NULL, n) is malloc(n)
                else out_.count_failed_realloc();
            } else if (r.ptr != 0) {
                out_.realloc(r.old_ptr, r.ptr, r.size, cpu, r.time_ns);
            } else if (r.size == 0) {
                out_.free(r.old_ptr, cpu, r.time_ns);  // realloc(p, 0) freed p
            } else {
                out_.count_failed_realloc();  // p stays allocated
            }
            return;
    }
}

}  // namespace

std::uint32_t import_record(std::istream& in, const std::string& file, EventEmitter& out,
                            const RecordImportOptions& options) {
    RecordImporter importer(file, out, options);
    importer.import(in);
    return importer.threads();
}

}  // namespace allocsim::traces
