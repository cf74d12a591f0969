#!/usr/bin/env bash
# Reference-metric and bootstrap speed on synthetic examples, then the eval job end to end (local
# Spark, a run and a second run against it as baseline): bench/RESULTS.md records the output with the
# machine and the date. Usage: bench/run-eval.sh [pairs, default 1000000] [job examples, default 1000000]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
mvn -B -q -DskipTests -Dspotless.check.skip -Dcheckstyle.skip -pl bench -am package
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)
java -Xmx8g -cp "$CP" dev.batchlm.bench.EvalBench "${1:-1000000}"
java -Xmx6g "${OPENS[@]}" -cp "$CP" dev.batchlm.bench.EvalJobBench "${2:-1000000}" 2>/dev/null
