// libFuzzer target: the CSV importer.
#include "tests/fuzz/fuzz_importer.h"
#include "traces/csv_format.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace allocsim;
    return fuzz::fuzz_one(data, size, [](std::istream& in, const traces::ImportOptions& options, traces::EventSink& sink) {
        return traces::import_csv(in, "fuzz", sink, options);
    });
}
