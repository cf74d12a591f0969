#!/usr/bin/env bash
# Reference-metric and bootstrap speed on synthetic examples, then the eval job end to end (local
# Spark, a run and a second run against it as baseline): bench/RESULTS.md records the output with the
# machine and the date. Usage: bench/run-eval.sh [pairs, default 1000000] [job examples, default 1000000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
java -Xmx8g -cp "$CP" dev.batchlm.bench.EvalBench "${1:-1000000}"
java -Xmx6g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.EvalJobBench "${2:-1000000}" 2>/dev/null
