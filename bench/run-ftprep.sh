#!/usr/bin/env bash
# ft-prep at scale: near-duplicate clusters (ft-prep's banding against Spark ML's MinHashLSH) and the
# whole job, each at growing sizes. bench/RESULTS.md records the output with the machine and the date.
# Usage: bench/run-ftprep.sh [sizes for the whole job, default "100000 1000000"]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
java -Xmx8g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.FtPrepBench neardup 100000 300000 1000000 2>/dev/null
java -Xmx8g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.FtPrepBench job ${1:-100000 1000000} 2>/dev/null
