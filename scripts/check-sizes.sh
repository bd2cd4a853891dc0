#!/usr/bin/env bash
# Enforces the file-size cap of STYLE.md (1,000 lines per .cs file, generated code exempt) and prints
# lines per project as a visible budget.
set -uo pipefail
cd "$(dirname "$0")/.."
bad=0
while IFS= read -r f; do
  n=$(wc -l < "$f")
  if [ "$n" -gt 1000 ]; then echo "check-sizes: $f has $n lines (cap 1000)"; bad=1; fi
done < <(git ls-files '*.cs')
for d in src/* converters/* tests/*; do
  [ -d "$d" ] || continue
  n=$(git ls-files "$d" | grep '\.cs$' | xargs -r cat | wc -l)
  printf 'lines %-40s %6d\n' "$d" "$n"
done
exit $bad
