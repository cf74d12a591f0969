#!/usr/bin/env bash
# Reference-metric and bootstrap speed on synthetic examples: bench/RESULTS.md records its output
# with the machine and the date. Usage: bench/run-eval.sh [pairs, default 1000000]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
mvn -B -q -DskipTests -Dspotless.check.skip -Dcheckstyle.skip -pl bench -am package
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
java -Xmx8g -cp "$CP" dev.batchlm.bench.EvalBench "$@"
