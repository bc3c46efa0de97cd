#!/usr/bin/env bash
# Training throughput of `bitmind train`'s default engine (ONNX Runtime) against PyTorch on the CPU, back to back in
# one run: NPR, one optimisation step (forward in training mode, BCE-with-logits, backward, Adam), random inputs,
# one warm-up step each. Prints each pair and the ratio; the issue's target is ours ≥ 0.5× PyTorch's images/s.
#   bash bench/train-vs-torch.sh [size=224] [batch=16] [steps=5] [runs=3]
# Needs a build (npx tsc -p tsconfig.build.json) and Debian's python3-torch (/usr/bin/python3).
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-224} batch=${2:-16} steps=${3:-5} runs=${4:-3}
threads=$(nproc)
echo "$(date -u '+%Y-%m-%d %H:%M UTC') · $(nproc) CPUs · $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs) · load $(cut -d' ' -f1-3 /proc/loadavg)"
rate() { sed -n 's/.*: \([0-9.]*\) images\/s.*/\1/p' | tail -1; }
for run in $(seq 1 "$runs"); do
  ours=$(ENGINE=onnx node bench/train.mjs "$size" "$batch" "$steps" | tee /dev/stderr | rate)
  torch=$(THREADS=$threads /usr/bin/python3 bench/train-torch.py "$steps" "$batch" "$size" | tee /dev/stderr | rate)
  awk -v r="$run" -v o="$ours" -v t="$torch" 'BEGIN { printf "run %d: ours %.2f img/s, PyTorch %.2f img/s, ratio %.2f×\n", r, o, t, o / t }'
done
