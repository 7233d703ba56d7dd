#!/bin/bash
# The folder tree is the architecture: each folder includes only from the folders it
# may depend on (README, "Style"). Fails naming each include that points the wrong way.
#   alloc/   alloc/ only (freestanding)        traces/  traces/ only (and SQLite)
#   engine/  alloc/, traces/, engine/           gui/     gui/, engine/, alloc/ (engine's vocabulary), never traces/
#   kernel/  kernel/, alloc/                    malloc/  malloc/, alloc/
# usage: layering.sh SOURCE_DIR
set -u
cd "$1" || exit 2
bad=0
check() {  # FOLDER ALLOWED-PREFIXES...
  local folder=$1; shift
  local allowed=("$@")
  while IFS= read -r line; do
    local file=${line%%:*} target
    target=$(sed -E 's/.*#include "([^"]+)".*/\1/' <<<"${line#*:}")
    local ok=0
    for a in "${allowed[@]}"; do [[ $target == "$a"/* ]] && ok=1; done
    # A header next to the file, included by its bare name, is the same folder's.
    [[ $target != */* ]] && ok=1
    if [ $ok = 0 ]; then
      echo "layering: $file includes \"$target\": $folder/ may include only from ${allowed[*]}"
      bad=1
    fi
  done < <(grep -rHn '^#include "' "$folder" --include='*.h' --include='*.cpp' | sed -E 's/^([^:]+):[0-9]+:/\1:/')
}
check alloc alloc
check traces traces
check engine engine alloc traces
check gui gui engine alloc
check kernel kernel alloc
check malloc malloc alloc
[ $bad = 0 ] && echo "layering: every include points the way the architecture allows"
exit $bad
