#!/usr/bin/env bash
# Conversion benchmark (not CI; needs about 2 GB + 4.3 GB of free disk and a few minutes).
#   scripts/bench-convert.sh
# 1. synthesizes a full-size SD1.5 fp16 checkpoint (onnxdiff synth --size full --dtype fp16),
# 2. converts it with /usr/bin/time -v and reports wall time and peak RSS against the checkpoint size
#    (targets: <= 60 s, peak RSS <= 1.5 x file size),
# 3. runs one UNet evaluation at 256x256 on ORT CPU and checks the output is finite (bench-unet),
# 4. deletes the big files (BENCH_KEEP=1 keeps them).
# Environment: BENCH_SIZE=tiny for a quick dry run of the script, BENCH_DIR=folder for the work files,
# BENCH_UNET=0 to skip step 3. Prints the load average next to the numbers: timings on a shared machine vary.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${BENCH_SIZE:-full}
work=${BENCH_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/bench-convert.XXXXXX")}
mkdir -p "$work"
cleanup() {
  if [ "${BENCH_KEEP:-0}" != 1 ]; then rm -rf "$work/sd15.safetensors" "$work/package" "$work/tokenizer"; rmdir "$work" 2>/dev/null || true; fi
}
trap cleanup EXIT
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

dotnet build src/OnnxDiffusion.Cli -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build benchmarks/OnnxDiffusion.Benchmarks -c Release -nologo -clp:ErrorsOnly >/dev/null
cli=(dotnet src/OnnxDiffusion.Cli/bin/Release/net10.0/onnxdiff.dll)
bench=(dotnet benchmarks/OnnxDiffusion.Benchmarks/bin/Release/net10.0/OnnxDiffusion.Benchmarks.dll)

# The converter only copies the tokenizer files; use the real CLIP tokenizer when the shared data is there.
tokenizer="$work/tokenizer"
mkdir -p "$tokenizer"
if [ -f ../shared/data/clip-tokenizer/vocab.json ]; then
  cp ../shared/data/clip-tokenizer/vocab.json ../shared/data/clip-tokenizer/merges.txt "$tokenizer/"
else
  printf '{}' > "$tokenizer/vocab.json"; printf '#version: 0.2\n' > "$tokenizer/merges.txt"
fi

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== synth: sd15 $size fp16"
"${cli[@]}" synth --size "$size" --dtype fp16 -o "$work/sd15.safetensors" 2>/dev/null
file_bytes=$(stat -c %s "$work/sd15.safetensors")

echo "== convert (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
sync
/usr/bin/time -v -o "$work/time.txt" "${cli[@]}" convert "$work/sd15.safetensors" -o "$work/package" \
  --tokenizer "$tokenizer" --force 2>"$work/convert.err"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$work/time.txt")
rss_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.txt")
cpu=$(awk -F': ' '/Percent of CPU/ {print $2}' "$work/time.txt")
package_bytes=$(du -sb "$work/package" | cut -f1)
python3 - "$wall" "$rss_kb" "$file_bytes" "$package_bytes" "$cpu" "$load_after" <<'PY'
import sys
wall, rss_kb, file_bytes, package_bytes, cpu, load = sys.argv[1:]
parts = [float(p) for p in wall.split(":")]
seconds = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
rss = int(rss_kb) * 1024
ratio = rss / int(file_bytes)
ok_time, ok_rss = seconds <= 60, ratio <= 1.5
print(f"convert: wall {seconds:.1f} s (target <= 60 s: {'ok' if ok_time else 'MISSED'}), CPU {cpu}")
print(f"convert: peak RSS {rss / 2**20:.0f} MiB = {ratio:.2f} x checkpoint {int(file_bytes) / 2**20:.0f} MiB "
      f"(target <= 1.5 x: {'ok' if ok_rss else 'MISSED'}); package {int(package_bytes) / 2**20:.0f} MiB")
print(f"convert: load average after {load}")
PY
tail -n 6 "$work/convert.err" | tr '\r' '\n' | tail -n 2 || true

if [ "${BENCH_UNET:-1}" = 1 ]; then
  echo "== bench-unet 256x256 (load average before: $(cut -d' ' -f1-3 /proc/loadavg))"
  "${bench[@]}" bench-unet --package "$work/package" --size 256 --runs 1
fi
