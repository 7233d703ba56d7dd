# What the check_*_json.cmake scripts share.
#
# require_positive_figures(<json> <path>...): each path (keys joined by dots,
# "import.events_per_second") names a number in the JSON text that is there and above
# 0; a fatal error names the first that is not. Included by the check_*_json.cmake
# scripts.
#
# run_bench_json(<out-var> <command> <args>...): runs the benchmark, stops with its
# exit status, stderr and stdout unless it exits 0, and puts its stdout in <out-var>.
function(run_bench_json out)
  execute_process(COMMAND ${ARGN} OUTPUT_VARIABLE json ERROR_VARIABLE err RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    list(GET ARGN 0 program)
    message(FATAL_ERROR "${program} exited with ${rc}\nstderr: ${err}\nstdout: ${json}")
  endif()
  set(${out} "${json}" PARENT_SCOPE)
endfunction()

function(require_positive_figures json)
  foreach(path IN LISTS ARGN)
    string(REPLACE "." ";" keys "${path}")
    string(JSON value ERROR_VARIABLE error GET "${json}" ${keys})
    if(error)
      message(FATAL_ERROR "JSON: missing ${path}: ${error}\n${json}")
    endif()
    if(value LESS_EQUAL 0)
      message(FATAL_ERROR "JSON: ${path} = ${value}, expected > 0\n${json}")
    endif()
  endforeach()
endfunction()
