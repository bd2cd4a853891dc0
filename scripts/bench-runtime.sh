#!/usr/bin/env bash
# Runtime benchmark on a full-size synthetic SD1.5 (NOT part of CI; run by hand when the machine is quiet).
#   scripts/bench-runtime.sh [workdir]
# Environment: SIZES="256 512"  THREADS=2  STEPS=3  WARMUP=2  VAE_RUNS=2  PROFILE=0|1  KEEP=0|1
#              TOKENIZER=<clip tokenizer folder> (default ../shared/data/clip-tokenizer)
# Needs about 7 GB of free disk (the 2.1 GB fp16 checkpoint is deleted right after conversion; the fp32 package
# is 4.3 GB) and about 6 GB of RAM. Everything it makes is deleted at the end unless KEEP=1 (then a second run
# reuses the package).
#
# Per size it prints: the UNet's FLOPs per CFG evaluation (exported graph, static shapes; see FlopCounter.cs for
# what is counted), session load times, text-encoder time, UNet time per step (min/median after warm-ups) with
# the managed bytes each step allocates and the achieved GFLOP/s, VAE decode time, peak RSS of the benchmark
# (all sessions loaded at once) and of `onnxdiff generate` (one session at a time: the product's number).
# PROFILE=1 adds a profiled run (ORT kernel time per op type; slower, so timed separately).
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/onnxdiff-bench}
sizes=${SIZES:-"256 512"}
threads=${THREADS:-2}
steps=${STEPS:-3}
warmup=${WARMUP:-2}
vae_runs=${VAE_RUNS:-2}
tokenizer=${TOKENIZER:-$(cd .. && pwd)/shared/data/clip-tokenizer}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

cleanup() { if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; fi; }
trap cleanup EXIT

dotnet build src/OnnxDiffusion.Cli -c Release -nologo -clp:ErrorsOnly
dotnet build benchmarks/OnnxDiffusion.Benchmarks -c Release -nologo -clp:ErrorsOnly
cli=src/OnnxDiffusion.Cli/bin/Release/net10.0/onnxdiff
bench=benchmarks/OnnxDiffusion.Benchmarks/bin/Release/net10.0/OnnxDiffusion.Benchmarks

echo "== machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
# Family 25 = Zen 3/4 (AVX-512 on Zen 4 runs as two 256-bit halves), 26 = Zen 5 (full-width AVX-512): the FP32
# FMA rate per cycle differs by 2x, which is what runtime-notes' numbers (taken on a Zen 5 host) assume.
echo "== cpu family $(grep -m1 'cpu family' /proc/cpuinfo | cut -d: -f2 | xargs), model $(grep -m1 '^model\s' /proc/cpuinfo | cut -d: -f2 | xargs), flags: $(grep -m1 flags /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512f|avx512_vnni|avx_vnni|avx512_bf16|avx512_fp16)$' | xargs)"
echo "== uptime: $(uptime)"
# Machine state first: runtime-notes measured Conv 28.7 ms (1 thread) / 15.7 ms (2) and MatMul 3.17 / 1.70 ms on
# an idle machine. Scale every number below by (calibrated time / notes time) before comparing with targets.
"$bench" calibrate --threads 1
"$bench" calibrate --threads "$threads"
mkdir -p "$work"
if [ ! -f "$work/pkg/onnxdiffusion.json" ]; then
  "$cli" synth --size full --dtype fp16 -o "$work/sd15-full-fp16.safetensors"
  "$cli" convert "$work/sd15-full-fp16.safetensors" -o "$work/pkg" --tokenizer "$tokenizer" --force
  rm -f "$work/sd15-full-fp16.safetensors"
fi

for size in $sizes; do
  echo "== ${size}x${size}"
  # (not `tee /dev/stderr`: reopening stderr truncates a redirected log file)
  flops=$("$bench" flops "$work/pkg/unet/model.onnx" --size "$size" --batch 2 --threads "$threads")
  echo "$flops"
  gflop=$(sed -n 's/^gflop=//p' <<< "$flops")
  "$bench" flops "$work/pkg/vae_decoder/model.onnx" --size "$size" --batch 1 --threads "$threads"
  echo "== uptime before run: $(uptime)"
  /usr/bin/time -v "$bench" runtime "$work/pkg" --size "$size" --threads "$threads" --steps "$steps" \
    --warmup "$warmup" --vae-runs "$vae_runs" --unet-gflop "$gflop" 2> "$work/time-$size.txt"
  grep -E "Maximum resident|Elapsed \(wall|Percent of CPU" "$work/time-$size.txt"
  echo "== product peak RSS: onnxdiff generate ${size}x${size}, 2 steps (sessions released after each stage)"
  /usr/bin/time -v "$cli" generate -m "$work/pkg" -p "a photograph of an astronaut riding a horse" \
    --width "$size" --height "$size" --steps 2 --threads "$threads" -o "$work/gen-$size.png" 2> "$work/gen-$size.txt"
  grep -E "Maximum resident|Elapsed \(wall|Percent of CPU" "$work/gen-$size.txt"
  if [ "${PROFILE:-0}" = 1 ]; then
    echo "== profiled run ${size}x${size} (timings slowed by profiling)"
    "$bench" runtime "$work/pkg" --size "$size" --threads "$threads" --steps 2 --warmup 1 --vae-runs 1 \
      --profile "$work/profile-$size"
  fi
done
"$bench" calibrate --threads "$threads"
echo "== uptime at end: $(uptime)"
