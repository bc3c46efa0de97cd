#!/usr/bin/env bash
# `bitmind predict` against the PyTorch reference script (bench/predict-torch-files.py: PIL decode + BILINEAR,
# torch 1.13 on every core) on the same 31 files (bench/predict-set.mjs), the same weights (models/npr) and the
# same input size (the shipped model's). Per-image time = (T31 − T1) / 30 for each, so process start-up, imports
# and model loading cancel out; T1 is printed too. The two run back to back, alternating, RUNS times each.
# Build first (npm run build). Usage: bash bench/predict-vs-torch.sh [RUNS=3] [OURS_CMD...]
# OURS_CMD defaults to `node bin/run.js predict`; e.g. `node bin/run.js predict --model models/npr-int8.onnx`.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${1:-3}
shift || true
OURS=("$@")
[ ${#OURS[@]} -eq 0 ] && OURS=(node bin/run.js predict)
PY=${PYTHON:-/usr/bin/python3}
SET=$(mktemp -d)
trap 'rm -rf "$SET"' EXIT
node bench/predict-set.mjs "$SET" >/dev/null
ONE=$(ls "$SET" | head -1)
ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1; e=$(date +%s%N); echo $(( (e - s) / 1000000 )); }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), node $(node -v), $(date -u +%FT%TZ)"
echo "ours: ${OURS[*]}    torch: $PY bench/predict-torch-files.py models/npr"
printf '%-4s %-6s %8s %8s %10s %s\n' run who T1_ms T31_ms per_img_ms load1
sum_o=0; sum_t=0
for r in $(seq 1 "$RUNS"); do
  for who in ours torch; do
    if [ $who = ours ]; then cmd=("${OURS[@]}"); else cmd=("$PY" bench/predict-torch-files.py models/npr); fi
    t1=$(ms "${cmd[@]}" "$SET/$ONE")
    t31=$(ms "${cmd[@]}" "$SET")
    per=$(awk -v a="$t1" -v b="$t31" 'BEGIN {printf "%.1f", (b - a) / 30}')
    printf '%-4s %-6s %8s %8s %10s %s\n' "$r" $who "$t1" "$t31" "$per" "$(cut -d' ' -f1 /proc/loadavg)"
    if [ $who = ours ]; then sum_o=$(awk -v s="$sum_o" -v p="$per" 'BEGIN {print s + p}'); else sum_t=$(awk -v s="$sum_t" -v p="$per" 'BEGIN {print s + p}'); fi
  done
done
awk -v o="$sum_o" -v t="$sum_t" -v n="$RUNS" 'BEGIN {printf "mean per image: ours %.1f ms, torch %.1f ms, ratio ours/torch %.2f\n", o / n, t / n, o / t}'
