#!/usr/bin/env bash
# The main job on the built-in default: synthesize a tiny random-weight SD1.5 checkpoint, convert it to an ONNX
# package with no Python, and generate an image from it on ONNX Runtime's CPU provider.
#   scripts/demo.sh [work dir, default ./out/demo]
# The tokenizer comes from ../shared/data/clip-tokenizer (or $ONNXDIFF_TOKENIZER): single-file checkpoints carry none.
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-out/demo}
tokenizer=${ONNXDIFF_TOKENIZER:-../shared/data/clip-tokenizer}
mkdir -p "$work"
bash scripts/install-deps.sh
dotnet build src/OnnxDiffusion.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
onnxdiff() { dotnet src/OnnxDiffusion.Cli/bin/Release/net10.0/onnxdiff.dll "$@"; }
if [ ! -f "$tokenizer/vocab.json" ]; then
  echo "error: no CLIP tokenizer at $tokenizer (vocab.json + merges.txt); set ONNXDIFF_TOKENIZER to its folder." >&2
  exit 3
fi
onnxdiff synth --family sd15 --size tiny --seed 42 -o "$work/tiny-sd15.safetensors"
onnxdiff convert "$work/tiny-sd15.safetensors" -o "$work/tiny-sd15-onnx" --tokenizer "$tokenizer" --force
onnxdiff generate --model "$work/tiny-sd15-onnx" --prompt "a photograph of an astronaut riding a horse" \
  --negative "blurry" --steps 8 --cfg 7 --seed 42 --width 128 --height 128 -o "$work/astronaut.png"
echo "demo: image at $work/astronaut.png (random weights: expect colourful noise, not an astronaut)"
