#!/usr/bin/env bash
# The embed job's encoder against ONNX Runtime on the real all-MiniLM-L6-v2 and the same texts:
# bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-encoder.sh [texts, default 512]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" java -Xmx4g --add-modules=jdk.incubator.vector \
  -cp "$CP" dev.batchlm.bench.EncoderBench "${1:-512}" 2>/dev/null
