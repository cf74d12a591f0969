#!/usr/bin/env bash
# Chunking throughput: bench/RESULTS.md records its output with the machine and the date.
# Usage: bench/run-chunking.sh [MB of text, default 32]
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/build.sh"
java -Xmx4g -cp "$CP" dev.batchlm.bench.ChunkingBench \
  samples/corpus samples/models/demo-tokenizer/tokenizer.json "${1:-32}"
