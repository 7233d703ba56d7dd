# Runs `allocsim-bench --quick --json` and checks the shape of its output: every
# section and figure is there, rates are within [0, 1], peers have a status, and no
# allocator check failed. Timings are never asserted: they are not tests.
#   cmake -DBENCH=<path to allocsim-bench> -P check_bench_json.cmake
if(NOT BENCH)
  message(FATAL_ERROR "pass -DBENCH=<allocsim-bench>")
endif()
execute_process(COMMAND "${BENCH}" --quick --json
  OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "allocsim-bench --quick --json exited with ${rc}\nstderr: ${err}\nstdout: ${json}")
endif()

function(json_get out)
  string(JSON value ERROR_VARIABLE error GET "${json}" ${ARGN})
  if(error)
    message(FATAL_ERROR "JSON: missing ${ARGN}: ${error}")
  endif()
  set(${out} "${value}" PARENT_SCOPE)
endfunction()

foreach(section tool machine clock thread_cache buddy hybrid_vs_linked_list stress
                pollution_recovery slab_refill peers problems elapsed_seconds)
  json_get(unused ${section})
endforeach()

# Every timed figure carries its statistics (values are not checked).
foreach(path
    "thread_cache;per_op_inline" "thread_cache;per_op_call_unsized_free"
    "buddy;per_order;order0_alloc_no_split" "buddy;global;alloc_split_from_order8"
    "hybrid_vs_linked_list;hybrid_per_op" "hybrid_vs_linked_list;linked_list_per_op"
    "stress;per_op_batches_of_250_cycles" "pollution_recovery;recovery_ticks_per_alloc"
    "slab_refill;refill_from_partial_ticks" "slab_refill;carve_new_run_ticks"
    "peers;allocsim;call_unsized_free;pair")
  foreach(stat median_ticks p99_ticks samples)
    json_get(unused ${path} ${stat})
  endforeach()
endforeach()
json_get(unused hybrid_vs_linked_list speedup_median)

foreach(rate "thread_cache;hit_rate" "hybrid_vs_linked_list;hybrid_hit_rate" "stress;hit_rate"
             "stress;success_rate" "pollution_recovery;hit_rate" "pollution_recovery;warm_hit_rate")
  json_get(value ${rate})
  if(NOT value MATCHES "^[0-9.eE+-]+$" OR value LESS 0 OR value GREATER 1)
    message(FATAL_ERROR "${rate} = ${value}, not a rate in [0, 1]")
  endif()
endforeach()

foreach(peer glibc jemalloc mimalloc tcmalloc)
  json_get(status peers ${peer} status)
  message(STATUS "peer ${peer}: ${status}")
endforeach()

string(JSON problems LENGTH "${json}" problems)
if(NOT problems EQUAL 0)
  json_get(first problems 0)
  message(FATAL_ERROR "allocator checks failed (${problems}), first: ${first}")
endif()
message(STATUS "allocsim-bench --quick --json: output well formed")
