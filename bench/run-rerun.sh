#!/usr/bin/env bash
# The demo run twice from a fresh folder that is not the repository (as a scheduler runs it): the first
# run, then a same-date rerun with nothing to do. Prints both wall times and each job's summed stage
# times. bench/RESULTS.md records the output with the machine and the date.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="$(mktemp -d)"
cd "$DIR"
for run in first rerun; do
  start=$(date +%s.%N)
  "$HERE/bin/batchlm" demo --output out --conf spark.ui.showConsoleProgress=false >"$run.out" 2>"$run.err"
  end=$(date +%s.%N)
  printf '%s: %.1f s;' "$run" "$(echo "$end - $start" | bc)"
  grep -o 'INFO batchlm: \[[a-z]*\] [^(]*([0-9]* ms)' "$run.err" |
    sed -E 's/.*\[([a-z]+)\].*\(([0-9]+) ms\)/\1 \2/' |
    awk '{t[$1] += $2} END {for (j in t) printf " %s %.1f s", j, t[j] / 1000; print ""}'
done
echo "outputs in $DIR"
