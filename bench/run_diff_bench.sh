#!/bin/bash
# Diff benchmark: two ~1 GiB BF16 checkpoints (a Llama-style layout, and the same weights perturbed as a short
# fine-tune leaves them), SafeScope's diff against numpy (np_diff.py) computing the same metrics, and the diff of
# two byte-identical copies against a plain two-thread read of the same bytes, all on the same warm files.
# SafeScope is timed three ways: first run on fresh mappings, repeats on the same (still cold) mappings, repeats on
# warm mappings; the read peer through fresh and warm mappings and with pread().
#   bench/run_diff_bench.sh [BUILD_DIR] [DATA_DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/bench-diff}
data=${2:-$build/diff-data}
peers=${SAFESCOPE_SHARED_DIR:-$root/../shared}/peers
python=/usr/bin/python3

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAFESCOPE_BUILD_GUI=OFF \
        -DSAFESCOPE_BUILD_TESTS=OFF >/dev/null
fi
# Always brought up to date (a no-op when nothing changed): a stale binary would measure old code.
cmake --build "$build" -j2 --target bench_diff >/dev/null
"$python" -c 'import numpy' 2>/dev/null || { echo "python3-numpy is missing (apt-get install python3-numpy)"; exit 2; }
mkdir -p "$data"

a="$data/a.safetensors" b="$data/b.safetensors" same="$data/a-copy.safetensors"
# 8 layers, hidden 2048, vocab 32000: 533.7 M BF16 parameters, 0.99 GiB.
[ -f "$a" ] || "$python" "$peers/stgen.py" llama "$a" --layers 8 --hidden 2048 --vocab 32000 --dtype BF16
[ -f "$b" ] || "$python" "$here/np_diff.py" perturb "$a" "$b"
[ -f "$same" ] || cp "$a" "$same"
for f in "$a" "$b" "$same"; do cat "$f" >/dev/null; cat "$f" >/dev/null; done # warm the page cache

# The machine may be shared: the load goes with the figures, which only compare runs made side by side.
echo "load before: $(uptime)"
np=$("$python" "$here/np_diff.py" diff "$a" "$b")
echo "numpy diff A B:  $np"
ours=$("$build/bench/bench_diff" "$a" "$b" "$same")
echo "$ours" | grep -v '^[A-Z_]*=' | sed 's/^/safescope: /'
np_s=$(echo "$np" | sed -n 's/^diff \([0-9.]*\) s.*/\1/p')
get() { echo "$ours" | sed -n "s/^$1=//p"; }
awk -v np="$np_s" -v vf="$(get VALUES_FIRST_MS)" -v vc="$(get VALUES_COLD_MS)" -v vb="$(get VALUES_BEST_MS)" \
    -v if_="$(get IDENTICAL_FIRST_MS)" -v ic="$(get IDENTICAL_COLD_MS)" -v ib="$(get IDENTICAL_BEST_MS)" \
    -v pf="$(get PEER_FIRST_MS)" -v pb="$(get PEER_BEST_MS)" -v pp="$(get PEER_PREAD_MS)" 'BEGIN {
    printf "ratio numpy/safescope (values differ): %.1fx (first run, fresh mappings), %.1fx (best of 3, mappings " \
        "still cold), %.1fx (best of 3, warm mappings)\n", np*1000/vf, np*1000/vc, np*1000/vb;
    # A first read is as fast as the faster of the two ways to read fresh bytes.
    cold = pf < pp ? pf : pp;
    printf "identical models, safescope/read-peer time: %.2fx first, %.2fx cold repeats, %.2fx warm best " \
        "(1.00 = memory-read speed; peers: first and cold the faster of a fresh-mapping read and pread, warm the " \
        "warm-mapping read)\n", if_/cold, ic/cold, ib/pb }'
echo "load after: $(uptime)"
