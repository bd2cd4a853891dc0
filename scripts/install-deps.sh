#!/usr/bin/env bash
# Installs the native packages OnnxDiffusion needs on a fresh Debian machine (idempotent, quiet when done).
#   libzfp1      - zfp reference library for RAIIAF latent payloads (P/Invoke)
#   libfontconfig1 - SkiaSharp's native assets expect it on some images
#   fonts-dejavu-core - text in `onnxdiff bench` charts and image grids (SkiaSharp reads /usr/share/fonts)
#   libicu72     - Unicode NFC for the CLIP tokenizer (the .NET SDK needs it too; Debian 12's ICU major)
set -euo pipefail
need=()
for pkg in libzfp1 libfontconfig1 fonts-dejavu-core; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
# Any ICU major will do (the tokenizer probes libicuuc.so.50-90); ask for Debian 12's only when none is present.
ldconfig -p 2>/dev/null | grep -q 'libicuuc\.so' || need+=(libicu72)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "install-deps: installing ${need[*]}"
  $SUDO apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
