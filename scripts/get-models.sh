#!/usr/bin/env bash
# Fetch real generation models for `bitmind generate` / the validator's synthetic source, on a machine WITH internet.
# Nothing in the tests downloads; this is for users. Needs `huggingface-cli` (pip install -U "huggingface_hub[cli]")
# and, for the LCM export, `optimum-cli` (pip install "optimum[exporters]" diffusers).
#
# Layout produced (each is a diffusers ONNX export: model_index.json, scheduler/, tokenizer{,_2}/, text_encoder{,_2}/,
# unet/ (+ model.onnx_data), vae_decoder/):
#   models/generation/sd-turbo/        onnxruntime/sd-turbo   (Olive-optimised fp16 ONNX, HF blog "Accelerating SD Turbo
#   models/generation/sdxl-turbo/      onnxruntime/sdxl-turbo  and SDXL Turbo Inference with ONNX Runtime and Olive", 2024-01-15)
#   models/generation/lcm-dreamshaper-v7/  exported with optimum from SimianLuo/LCM_Dreamshaper_v7 (fp32)
#   models/generation/MagicPrompt-Stable-Diffusion/  paralaif/MagicPrompt-Stable-Diffusion-ONNX (transformers.js layout:
#                                      config.json, tokenizer.json, onnx/model.onnx) — a GPT-2 for --prompt-model
# Usage: scripts/get-models.sh [target-dir] [which...]   which ∈ sd-turbo sdxl-turbo lcm magicprompt (default: all)
set -euo pipefail
DEST="${1:-models/generation}"
shift || true
WHICH=("$@")
[ ${#WHICH[@]} -eq 0 ] && WHICH=(sd-turbo sdxl-turbo lcm magicprompt)
mkdir -p "$DEST"

for w in "${WHICH[@]}"; do
  case "$w" in
    sd-turbo) huggingface-cli download onnxruntime/sd-turbo --local-dir "$DEST/sd-turbo" ;;
    sdxl-turbo) huggingface-cli download onnxruntime/sdxl-turbo --local-dir "$DEST/sdxl-turbo" ;;
    lcm) optimum-cli export onnx --model SimianLuo/LCM_Dreamshaper_v7 --task text-to-image "$DEST/lcm-dreamshaper-v7" ;;
    magicprompt) huggingface-cli download paralaif/MagicPrompt-Stable-Diffusion-ONNX --local-dir "$DEST/MagicPrompt-Stable-Diffusion" ;;
    *) echo "unknown model '$w' (sd-turbo | sdxl-turbo | lcm | magicprompt)" >&2; exit 2 ;;
  esac
done

cat <<MSG
Done. Try:
  bitmind generate --model-dir $DEST/sd-turbo --steps 1 --size 512x512 --seed 1 --out sd-turbo.png --prompt "a lighthouse in a storm"
  bitmind generate --model-dir $DEST/sdxl-turbo --steps 1 --size 512x512 --prompt-model $DEST/MagicPrompt-Stable-Diffusion --out sdxl.png
  bitmind generate --model-dir $DEST/lcm-dreamshaper-v7 --steps 4 --guidance-scale 8 --size 512x512 --out lcm.png
If a folder has no text_encoder/model.onnx or unet/model.onnx at its top level (some repos nest the export one level
down), pass that inner folder to --model-dir.
MSG
