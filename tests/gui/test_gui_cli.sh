#!/usr/bin/env bash
# allocsim-gui in headless mode (--screenshot, offscreen): bad input gets a clear
# message on stderr and exit status 1, never a crash; a screenshot of a real trace
# is written and is a PNG of the asked size.
# Usage: test_gui_cli.sh PATH/TO/allocsim-gui PATH/TO/allocsim CASE
set -uo pipefail
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/../cli" && pwd)/helpers.sh"
GUI=$1
ALLOCSIM=$2
CASE=$3
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
export QT_QPA_PLATFORM=offscreen XDG_CONFIG_HOME="$WORK/config" XDG_DATA_HOME="$WORK/data" XDG_RUNTIME_DIR="$WORK/run"
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"

case $CASE in
bad_database)
  echo "not a database at all" > junk.db
  expect_code 1 "$GUI" junk.db --screenshot s.png; contains err.txt "junk.db"
  [ ! -e s.png ] || fail "a screenshot was written for a bad database"
  expect_code 1 "$GUI" nowhere.db --screenshot s.png; contains err.txt "nowhere.db: no such database" ;;
empty_trace)
  printf 'seq,time_ns,cpu,op,object,size,align,order,cycles\n' > empty.csv
  expect_code 0 "$ALLOCSIM" import csv empty.csv --db e.db
  expect_code 1 "$GUI" e.db --trace empty --screenshot s.png; contains err.txt "trace 'empty' has no events" ;;
missing_trace)
  expect_code 0 "$ALLOCSIM" gen default --ops 2000 --db t.db
  expect_code 1 "$GUI" t.db --trace nope --screenshot s.png; contains err.txt "no trace named 'nope'" ;;
missing_run)
  expect_code 0 "$ALLOCSIM" gen default --ops 2000 --db t.db
  expect_code 1 "$GUI" t.db --run 7 --screenshot s.png; contains err.txt "no run 7"
  expect_code 1 "$GUI" t.db --compare 9 --screenshot s.png; contains err.txt "no run 9"
  expect_code 2 "$GUI" t.db --compare nine --screenshot s.png; contains err.txt "--compare: 'nine' is not a whole number in 1..2^63-1"
  expect_code 2 "$GUI" t.db --run seven --screenshot s.png; contains err.txt "--run: 'seven' is not a whole number in 1..2^63-1" ;;
screenshot)
  expect_code 0 "$ALLOCSIM" gen default --ops 4000 --db t.db
  expect_code 0 "$ALLOCSIM" replay --trace default --db t.db --set cache.capacity=32
  for view in window arena caches slabs log timeline; do
    expect_code 0 "$GUI" t.db --trace default --screenshot "$view.png" --at 1500 --view "$view" --size 1200x800
    [ "$(head -c 8 "$view.png" | od -An -tx1 | tr -d ' \n')" = "89504e470d0a1a0a" ] || fail "$view.png is not a PNG"
  done
  # The window at the asked size (PNG width and height are big-endian at bytes 16-23).
  [ "$(od -An -tu1 -j16 -N8 window.png | tr -s ' ' | sed 's/^ //')" = "0 0 4 176 0 0 3 32" ] || fail "window.png is not 1200x800"
  # With no database: the built-in default trace, generated into the data folder.
  expect_code 0 "$GUI" --screenshot default.png --at 100
  [ -s "$XDG_DATA_HOME/allocsim/allocsim-gui/default.db" ] || fail "no default database in $XDG_DATA_HOME: $(find "$XDG_DATA_HOME")"
  # A stored run opens with its settings.
  expect_code 0 "$GUI" t.db --run 1 --screenshot run.png --at 10
  expect_code 2 "$GUI" t.db --screenshot s.png --view nowhere; contains err.txt "--view"
  # Run until a breakpoint, or a bad one; a measured run that is not there.
  expect_code 0 "$GUI" t.db --trace default --screenshot until.png --until "action=buddy_split and order>=2"
  expect_code 1 "$GUI" t.db --trace default --screenshot s.png --until "size>>3"; contains err.txt "breakpoint: 'size>>3'"
  expect_code 1 "$GUI" t.db --trace default --screenshot s.png --measured 4 --view measured; contains err.txt "no measured run 4"
  expect_code 0 "$ALLOCSIM" measure --trace default --threads 1 --db t.db
  expect_code 0 "$GUI" t.db --trace default --screenshot measured.png --measured 1 --view measured ;;
*) fail "unknown case '$CASE'" ;;
esac
echo "ok: $CASE"
