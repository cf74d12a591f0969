#!/usr/bin/env bash
# Local decoder speed (prefill, decode, continuous batching) against rooflines measured in the same
# run: bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-decoder.sh [checkpoint dir; a random SmolLM-135M-shaped one is written when missing]
#        bench/run-decoder.sh DIR memory [requests, default 10000]: resident memory over that many
#        generations (a 4-layer model of the same shape is written to DIR when missing)
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
export OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" # as bin/batchlm and the executors run
echo "OMP_WAIT_POLICY=$OMP_WAIT_POLICY"
java -Xms6g -Xmx6g -XX:+AlwaysPreTouch --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxbytes=8g -Dorg.bytedeco.javacpp.maxphysicalbytes=16g \
  -cp "$CP" dev.batchlm.bench.DecoderBench "$@" 2>&1 | grep -v ' INFO '
