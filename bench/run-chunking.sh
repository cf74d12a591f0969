#!/usr/bin/env bash
# Chunking throughput: bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-chunking.sh [MB of text, default 32]
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$HERE"
mvn -B -q -DskipTests -Dspotless.check.skip -Dcheckstyle.skip -pl bench -am package
java -Xmx4g -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.batchlm.bench.ChunkingBench \
  samples/corpus samples/models/demo-tokenizer/tokenizer.json "${1:-32}"
