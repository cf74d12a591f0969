#!/usr/bin/env bash
# Bulk inference speed against a loopback server: bench/RESULTS.md records its output with the machine
# and the date. Usage: bench/run-infer.sh [requests for the cache-hit pass, default 200000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
for lc in "1000 64 1280" "100 64 6400" "100 8 800"; do
  java -Xmx4g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.InferBench throughput $lc
done
java -Xmx6g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.InferBench cache "${1:-200000}" 2>/dev/null
