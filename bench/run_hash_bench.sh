#!/bin/bash
# Hash benchmark (issue 18): `safescope-cli hash` against `openssl dgst -sha256` measured in the same run, on files
# in the page cache ("cached": the read is a copy from memory, so SHA-256 itself is what is compared).
#  1. one 1 GiB safetensors file: the whole-file SHA-256 alone (--sha256-only), and all three hashes (the whole-file
#     and tensor-data digests on two threads over one read);
#  2. four 256 MiB files: openssl dgst run on them one after another, against one `hash` call (two files at a time).
# Each figure is the best of RUNS wall-clock runs; ratio = openssl time / SafeScope time (> 1: SafeScope faster).
# The cache is bypassed (--no-cache): a cache hit costs a stat per file and would measure nothing.
#   bench/run_hash_bench.sh [SAFESCOPE_CLI] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
cli=${1:-$root/build/dev/app/cli/safescope-cli}
data=${2:-/tmp/safescope-hash-bench}
runs=${RUNS:-3}
python=/usr/bin/python3
[ -x "$cli" ] || { echo "no safescope-cli at $cli (cmake --build --preset dev --target safescope-cli)"; exit 2; }
mkdir -p "$data"
export XDG_CACHE_HOME="$data/cache" # the cached-look figure must not touch the user's cache

# A safetensors file of one U8 tensor of SIZE bytes, random content (AES-CTR keystream: fast and incompressible).
make_file() {
    local path=$1 size=$2
    [ -f "$path" ] && return
    "$python" - "$path" "$size" <<'PY'
import json, struct, sys
path, size = sys.argv[1], int(sys.argv[2])
header = json.dumps({"__metadata__": {"format": "pt"},
                     "w": {"dtype": "U8", "shape": [size], "data_offsets": [0, size]}}, separators=(",", ":"))
header += " " * (-len(header) % 8)
with open(path, "wb") as f:
    f.write(struct.pack("<Q", len(header)) + header.encode())
PY
    # openssl dies of SIGPIPE when head has enough: not a failure.
    { openssl enc -aes-128-ctr -pass pass:safescope -nosalt -pbkdf2 </dev/zero 2>/dev/null || true; } | head -c "$size" >>"$path"
}

# Best wall time in seconds of RUNS runs of the command.
best() {
    local best_ns=0
    for _ in $(seq "$runs"); do
        local start end
        start=$(date +%s%N)
        "$@" >/dev/null
        end=$(date +%s%N)
        local ns=$((end - start))
        if [ "$best_ns" -eq 0 ] || [ "$ns" -lt "$best_ns" ]; then best_ns=$ns; fi
    done
    awk -v ns="$best_ns" 'BEGIN { printf "%.3f", ns / 1e9 }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", a / b }'; }

openssl_each() { for f in "$@"; do openssl dgst -sha256 "$f"; done; }

big="$data/one-gib.safetensors"
make_file "$big" $((1024 * 1024 * 1024))
small=()
for i in 1 2 3 4; do
    make_file "$data/part-$i.safetensors" $((256 * 1024 * 1024))
    small+=("$data/part-$i.safetensors")
done
for f in "$big" "${small[@]}"; do cat "$f" >/dev/null; done # into the page cache

# Same digest, or the comparison means nothing.
ours=$("$cli" hash --no-cache --json "$big" | "$python" -c 'import json,sys; print(json.load(sys.stdin)["files"][0]["sha256"])')
theirs=$(openssl dgst -sha256 -r "$big" | cut -d' ' -f1)
[ "$ours" = "$theirs" ] || { echo "digest mismatch: $ours vs $theirs"; exit 1; }

echo "Machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(openssl version | cut -d' ' -f1-2)"
echo "Best of $runs runs, files in the page cache. Other builds may share this machine: figures are noisy."
echo
t_ssl=$(best openssl dgst -sha256 "$big")
t_one=$(best "$cli" hash --no-cache --sha256-only "$big")
t_all=$(best "$cli" hash --no-cache "$big")
printf '1 GiB file     openssl dgst -sha256              %6ss\n' "$t_ssl"
printf '               hash --sha256-only                %6ss  %s (target >= 1.0x)\n' "$t_one" "$(ratio "$t_ssl" "$t_one")"
printf '               hash (3 hashes, 2 threads)        %6ss  %s\n' "$t_all" "$(ratio "$t_ssl" "$t_all")"
t_ssl4=$(best openssl_each "${small[@]}")
t_one4=$(best "$cli" hash --no-cache --sha256-only "${small[@]}")
t_all4=$(best "$cli" hash --no-cache "${small[@]}")
printf '4 x 256 MiB    openssl dgst, one after another   %6ss\n' "$t_ssl4"
printf '               hash --sha256-only (2 at a time)  %6ss  %s (target >= 1.8x)\n' "$t_one4" "$(ratio "$t_ssl4" "$t_one4")"
printf '               hash (3 hashes, 2 at a time)      %6ss  %s\n' "$t_all4" "$(ratio "$t_ssl4" "$t_all4")"
# The cache: the second look at the same files.
"$cli" hash "${small[@]}" "$big" >/dev/null
t_hit=$(best "$cli" hash "${small[@]}" "$big")
printf 'cached look    hash, 5 files, 2 GiB, cache hit   %6ss\n' "$t_hit"
