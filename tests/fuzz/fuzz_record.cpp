// libFuzzer target: the importer of allocsim record's binary log, folded onto 3
// CPUs when the first byte says so.
#include "tests/fuzz/fuzz_importer.h"
#include "traces/event_emitter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace allocsim;
    const std::uint32_t fold = size > 0 && (data[0] & 2) != 0 ? 3 : 0;
    return fuzz::fuzz_one(data, size, [fold](std::istream& in, const traces::ImportOptions& options, traces::EventSink& sink) {
        traces::EventEmitter emitter(sink);
        traces::import_record(in, "fuzz", emitter, traces::RecordImportOptions{fold, options.lenient});
        return emitter.summary();
    });
}
