#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz preset: clang, ASan + UBSan), writes their seed corpora with the project's own
# writer, and runs each target for SECONDS (default 60). Exits non-zero when a target finds a crash; the reproducer is
# kept in build/fuzz/artifacts/ (add it as a regression test, then fix).
#   scripts/fuzz.sh [SECONDS] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(fuzz_header fuzz_index fuzz_values)

cmake --preset fuzz >/dev/null
cmake --build --preset fuzz
build=build/fuzz
corpus=$build/corpus
mkdir -p "$build/artifacts"
"$build/tests/fuzz/fuzz_seeds" "$corpus/seeds"

status=0
for target in "${targets[@]}"; do
  seeds=$corpus/seeds/${target#fuzz_}
  mkdir -p "$corpus/$target"
  echo "=== $target for ${seconds}s"
  # A fresh corpus directory first (new findings go there), the generated seeds second (read only).
  if ! "$build/tests/fuzz/$target" "$corpus/$target" "$seeds" -max_total_time="$seconds" -timeout=10 \
      -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-" \
      2>"$build/$target.log"; then
    status=1
    echo "$target FOUND A CRASH:"
    grep -E "ERROR|SUMMARY|Test unit written" "$build/$target.log" || tail -20 "$build/$target.log"
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/$target.log" | sed 's/^/  /'
done
exit $status
