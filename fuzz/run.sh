#!/usr/bin/env bash
# Runs one fuzz target (README.md here):
#   run.sh [--smoke] BINARY NAME MAX_LEN SECONDS WORKDIR [libFuzzer options...]
# It reads the committed corpus fuzz/corpus/NAME and writes what it finds
# new to WORKDIR/corpus/NAME (never into the source tree); a crashing input
# goes to WORKDIR/artifacts/NAME/. It prints one line: executions, seconds,
# CPU seconds, peak RSS (and WORKDIR/logs/NAME.stats: executions, CPU
# seconds, seconds). --smoke (CTest): the same, quieter. The exit status
# is libFuzzer's (0: nothing found).
set -euo pipefail
smoke=0
if [ "${1:-}" = --smoke ]; then smoke=1; shift; fi
binary=$1 name=$2 max_len=$3 seconds=$4 workdir=$5
shift 5
source_dir=$(cd "$(dirname "$0")" && pwd)
seeds=$source_dir/corpus/$name
corpus=$workdir/corpus/$name
artifacts=$workdir/artifacts/$name
log=$workdir/logs/$name.log
mkdir -p "$corpus" "$artifacts" "$(dirname "$log")" "$seeds"

# ASan: a leak is a failure too; UBSan reports abort (-fno-sanitize-recover).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

export STRAIT_FUZZ_HISTORY=${STRAIT_FUZZ_HISTORY:-$artifacts}
options=(-max_total_time="$seconds" -max_len="$max_len" -rss_limit_mb=2048 -timeout=30
         -print_final_stats=1 -artifact_prefix="$artifacts/" "$@")
status=0
start=$(date +%s.%N)
TIMEFORMAT='%U %S'
{ time "$binary" "${options[@]}" "$corpus" "$seeds" >"$log" 2>&1 || status=$?; } 2>"$log.time"
end=$(date +%s.%N)

executions=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
peak=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log" | tail -n 1)
read -r user system <"$log.time"
cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { print u + s }')
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
printf '%-16s %10s executions in %6.1f s (%6.1f CPU s), peak RSS %s MB, corpus %s + %s new inputs\n' \
  "$name" "${executions:-?}" "$wall" "$cpu" "${peak:-?}" \
  "$(find "$seeds" -type f | wc -l)" "$(find "$corpus" -type f | wc -l)"
echo "${executions:-0} $cpu $wall" >"$workdir/logs/$name.stats"
if [ "$status" -ne 0 ]; then
  echo "$name: libFuzzer exited with status $status; its log:" >&2
  if [ "$smoke" -eq 1 ]; then tail -n 60 "$log" >&2; else tail -n 200 "$log" >&2; fi
  ls "$artifacts" >&2 || true
fi
exit "$status"
