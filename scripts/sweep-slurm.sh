#!/bin/bash
# A sweep split over N parts as a Slurm job array, each part in a database of its own,
# and a merge job that runs when every part has succeeded (docs/ENGINE.md, "Sweeps on
# a cluster").
#
# usage: scripts/sweep-slurm.sh --parts N --db SOURCE --trace NAME --out OUT --work DIR
#                               [--allocsim PATH] [--sbatch "ARGS"] [--wait] -- SWEEP_OPTIONS
#   --work DIR     on a file system every node sees: the part databases, the job logs
#                  (part-I.log, merge.log) and report.json go there
#   --sbatch ARGS  added to both sbatch calls (a partition, an account, a time limit)
#   --wait         wait for the merge job, print its log, exit with its status
# What it submits:
#   sbatch --array=0-(N-1)                   each task: sweep-steps.sh part $SLURM_ARRAY_TASK_ID
#   sbatch --dependency=afterok:ARRAY_JOB    sweep-steps.sh merge (runs only if every part succeeded)
# Example:
#   scripts/sweep-slurm.sh --parts 100 --db /shared/traces.db --trace larson --out /shared/swept.db \
#     --work /shared/sweep --sbatch "--partition=short --time=00:30:00" -- \
#     --set cache.capacity=16,32,64,128,256 --set refill.batch=8,16,32 --set buddy.lock=global,per-order
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fail() { echo "sweep-slurm: $*" >&2; exit 2; }
command -v sbatch >/dev/null || fail "sbatch is missing: this needs a Slurm cluster (Debian's slurm-wlm and munge)"
PARTS="" WORK="" SBATCH="" WAIT=0 args=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
  case $1 in
    --sbatch) [ $# -ge 2 ] || fail "--sbatch needs a value"; SBATCH=$2; shift 2; continue ;;
    --wait) WAIT=1; shift; continue ;;
    --parts) PARTS=${2:-} ;;
    --work) WORK=${2:-} ;;
  esac
  args+=("$1"); shift
done
[[ $PARTS =~ ^[1-9][0-9]*$ ]] || fail "--parts N (1 or more) is required"
[ -n "$WORK" ] || fail "--work DIR is required"
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
# The job scripts, their arguments quoted once here, so that no shell splits them again.
quoted=$(printf ' %q' "${args[@]}" "$@")
printf '#!/bin/bash\nexec bash %q part "$SLURM_ARRAY_TASK_ID"%s\n' "$HERE/sweep-steps.sh" "$quoted" > "$WORK/part.job"
printf '#!/bin/bash\nexec bash %q merge%s\n' "$HERE/sweep-steps.sh" "$quoted" > "$WORK/merge.job"
# shellcheck disable=SC2086  # --sbatch is a list of words
array=$(sbatch --parsable --array=0-$((PARTS - 1)) --job-name=allocsim-sweep --output="$WORK/part-%a.log" $SBATCH "$WORK/part.job")
array=${array%%;*}
echo "sweep-slurm: array job $array, $PARTS parts"
wait_args=()
[ $WAIT -eq 1 ] && wait_args=(--wait)
status=0
# shellcheck disable=SC2086
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes --job-name=allocsim-merge \
  --output="$WORK/merge.log" "${wait_args[@]}" $SBATCH "$WORK/merge.job") || status=$?
echo "sweep-slurm: merge job ${merge%%;*} (after every part succeeds); the report goes to $WORK/report.json"
if [ $WAIT -eq 1 ]; then
  [ $status -eq 0 ] || fail "the merge job failed (status $status): see $WORK/merge.log and $WORK/part-*.log"
  # sbatch --wait returns when the job is done; the report is the file the merge step
  # wrote, whole once it has touched merge.done (the job's log, forwarded by slurmd,
  # may lag: a CI run once found it empty). 60 s at most.
  for _ in $(seq 300); do
    [ -f "$WORK/merge.done" ] && break
    sleep 0.2
  done
  if [ ! -f "$WORK/merge.done" ]; then
    scontrol show job "${merge%%;*}" >&2 2>/dev/null || true
    tail -n 20 "$WORK/merge.log" "$WORK"/part-*.log >&2 2>/dev/null || true
    fail "the merge job ended (status 0) but left no report in $WORK: its log and the parts' are above"
  fi
  cat "$WORK/report.txt"
fi
