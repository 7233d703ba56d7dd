# Runs `allocsim-trace-bench --events 200000 --json` and checks that every figure is
# there and the trace read back equals what was written (the binary exits 1 if not).
# Rates are never asserted.
#   cmake -DBENCH=<path to allocsim-trace-bench> -P check_trace_bench_json.cmake
include(${CMAKE_CURRENT_LIST_DIR}/bench_json_checks.cmake)
run_bench_json(json "${BENCH}" --events 200000 --json)
require_positive_figures("${json}" "events" "generate.events_per_second" "import.events_per_second" "import.bytes_per_event"
             "read.events_per_second" "view.rows_per_second" "csv.import_events_per_second"
             "mtrace.lines_per_second" "peak_rss_kib")
