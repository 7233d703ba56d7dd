#!/usr/bin/env bash
# ctest runs each doctest case by name (doctest_discover_tests), and a name with a
# semicolon is split by CMake into two names that match no case: both then "pass"
# without running anything. This fails on any such name.
# Usage: check_test_names.sh TESTS_DIR
set -u
bad=$(grep -rnE 'TEST_CASE\("[^"]*;' "$1" --include='*.cpp')
if [ -n "$bad" ]; then
  echo "FAIL: test case names with a semicolon (ctest would run none of them):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "ok: no test case name has a semicolon"
