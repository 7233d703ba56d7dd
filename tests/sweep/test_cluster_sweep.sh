#!/bin/bash
# A sweep split over 4 parts, each in a database of its own, merged, and checked
# against the same sweep in one process: through GNU parallel (scripts/sweep-parallel.sh)
# and through a real Slurm (scripts/sweep-slurm.sh), a one-node cluster on localhost
# started here from Debian's slurm-wlm and munge (munged, slurmctld and slurmd, as
# root, with a config written here) and stopped at the end.
# usage: test_cluster_sweep.sh parallel|slurm ALLOCSIM
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
source "$HERE/../cli/helpers.sh"
MODE=$1 ALLOCSIM=$2
work=$(mktemp -d)
# Stops every daemon this test started (by their pid files), and nothing else; waits
# until each is gone (SIGKILL after 10 s). Prints what it stopped.
stop_daemons() {
  local pids=() f p
  for f in slurmd.pid slurmctld.pid munged.pid; do
    [ -s "$work/cluster/$f" ] && pids+=("$(cat "$work/cluster/$f")")
  done
  [ ${#pids[@]} -gt 0 ] || return 0
  kill "${pids[@]}" 2>/dev/null
  for p in "${pids[@]}"; do
    for _ in $(seq 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$p" 2>/dev/null
  done
  for p in "${pids[@]}"; do ! kill -0 "$p" 2>/dev/null || { echo "FAIL: daemon $p is still running" >&2; return 1; }; done
  rm -f "$work"/cluster/*.pid
  echo "stopped ${#pids[@]} daemons"
}
cleanup() {
  stop_daemons
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1

AXES=(--set cache.capacity=32,64 --set buddy.lock=global,per-order)
expect_code 0 "$ALLOCSIM" gen default --ops 4000 --db source.db
cp source.db whole.db
expect_code 0 "$ALLOCSIM" sweep --trace default "${AXES[@]}" --db whole.db --json
strip() { sed -e 's/"run":[0-9]*,//g' -e 's/,"events_per_second":[0-9]*//g' "$1"; }
strip out.txt > whole.json
check_report() {
  [ -s parts/report.json ] || fail "no report.json"
  strip parts/report.json > parts.json
  cmp -s whole.json parts.json || fail "the merged sweep differs from the one-process sweep: $(diff whole.json parts.json)"
  [ "$(sqlite3 main.db "select count(*) from runs where label like 'sweep:%'")" = 4 ] || fail "main.db does not hold the 4 runs"
  for i in 0 1 2 3; do [ -f "parts/part-$i.db" ] || fail "part $i left no database"; done
}

case $MODE in
parallel)
  command -v parallel >/dev/null || fail "GNU parallel is missing (scripts/setup.sh installs it)"
  expect_code 0 bash "$ROOT/scripts/sweep-parallel.sh" --parts 4 --jobs 2 --db source.db --trace default --out main.db \
    --work parts --allocsim "$ALLOCSIM" -- "${AXES[@]}"
  contains out.txt "cache.capacity=64 buddy.lock=per-order"
  check_report
  [ "$(tail -n +2 parts/parallel.log | wc -l)" = 4 ] || fail "parallel did not run 4 parts: $(cat parts/parallel.log)"
  # A part that fails stops the sweep before the merge, and says why.
  expect_code 1 bash "$ROOT/scripts/sweep-parallel.sh" --parts 2 --db source.db --trace nope --out bad.db --work bad \
    --allocsim "$ALLOCSIM" -- "${AXES[@]}"
  contains err.txt "no trace named 'nope'"
  [ ! -e bad.db ] || fail "a failed sweep was merged"
  expect_code 2 bash "$ROOT/scripts/sweep-parallel.sh" --db source.db --trace default --out x.db --work x -- "${AXES[@]}"
  contains err.txt "--parts N"
  ;;
slurm)
  for p in munged slurmctld slurmd sbatch sinfo; do
    command -v $p >/dev/null || fail "$p is missing (scripts/setup.sh installs slurm-wlm and munge)"
  done
  [ "$(id -u)" -eq 0 ] || { echo "SKIP: starting slurmd needs root; this runs as $(id -un)"; exit 77; }
  c=$work/cluster
  mkdir -p "$c/state" "$c/spool"
  host=$(hostname -s)
  port=$((20000 + RANDOM % 20000))
  head -c 1024 /dev/urandom > "$c/munge.key" && chmod 400 "$c/munge.key"
  munged --force --key-file="$c/munge.key" --socket="$c/munge.sock" --pid-file="$c/munged.pid" \
    --log-file="$c/munged.log" --seed-file="$c/munge.seed" || fail "munged did not start: $(cat "$c/munged.log")"
  cat > "$c/slurm.conf" <<CONF
ClusterName=allocsimtest
SlurmctldHost=$host(127.0.0.1)
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$port
SlurmdPort=$((port + 1))
AuthType=auth/munge
AuthInfo=socket=$c/munge.sock
CredType=cred/munge
StateSaveLocation=$c/state
SlurmdSpoolDir=$c/spool
SlurmctldPidFile=$c/slurmctld.pid
SlurmdPidFile=$c/slurmd.pid
SlurmctldLogFile=$c/slurmctld.log
SlurmdLogFile=$c/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
MpiDefault=none
NodeName=$host NodeAddr=127.0.0.1 CPUs=$(nproc) State=UNKNOWN
PartitionName=test Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
  export SLURM_CONF=$c/slurm.conf
  slurmctld -i -f "$SLURM_CONF" || fail "slurmctld did not start: $(tail -5 "$c/slurmctld.log")"
  slurmd -f "$SLURM_CONF" -N "$host" || fail "slurmd did not start: $(tail -5 "$c/slurmd.log")"
  for _ in $(seq 60); do
    sinfo -h -o %t 2>/dev/null | grep -q idle && break
    sleep 0.5
  done
  sinfo -h -o %t | grep -q idle || fail "the node never came up: $(sinfo 2>&1; tail -5 "$c/slurmctld.log" "$c/slurmd.log")"
  echo "slurm: one node ($host, $(nproc) CPUs) on port $port"
  expect_code 0 timeout 300 bash "$ROOT/scripts/sweep-slurm.sh" --parts 4 --db source.db --trace default --out main.db \
    --work parts --allocsim "$ALLOCSIM" --wait -- "${AXES[@]}"
  cat out.txt
  contains out.txt "array job"; contains out.txt "cache.capacity=64 buddy.lock=per-order"
  check_report
  # Each of the array's four tasks replayed its part under Slurm, and the merge ran after.
  for i in 0 1 2 3; do contains "parts/part-$i.log" "sweep: "; done
  [ -f parts/merge.done ] || fail "the merge step did not finish"
  contains parts/report.txt "cache.capacity=64 buddy.lock=per-order"
  stop_daemons || exit 1
  ;;
*) fail "unknown mode '$MODE'" ;;
esac
echo PASS
