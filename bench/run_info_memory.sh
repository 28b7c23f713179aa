#!/bin/bash
# Peak memory of `safescope-cli info` against `info --json` on a 1,000,000-tensor header (issue 15, defect 7): the
# JSON is streamed, so its peak must stay within 1.5x the text form's. Peak RSS from /usr/bin/time (getrusage of the
# child); the file is written here by Python, independently of SafeScope.
#   bench/run_info_memory.sh [BUILD_DIR] [DATA_DIR] [TENSORS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/bench-moe}
data=${2:-$build/info-data}
tensors=${3:-1000000}
python=/usr/bin/python3

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAFESCOPE_BUILD_GUI=OFF \
        -DSAFESCOPE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target safescope-cli >/dev/null
cli="$build/app/cli/safescope-cli"
mkdir -p "$data"
file="$data/tensors-$tensors.safetensors"
if [ ! -f "$file" ]; then
    "$python" - "$file" "$tensors" <<'PY'
import struct, sys
path, count = sys.argv[1], int(sys.argv[2])
parts = ['{"__metadata__":{"format":"pt"}']
for i in range(count):
    parts.append(',"l.%d.w%d":{"dtype":"U8","shape":[1],"data_offsets":[%d,%d]}' % (i // 1000, i % 1000, i, i + 1))
header = (''.join(parts) + '}').encode()
header += b' ' * (-len(header) % 8)
with open(path, 'wb') as f:
    f.write(struct.pack('<Q', len(header)) + header + bytes(count))
PY
fi

peak() { # peak RSS in KiB of the command, its stdout discarded
    /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1
}
echo "== info of $tensors tensors ($(du -h --apparent-size "$file" | cut -f1) file) =="
text=$(peak "$cli" info "$file")
json=$(peak "$cli" info "$file" --json)
bytes=$("$cli" info "$file" --json | wc -c)
awk -v t="$text" -v j="$json" -v b="$bytes" 'BEGIN {
    printf "info (text):  peak RSS %.0f MiB\n", t / 1024;
    printf "info --json:  peak RSS %.0f MiB (%.0f MiB of JSON written)\n", j / 1024, b / 1048576;
    printf "ratio json/text: %.2fx (target <= 1.5x)\n", j / t }'
