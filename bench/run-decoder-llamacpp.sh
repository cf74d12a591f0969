#!/usr/bin/env bash
# The local decoder against llama.cpp on the same weights (FP32, same threads), in one run: issue 16's
# table with its ratios. Nothing of llama.cpp is committed or downloaded: point the script at a
# llama.cpp source checkout (git, or the bundle node-llama-cpp ships: `git clone
# node_modules/node-llama-cpp/llama/gitRelease.bundle`); its llama-batched-bench is built there (CPU,
# native) when missing. Needs cmake, a C++ compiler, python3 with numpy.
# Usage: bench/run-decoder-llamacpp.sh LLAMA_CPP_DIR [checkpoint dir, default /tmp/smollm-135m-random]
set -euo pipefail
llama=$(cd "$1" && pwd)
checkpoint=${2:-/tmp/smollm-135m-random}
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
threads=$(nproc)
if [ ! -x "$llama/build/bin/llama-batched-bench" ]; then
  cmake -S "$llama" -B "$llama/build" -DCMAKE_BUILD_TYPE=Release -DGGML_NATIVE=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF >/dev/null
  cmake --build "$llama/build" -j "$threads" --target llama-batched-bench >/dev/null
fi
out=$(mktemp -d)
# batchlm with OMP_WAIT_POLICY=passive, as bin/batchlm and the executors run it; llama.cpp with its own
# defaults (its OpenMP threads spin between ops: passive made it 3.5× slower here)
JAVA=(env OMP_WAIT_POLICY="${OMP_WAIT_POLICY:-passive}" java -Xmx6g --add-modules=jdk.incubator.vector -Dorg.bytedeco.javacpp.maxbytes=8g -Dorg.bytedeco.javacpp.maxphysicalbytes=16g -cp "$CP")
"${JAVA[@]}" dev.batchlm.bench.DecoderBench "$checkpoint" checkpoint 2>&1 | grep -v ' INFO ' || true
PYTHONPATH="$llama/gguf-py" python3 bench/llamacpp/to_gguf.py "$checkpoint" "$out/model.gguf"
for fa in off on; do
  "$llama/build/bin/llama-batched-bench" -m "$out/model.gguf" -t "$threads" -c 8192 -npp 128 -ntg 32 \
    -npl 1,8,32 -fa "$fa" --output-format jsonl 2>/dev/null | tee "$out/fa-$fa.jsonl"
done
"${JAVA[@]}" dev.batchlm.bench.DecoderBench "$checkpoint" 2>&1 | grep -v ' INFO ' | tee "$out/batchlm.txt"
python3 bench/llamacpp/ratios.py "$out"
rm -f "$out/model.gguf"
