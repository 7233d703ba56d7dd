// The allocsim subcommands. Each takes its own argv (argv[0] = its name), prints
// its own --help, and returns the process exit code: 0 done, 1 failed (the error
// names the file, line or event), 2 usage error.
#pragma once

#include <string>

#include "engine/cli/arguments.h"
#include "traces/database.h"

namespace allocsim::cli {

int command_import(int argc, char** argv);
int command_gen(int argc, char** argv);
int command_traces(int argc, char** argv);
int command_export(int argc, char** argv);
int command_replay(int argc, char** argv);
int command_record(int argc, char** argv);

// Shared by the commands.
inline constexpr const char* kDefaultDb = "allocsim.db";
std::string json_string(const std::string& s);
std::string trace_json(const traces::TraceInfo& info);

}  // namespace allocsim::cli
