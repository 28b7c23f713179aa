#!/bin/bash
# Values benchmark: statistics + 256-bin histogram of a 1 GiB F32 and a 512 MiB BF16 tensor, SafeScope against
# numpy (np_stats.py) and a plain two-thread sum over the same bytes, all on the same warm files in one run.
#   bench/run_values_bench.sh [BUILD_DIR] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/bench-values}
data=${2:-$build/values-data}
peers=${SAFESCOPE_SHARED_DIR:-$root/../shared}/peers
python=/usr/bin/python3

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAFESCOPE_BUILD_GUI=OFF \
        -DSAFESCOPE_BUILD_TESTS=OFF >/dev/null
fi
# Always brought up to date (a no-op when nothing changed): a stale binary would measure old code.
cmake --build "$build" -j2 --target bench_stats >/dev/null
"$python" -c 'import numpy' 2>/dev/null || { echo "python3-numpy is missing (apt-get install python3-numpy)"; exit 2; }
mkdir -p "$data"

run_case() { # DTYPE MIB
    local dtype=$1 mib=$2 file="$data/big-$1-$2.safetensors"
    [ -f "$file" ] || "$python" "$peers/stgen.py" big "$file" --mib "$mib" --dtype "$dtype"
    cat "$file" >/dev/null # warm the page cache
    cat "$file" >/dev/null
    echo "== $dtype, $mib MiB =="
    local np ours
    np=$("$python" "$peers/np_stats.py" "$file" weight)
    echo "numpy:     $np"
    ours=$("$build/bench/bench_stats" "$file" weight)
    echo "$ours" | grep -v '^[A-Z_]*=' | sed 's/^/safescope: /'
    local np_s first best peer
    np_s=$(echo "$np" | sed -n 's/.*stats+hist \([0-9.]*\) s.*/\1/p')
    first=$(echo "$ours" | sed -n 's/^SAFESCOPE_FIRST_MS=//p')
    best=$(echo "$ours" | sed -n 's/^SAFESCOPE_BEST_MS=//p')
    peer=$(echo "$ours" | sed -n 's/^PEER_BEST_MS=//p')
    awk -v np="$np_s" -v f="$first" -v b="$best" -v p="$peer" 'BEGIN {
        printf "ratio numpy/safescope: %.1fx (first run, fresh mapping), %.1fx (best of 3)\n", np*1000/f, np*1000/b;
        printf "safescope/bandwidth-peer time: %.2fx (best of 3; 1.00 = memory bound)\n", b/p }'
}

run_case F32 1024
run_case BF16 512
