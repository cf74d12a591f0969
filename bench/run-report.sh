#!/usr/bin/env bash
# The monitoring report over generated history (issue 17): N nights of M requests each (written once
# into DIR, kept for reruns), then in a fresh JVM the report over 7, 15 and N nights beside a plain
# Spark scan of the same rows, and its inference_health view alone in Spark and in DuckDB.
# bench/RESULTS.md records the output with the machine and the date.
# Usage: bench/run-report.sh [nights, default 30] [requests a night, default 1000000] [DIR]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
NIGHTS="${1:-30}"
DIR="${3:-$(mktemp -d)/out}"
if [[ ! -d "$DIR/inference_results" ]]; then
  java -Xmx6g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.ReportBench generate "$DIR" "$NIGHTS" "${2:-1000000}" 2>/dev/null
fi
java -Xmx6g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.ReportBench measure "$DIR" "$NIGHTS" 2>/dev/null
echo "history in $DIR"
