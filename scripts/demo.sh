#!/usr/bin/env bash
# The main job on the built-in default: makes a tiny synthetic SD1.5 checkpoint and shows what it holds.
# (Later stages - convert, generate - are added here as they land.)
#   scripts/demo.sh [work dir, default ./out/demo]
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-out/demo}
mkdir -p "$work"
bash scripts/install-deps.sh
dotnet build src/OnnxDiffusion.Cli -c Release -nologo -clp:ErrorsOnly -v quiet
onnxdiff() { dotnet src/OnnxDiffusion.Cli/bin/Release/net10.0/onnxdiff.dll "$@"; }
onnxdiff version
