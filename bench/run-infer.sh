#!/usr/bin/env bash
# Bulk inference speed against a loopback server: bench/RESULTS.md records its output with the machine
# and the date. Usage: bench/run-infer.sh [requests for the cache-hit pass, default 200000]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
mvn -B -q -DskipTests -Dspotless.check.skip -Dcheckstyle.skip -pl bench -am package
CP="bench/target/classes:$(cat bench/target/classpath.txt)"
OPENS=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.lang.invoke=ALL-UNNAMED --add-opens=java.base/sun.util.calendar=ALL-UNNAMED)
for lc in "1000 64 1280" "100 64 6400" "100 8 800"; do
  java -Xmx4g "${OPENS[@]}" -cp "$CP" dev.batchlm.bench.InferBench throughput $lc
done
java -Xmx6g "${OPENS[@]}" -cp "$CP" dev.batchlm.bench.InferBench cache "${1:-200000}" 2>/dev/null
