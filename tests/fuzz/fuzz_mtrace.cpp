// libFuzzer target: the mtrace importer.
#include "tests/fuzz/fuzz_importer.h"
#include "traces/event_emitter.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace allocsim;
    return fuzz::fuzz_one(data, size, [](std::istream& in, const traces::ImportOptions& options, traces::EventSink& sink) {
        traces::EventEmitter emitter(sink);
        traces::import_mtrace(in, "fuzz", emitter, options);
        return emitter.summary();
    });
}
