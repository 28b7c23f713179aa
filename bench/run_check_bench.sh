#!/bin/bash
# Health-scan benchmark (issue 16): `safescope-cli check` on a ~1 GiB cached F32 model and a ~1 GiB cached BF16 model
# (llama layout, values ~N(0, 0.02), norm weights all ones), against `dd bs=4M` reading the same cached bytes to
# /dev/null, in the same run. Target: check <= 1.5x dd. Best of 3 for each, after two warming reads.
#   bench/run_check_bench.sh [SAFESCOPE_CLI] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cli=${1:-$root/build/dev/app/cli/safescope-cli}
data=${2:-$root/build/check-bench-data}
shared=${SAFESCOPE_SHARED_DIR:-$root/../shared}
[ -d "$shared/peers" ] || shared=$root/../../shared # a git worktree sits one level deeper than the main checkout
peers=$shared/peers
python=/usr/bin/python3
[ -x "$cli" ] || { echo "no safescope-cli at $cli (build the safescope-cli target)"; exit 2; }
"$python" -c 'import numpy' 2>/dev/null || { echo "python3-numpy is missing (apt-get install python3-numpy)"; exit 2; }
mkdir -p "$data"

best_of_3() { # COMMAND...: prints the best wall time and that run's CPU time (user + sys), in seconds
    local best= cpu= out
    out=$(mktemp)
    for _ in 1 2 3; do
        /usr/bin/time -f "%e %U %S" -o "$out" "$@" >/dev/null 2>&1 || [ $? -eq 1 ] # check exits 1 on a --fail-on kind
        read -r wall user sys <"$out"
        if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
            best=$wall
            cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
        fi
    done
    rm -f "$out"
    echo "$best $cpu"
}

run_case() { # DTYPE LAYERS
    local dtype=$1 layers=$2 file="$data/llama-$1-$2.safetensors"
    [ -f "$file" ] || "$python" "$peers/stgen.py" llama "$file" --layers "$layers" --hidden 2048 --dtype "$dtype"
    cat "$file" >/dev/null # warm the page cache
    cat "$file" >/dev/null
    local size dd check
    size=$(stat -c %s "$file")
    dd=$(best_of_3 dd if="$file" of=/dev/null bs=4M)
    check=$(best_of_3 "$cli" check "$file" --json)
    awk -v n="$size" -v d="${dd% *}" -v dc="${dd#* }" -v c="${check% *}" -v cc="${check#* }" -v t="$dtype" 'BEGIN {
        printf "== %s, %.2f GiB ==\n", t, n / 1073741824;
        printf "dd bs=4M:        %.3f s (%.2f GB/s), CPU %.2f s\n", d, n / d / 1e9, dc;
        printf "safescope check: %.3f s (%.2f GB/s), CPU %.2f s on 2 threads\n", c, n / c / 1e9, cc;
        printf "ratio check/dd:  %.2fx wall time (target <= 1.5x)\n", c / d }'
}

nproc_note=$(nproc)
echo "cores: $nproc_note; load: $(cut -d' ' -f1-3 /proc/loadavg)"
run_case F32 3
run_case BF16 8
