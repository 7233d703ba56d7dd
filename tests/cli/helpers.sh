# Shared by the end-to-end shell tests (tests/cli/test_cli.sh,
# tests/recorder/test_record.sh). Sourced; each test runs in its own temporary folder.
fail() { echo "FAIL: $*" >&2; exit 1; }
expect_code() {  # expect_code CODE CMD...: runs CMD, checks its exit code, keeps stdout in out.txt, stderr in err.txt
  local want=$1; shift
  "$@" >out.txt 2>err.txt
  local got=$?
  [ "$got" -eq "$want" ] || fail "'$*' exited $got, expected $want; stderr: $(cat err.txt)"
}
contains() { grep -qF -- "$2" "$1" || fail "$1 does not contain '$2': $(head -c 600 "$1")"; }
field() {  # field FILE KEY: a whole number from the JSON object in FILE
  grep -o "\"$2\":[0-9]*" "$1" | tail -1 | cut -d: -f2
}
