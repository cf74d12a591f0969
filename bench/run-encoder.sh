#!/usr/bin/env bash
# The embed job's encoder against ONNX Runtime on the real all-MiniLM-L6-v2 and the same texts:
# bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-encoder.sh [texts, default 512]
#        bench/run-encoder.sh BATCHES memory: resident memory over that many embed calls
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" java -Xms4g -Xmx4g -XX:+AlwaysPreTouch --add-modules=jdk.incubator.vector \
  -cp "$CP" dev.batchlm.bench.EncoderBench "${1:-512}" "${@:2}" 2>/dev/null
