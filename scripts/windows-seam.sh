#!/usr/bin/env bash
# Builds the Windows half of the platform seam (core/platform/windows) with its Qt-free self-test
# (tests/platform/platform_selftest.cpp) using Debian's MinGW-w64 cross compiler, and runs it under Wine: the
# Win32 code is compiled and its behaviour checked on every CI run, without a Windows machine.
# Installs what it needs first: g++-mingw-w64-x86-64-posix and wine64 (scripts/install-deps.sh --windows-seam).
# Usage: scripts/windows-seam.sh [BUILD_DIR]   (default build/windows-seam)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build/windows-seam}
mkdir -p "$out"
out=$(cd "$out" && pwd)

scripts/install-deps.sh --windows-seam

compiler=x86_64-w64-mingw32-g++-posix
wine=$(command -v wine64 || true)
[ -n "$wine" ] || wine=/usr/lib/wine/wine64
wineserver=$(command -v wineserver || true)
[ -n "$wineserver" ] || wineserver=/usr/lib/wine/wineserver
for tool in "$compiler" "$wine"; do
  command -v "$tool" >/dev/null || { echo "windows-seam: $tool is missing" >&2; exit 2; }
done

start=$SECONDS
# The project's warning flags, as errors, and its flags for MinGW GCC (cmake/SafeScopeWarnings.cmake: unaligned
# vector moves); -static so that Wine needs no MinGW runtime DLLs.
flags=(-std=c++20 -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Werror -Wa,-muse-unaligned-vector-move
  -DWIN32_LEAN_AND_MEAN -DNOMINMAX -DUNICODE -D_UNICODE -D_WIN32_WINNT=0x0A00 -I.)
"$compiler" "${flags[@]}" -O1 \
  core/platform/windows/*.cpp tests/platform/platform_selftest.cpp -static -o "$out/platform_selftest.exe"
# The value kernels (plain C++, no Qt) are where a Windows build of the vector code differs (no ifunc for GCC's
# target_clones, a stack aligned to 16 bytes only): compiled for Windows on every run, not run.
for kernel in core/values/statskernels.cpp core/values/statskernelsavx512.cpp core/values/healthkernels.cpp \
  core/quant/nibblecolumns.cpp core/diff/diffkernels.cpp core/diff/diffkernelsavx2.cpp; do
  "$compiler" "${flags[@]}" -O2 -c "$kernel" -o "$out/$(basename "$kernel" .cpp).o"
done
built=$SECONDS

# A private, headless Wine prefix (console programs need no X server); removed with the build folder.
export WINEPREFIX="$out/wineprefix" WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
trap '"$wineserver" -k >/dev/null 2>&1 || true' EXIT
"$wine" wineboot -i >/dev/null 2>&1
booted=$SECONDS
"$wine" "$out/platform_selftest.exe"
echo "windows-seam: compiled in $((built - start)) s, Wine prefix in $((booted - built)) s, test in $((SECONDS - booted)) s"
