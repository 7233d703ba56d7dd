// Synthetic workloads: the seed report's four, multi-CPU ones in the spirit of
// mimalloc-bench, and the small built-in default trace. Deterministic: the same
// workload, options and seed give the same events, on every machine.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "traces/event_emitter.h"

namespace allocsim::traces {

struct GeneratorOptions {
    std::uint32_t cpus = 0;  // 0: the workload's default
    std::uint64_t ops = 0;   // 0: the workload's default; else about this many events
    std::uint64_t seed = 1;
};

struct WorkloadInfo {
    const char* name;
    const char* description;
    std::uint32_t default_cpus;
    std::uint64_t default_ops;
};

std::span<const WorkloadInfo> workloads();

// Throws TraceError for an unknown workload or out-of-range options.
void generate(std::string_view workload, const GeneratorOptions& options, EventEmitter& out);

}  // namespace allocsim::traces
