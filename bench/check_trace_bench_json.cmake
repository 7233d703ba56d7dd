# Runs `allocsim-trace-bench --events 200000 --json` and checks that every figure is
# there and the trace read back equals what was written (the binary exits 1 if not).
# Rates are never asserted.
#   cmake -DBENCH=<path to allocsim-trace-bench> -P check_trace_bench_json.cmake
execute_process(COMMAND "${BENCH}" --events 200000 --json
  OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "allocsim-trace-bench exited with ${rc}\nstderr: ${err}\nstdout: ${json}")
endif()
include(${CMAKE_CURRENT_LIST_DIR}/require_positive_figures.cmake)
require_positive_figures("${json}" "events" "generate.events_per_second" "import.events_per_second" "import.bytes_per_event"
             "read.events_per_second" "view.rows_per_second" "csv.import_events_per_second"
             "mtrace.lines_per_second" "peak_rss_kib")
