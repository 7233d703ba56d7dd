// The real-program corpus's replay under ASan+UBSan (tests/corpus/corpus.sh, the
// asan.corpus.* tests): one replay of a recorded trace that the environment names,
// with check() after every event, its summary written as JSON for the script to
// compare with its own count of the trace. The case is skipped unless asked for
// (--no-skip -tc=...), so the suite's own discovery does not list it: without the
// environment it has nothing to replay.
//
//   ALLOCSIM_CORPUS_DB         the database holding the trace
//   ALLOCSIM_CORPUS_TRACE      the trace's name
//   ALLOCSIM_CORPUS_ALLOCATOR  hybrid or linked-list
//   ALLOCSIM_CORPUS_CPUS       modeled CPUs
//   ALLOCSIM_CORPUS_OUT        where the summary JSON goes
#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "engine/replay/replayer.h"
#include "engine/replay/settings.h"

using namespace allocsim;

namespace {

std::string required_env(const char* name) {
    const char* value = std::getenv(name);
    INFO("environment variable ", name);
    REQUIRE(value != nullptr);
    return value;
}

}  // namespace

TEST_CASE("corpus replay of the trace the environment names" * doctest::skip()) {
    const std::string db_path = required_env("ALLOCSIM_CORPUS_DB");
    const std::string trace = required_env("ALLOCSIM_CORPUS_TRACE");
    const std::string out = required_env("ALLOCSIM_CORPUS_OUT");
    engine::ReplaySettings settings;
    engine::apply_setting(settings, "allocator", required_env("ALLOCSIM_CORPUS_ALLOCATOR"));
    engine::apply_setting(settings, "cpus", required_env("ALLOCSIM_CORPUS_CPUS"));
    engine::apply_setting(settings, "check_every", "1");
    engine::validate(settings);

    traces::Database db(db_path, traces::Database::Mode::Existing);
    engine::ReplayResult result;
    INFO("trace '", trace, "' in ", db_path);
    try {
        result = engine::replay(db, trace, settings);
    } catch (const engine::ReplayError& e) {
        FAIL(e.what());  // an invariant violation names the event and the rule
    }
    CHECK(result.summary.invariant_violations == 0);
    std::ofstream file(out);
    file << engine::summary_json(result.summary, true) << '\n';
    REQUIRE(file.good());
}
