#!/usr/bin/env bash
# Adds to fuzz/corpus/NAME the inputs of FROM/NAME that cover something the
# corpus does not (libFuzzer -merge=1), for every target of BUILD_DIR.
#   merge.sh BUILD_DIR FROM
set -euo pipefail
build=$1 from=$2
here=$(cd "$(dirname "$0")" && pwd)
while read -r name max_len binary; do
  [ -d "$from/$name" ] || continue
  mkdir -p "$here/corpus/$name"
  before=$(find "$here/corpus/$name" -type f | wc -l)
  "$binary" -merge=1 -max_len="$max_len" -rss_limit_mb=2048 "$here/corpus/$name" "$from/$name" \
    >"$build/fuzz/merge-$name.log" 2>&1
  after=$(find "$here/corpus/$name" -type f | wc -l)
  printf '%-16s %4d -> %4d inputs (%s)\n' "$name" "$before" "$after" \
    "$(du -sh "$here/corpus/$name" | cut -f1)"
done <"$build/fuzz/targets.txt"
