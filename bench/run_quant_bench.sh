#!/bin/bash
# Quantized-models benchmark (issue 14), whole CLI processes on warm page cache, peers in the same run:
#   - `safescope-cli stats` of a 1 GiB F32 and a 512 MiB BF16 tensor against `dd bs=4M` of the same bytes
#     (targets: within 2x and 1.5x of dd);
#   - dequantized `stats` of a 1 GiB FP8 block-scaled weight (128x128 scales) against dd of its stored bytes
#     (target: within 3x) and against bench/np_dequant.py doing the same dequantization from the reference
#     formula in numpy (target: at least 20x faster);
#   - dequantized `stats` of a 1 GiB (stored) GPTQ int4 weight, group 128, against dd of its stored bytes (target:
#     within 3x) and against numpy doing AutoGPTQ's formula group by group (one run: it takes minutes).
#   CPU time (user + sys, all threads) is printed beside each wall time: on a machine shared with other work the
#   wall time includes waiting for a core.
#   bench/run_quant_bench.sh [BUILD_DIR] [DATA_DIR]      (BUILD_DIR holds app/cli/safescope-cli)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/dev}
data=${2:-$build/quant-bench-data}
python=/usr/bin/python3
cli="$build/app/cli/safescope-cli"
[ -x "$cli" ] || { echo "no $cli: build the safescope-cli target first"; exit 2; }
"$python" -c 'import numpy' 2>/dev/null || { echo "python3-numpy is missing (apt-get install python3-numpy)"; exit 2; }
mkdir -p "$data"

best_ms() { # COMMAND...: best wall time of 3 runs, in ms
    local best=""
    for _ in 1 2 3; do
        local t0 t1
        t0=$(date +%s%N)
        "$@" >/dev/null
        t1=$(date +%s%N)
        local ms=$(((t1 - t0) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

once_ms() { # COMMAND...: wall time of one run, in ms
    local t0 t1
    t0=$(date +%s%N)
    "$@" >/dev/null
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 1000000))
}

cpu_ms() { # COMMAND...: the run of least user + sys time of 3, all threads, as "TOTAL(uUSER+sSYS)" in ms
    local best="" line ms
    for _ in 1 2 3; do
        line=$(/usr/bin/time -f "%U %S" "$@" 2>&1 >/dev/null | tail -1 |
            awk '{ printf "%d %d(u%d+s%d)", ($1 + $2) * 1000, ($1 + $2) * 1000, $1 * 1000, $2 * 1000 }')
        ms=${line%% *}
        if [ -z "$best" ] || [ "$ms" -lt "${best%% *}" ]; then best=$line; fi
    done
    echo "${best#* }"
}

# The numpy peers take minutes (GPTQ: tens of minutes on a loaded machine): SKIP_NUMPY=1 leaves them out (0 ms).
peer_ms() { if [ -n "${SKIP_NUMPY:-}" ]; then echo 0; else once_ms "$@"; fi; }

warm() { cat "$1" >/dev/null; cat "$1" >/dev/null; }

float_case() { # DTYPE MIB TARGET
    local dtype=$1 mib=$2 target=$3 dir="$data/$1-$2"
    [ -f "$dir/model.safetensors" ] || "$python" "$here/np_dequant.py" gen-float "$dir" --mib "$mib" --dtype "$dtype"
    warm "$dir/model.safetensors"
    local dd ours ddcpu ourscpu
    dd=$(best_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ours=$(best_ms "$cli" stats "$dir/model.safetensors" weight --json)
    ddcpu=$(cpu_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ourscpu=$(cpu_ms "$cli" stats "$dir/model.safetensors" weight --json)
    awk -v d="$dd" -v o="$ours" -v t="$target" -v n="$dtype $mib MiB" -v dc="$ddcpu" -v oc="$ourscpu" 'BEGIN {
        printf "%-16s dd %6d ms  safescope stats %6d ms  ratio %.2fx dd (target %sx)  CPU: dd %s ms, stats %s ms\n",
            n, d, o, o/d, t, dc, oc }'
}

fp8_case() { # MIB
    local mib=$1 dir="$data/FP8-$1"
    [ -f "$dir/model.safetensors" ] || "$python" "$here/np_dequant.py" gen-fp8 "$dir" --mib "$mib"
    warm "$dir/model.safetensors"
    local name=model.layers.0.mlp.down_proj.weight
    # grep without -q reads to the end: -q exits at the match and the CLI, still writing, dies of SIGPIPE (pipefail).
    "$cli" stats "$dir/model.safetensors" "$name" --json | grep '"dequantized": *true' >/dev/null ||
        { echo "FP8 weight was not dequantized"; exit 1; }
    local dd ours np ddcpu ourscpu
    dd=$(best_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ours=$(best_ms "$cli" stats "$dir/model.safetensors" "$name" --json)
    ddcpu=$(cpu_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ourscpu=$(cpu_ms "$cli" stats "$dir/model.safetensors" "$name" --json)
    np=$(peer_ms "$python" "$here/np_dequant.py" stats-fp8 "$dir/model.safetensors" "$name")
    awk -v d="$dd" -v o="$ours" -v p="$np" -v n="FP8 block $mib MiB" -v dc="$ddcpu" -v oc="$ourscpu" 'BEGIN {
        printf "%-16s dd %6d ms  safescope dequantized stats %6d ms  ratio %.2fx dd (target 3x)  CPU: dd %s ms, stats %s ms\n",
            n, d, o, o/d, dc, oc;
        printf "%-16s numpy reference dequant+stats %6d ms  safescope %.1fx faster (target 20x)\n", "", p, p/o }'
}

gptq_case() { # MIB
    local mib=$1 dir="$data/GPTQ-$1"
    [ -f "$dir/model.safetensors" ] || "$python" "$here/np_dequant.py" gen-gptq "$dir" --mib "$mib"
    warm "$dir/model.safetensors"
    local stem=model.layers.0.mlp.down_proj
    "$cli" stats "$dir/model.safetensors" "$stem.weight" --json | grep '"dequantized": *true' >/dev/null ||
        { echo "GPTQ weight was not dequantized"; exit 1; }
    local dd ours np ddcpu ourscpu
    dd=$(best_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ours=$(best_ms "$cli" stats "$dir/model.safetensors" "$stem.weight" --json)
    ddcpu=$(cpu_ms dd if="$dir/model.safetensors" of=/dev/null bs=4M status=none)
    ourscpu=$(cpu_ms "$cli" stats "$dir/model.safetensors" "$stem.weight" --json)
    np=$(peer_ms "$python" "$here/np_dequant.py" stats-gptq "$dir/model.safetensors" "$stem")
    awk -v d="$dd" -v o="$ours" -v p="$np" -v n="GPTQ int4 $mib MiB" -v dc="$ddcpu" -v oc="$ourscpu" 'BEGIN {
        printf "%-16s dd %6d ms  safescope dequantized stats %6d ms  ratio %.2fx dd (target 3x)  CPU: dd %s ms, stats %s ms\n",
            n, d, o, o/d, dc, oc;
        printf "%-16s numpy reference dequant+stats %6d ms  safescope %.1fx faster\n", "", p, p/o }'
}

echo "cores: $(nproc); cli: $cli; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
# CASES picks some of: f32 bf16 fp8 gptq (default all).
for c in ${CASES:-f32 bf16 fp8 gptq}; do
    case $c in
    f32) float_case F32 1024 2 ;;
    bf16) float_case BF16 512 1.5 ;;
    fp8) fp8_case 1024 ;;
    gptq) gptq_case 1024 ;;
    esac
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
