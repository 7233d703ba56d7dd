# Pins the hit path to the instruction, as tcmalloc's fast_path golden files do.
# For each probe function, counts the instructions and conditional branches from
# its entry to its first return (the hit path: slow paths are out of line, after
# it). Compares them with the golden file and with the design targets.
#   cmake -DOBJECT=probe.o -DGOLDEN=hit_path.golden [-DUPDATE=1] -P check_hit_path.cmake
find_program(OBJDUMP objdump REQUIRED)
execute_process(COMMAND ${OBJDUMP} -d --no-show-raw-insn -M intel ${OBJECT}
                OUTPUT_VARIABLE disasm RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "objdump failed on ${OBJECT}")
endif()
string(REPLACE "\n" ";" lines "${disasm}")

set(report "")
set(current "")
set(done TRUE)
foreach(line IN LISTS lines)
  if(line MATCHES "^[0-9a-f]+ <(probe_[A-Za-z_0-9]+)>:$")
    set(current ${CMAKE_MATCH_1})
    set(done FALSE)
    set(insns 0)
    set(branches 0)
  elseif(line MATCHES "^[0-9a-f]+ <")
    set(done TRUE)  # a function that is not a probe
  elseif(NOT done AND line MATCHES "^ +[0-9a-f]+:\t([a-z][a-z0-9]*)")
    set(mnemonic ${CMAKE_MATCH_1})
    if(mnemonic STREQUAL "endbr64" OR mnemonic STREQUAL "nop")
      continue()
    endif()
    math(EXPR insns "${insns} + 1")
    if(mnemonic MATCHES "^j" AND NOT mnemonic STREQUAL "jmp")
      math(EXPR branches "${branches} + 1")
    endif()
    if(mnemonic STREQUAL "ret" OR mnemonic STREQUAL "jmp")
      # ret ends the hit path; a tail jump before any ret means the hit path
      # itself calls out, which the golden numbers would show.
      string(APPEND report "${current} instructions=${insns} branches=${branches}\n")
      set(done TRUE)
    endif()
  endif()
endforeach()

# One line per probe, sorted, so the layout of the object file does not matter.
string(REGEX REPLACE "\n$" "" report "${report}")
string(REPLACE "\n" ";" report_lines "${report}")
list(SORT report_lines)
list(JOIN report_lines "\n" report)
string(APPEND report "\n")
message(STATUS "hit path:\n${report}")
if(UPDATE)
  file(WRITE ${GOLDEN} "${report}")
  return()
endif()
file(READ ${GOLDEN} golden)
if(NOT report STREQUAL golden)
  message(FATAL_ERROR "hit path changed. Golden:\n${golden}\nNow:\n${report}\n"
          "If the change is intended, rerun with -DUPDATE=1 and commit the new golden file.")
endif()
# The design targets, whatever the golden file says: <= 10 instructions and <= 2
# branches for the cache pop and push.
foreach(fn probe_cache_pop probe_cache_push)
  string(REGEX MATCH "${fn} instructions=([0-9]+) branches=([0-9]+)" m "${report}")
  if(CMAKE_MATCH_1 GREATER 10 OR CMAKE_MATCH_2 GREATER 2)
    message(FATAL_ERROR "${fn}: ${CMAKE_MATCH_1} instructions, ${CMAKE_MATCH_2} branches: above the target of 10 and 2")
  endif()
endforeach()
