#!/usr/bin/env bash
# LoRA training speed of one task on a SmolLM-135M-shaped random checkpoint against the GEMM roofline
# measured in the same run: bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-lora-train.sh [sequence length, default 512] [rows per micro-batch, default 1]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" # as bin/batchlm and the executors run
java -Xmx6g -Dorg.bytedeco.javacpp.maxbytes=12g -Dorg.bytedeco.javacpp.maxphysicalbytes=20g \
  -cp "$CP" dev.batchlm.bench.LoraTrainBench "$@" 2>&1 | grep -v ' INFO '
