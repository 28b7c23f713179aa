#!/usr/bin/env bash
# Builds SafeScope (dev preset: warnings are errors) and runs every test headless.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev
cmake --build --preset dev
ctest --preset dev
