#!/usr/bin/env bash
# make fuzz: runs every fuzz target (or those named) for SECONDS each, one
# after another, and prints each one's line (run.sh) and the totals.
#   run-all.sh BUILD_DIR SECONDS [NAME...]
# New inputs go to BUILD_DIR/fuzz-runs/corpus/NAME (make fuzz-merge keeps
# those that add coverage in fuzz/corpus), crashes to
# BUILD_DIR/fuzz-runs/artifacts/NAME. Exit status: 1 if any target failed.
set -uo pipefail
build=$1 seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
list=$build/fuzz/targets.txt
workdir=$build/fuzz-runs
[ -f "$list" ] || { echo "run-all.sh: no $list (build the fuzz targets first)" >&2; exit 2; }
failed=()
while read -r name max_len binary; do
  if [ $# -gt 0 ] && [[ " $* " != *" $name "* ]]; then continue; fi
  if line=$("$here/run.sh" "$binary" "$name" "$max_len" "$seconds" "$workdir"); then :; else
    failed+=("$name")
  fi
  echo "$line"
  cat "$workdir/logs/$name.stats" >>"$workdir/logs/totals.$$"
done <"$list"
awk '{ runs += $1; cpu += $2 }
  END { printf "total            %10d executions, %.1f CPU s (%.3f CPU hours)\n", runs, cpu, cpu / 3600 }' \
  "$workdir/logs/totals.$$"
rm -f "$workdir/logs/totals.$$"
if [ ${#failed[@]} -gt 0 ]; then
  echo "run-all.sh: failed: ${failed[*]} (crashing inputs in $workdir/artifacts/)" >&2
  exit 1
fi
