#!/usr/bin/env bash
# Builds SafeScope and opens the viewer on the bundled demo checkpoint (generated at build time, no download).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev
exec build/dev/app/gui/safescope build/dev/demo/demo-decoder.safetensors "$@"
