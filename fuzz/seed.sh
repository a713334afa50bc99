#!/usr/bin/env bash
# Seed both fuzz corpora with the project's own fixtures and examples.
set -euo pipefail
cd "$(dirname "$0")"
for target in pipeline decode pieces; do
  mkdir -p "corpus/$target"
  find ../testdata -type f \( -name '*.yaml' -o -name '*.yml' -o -name '*.json' \) \
    -exec cp {} "corpus/$target/" \;
done
