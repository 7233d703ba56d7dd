# require_positive_figures(<json> <path>...): each path (keys joined by dots,
# "import.events_per_second") names a number in the JSON text that is there and above
# 0; a fatal error names the first that is not. Included by the check_*_json.cmake
# scripts.
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
