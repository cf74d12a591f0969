#!/usr/bin/env bash
# The monitoring report over generated history (issue 17): N nights of M requests each, then the
# report over 7, 15 and N nights beside a plain Spark scan of the same rows. bench/RESULTS.md records
# the output with the machine and the date. Usage: bench/run-report.sh [nights, default 30]
# [requests a night, default 1000000]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
java -Xmx6g "${SPARK_OPENS[@]}" -cp "$CP" dev.batchlm.bench.ReportBench "${1:-30}" "${2:-1000000}" 2>/dev/null
