#!/usr/bin/env bash
# The project's test command (README, CI). Builds everything, runs Unit + Golden + Integration tests,
# and ends with one plain "N passed, N failed" line. Exits non-zero when anything fails.
#   scripts/test.sh [extra dotnet test args, e.g. --filter FullyQualifiedName~Safetensors]
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh || { echo "0 passed, 1 failed"; exit 1; }
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT

if ! dotnet build OnnxDiffusion.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi
bash scripts/check-sizes.sh || { echo "0 passed, 1 failed"; exit 1; }

filter="TestCategory!=Slow&TestCategory!=Gpu"
dotnet test OnnxDiffusion.sln -c Release --no-build -nologo --filter "$filter" \
  --logger "trx" --results-directory "$results" "$@" -- NUnit.NumberOfTestWorkers=2
rc=$?

python3 - "$results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + "/*.trx"):
    c = ET.parse(f).getroot().find(".//{*}Counters")
    if c is None:
        continue
    passed += int(c.get("passed", 0))
    failed += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0)) + int(c.get("aborted", 0))
    skipped += int(c.get("notExecuted", 0)) + int(c.get("inconclusive", 0))
print(f"{passed} passed, {failed} failed, {skipped} skipped")
PY
if [ $rc -ne 0 ]; then exit 1; fi
