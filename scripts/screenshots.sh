#!/usr/bin/env bash
# Retakes the screenshots in docs/ from the dev build: each view of the viewer is started under Xvfb with the
# command-line options that select a page, then the root window is captured.
#   scripts/screenshots.sh [build-dir]
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build/dev}
app=$build/app/gui/safescope
demo=$build/demo/demo-decoder.safetensors
[ -x "$app" ] && [ -f "$demo" ] || { echo "build first: cmake --build --preset dev" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# A Git LFS pointer: what people download by mistake, shown on the error page.
printf 'version https://git-lfs.github.com/spec/v1\noid sha256:%064d\nsize 4400000000\n' 0 >"$work/model.safetensors"

# shot NAME ARGS...: runs the viewer with ARGS and saves docs/screenshot-NAME.png.
shot() {
  local name=$1
  shift
  xvfb-run -a -s '-screen 0 1600x1000x24' bash -c '
    export XDG_CONFIG_HOME="$1"; shift   # a fresh settings store: no remembered layout or recent files
    out=$1; shift
    "$@" -qwindowgeometry 1600x1000+0+0 &
    pid=$!
    sleep "${SAFESCOPE_SHOT_DELAY:-4}"
    import -window root "$out"
    kill $pid' _ "$work/config-$name" "docs/screenshot-$name.png" "$app" "$@"
  echo "docs/screenshot-$name.png"
}

shot main --select model.layers.0.self_attn.q_proj.weight "$demo"
shot overview --page overview "$demo"
shot metadata --page metadata "$demo"
shot error "$work/model.safetensors"
shot histogram --page values --select model.layers.0.mlp.down_proj.weight "$demo"
shot slice --page slice --select model.embed_tokens.weight "$demo"
shot heatmap --page heatmap --select model.layers.0.self_attn.q_proj.weight "$demo"

# window WxH ARGS...: the whole screen at that size, saved as docs/window-WxH.png (the README's size comparison).
window() {
  local size=$1
  shift
  xvfb-run -a -s "-screen 0 ${size}x24" bash -c '
    export XDG_CONFIG_HOME="$1"; shift
    out=$1; shift
    size=$1; shift
    "$@" -qwindowgeometry "${size}+0+0" &
    pid=$!
    sleep "${SAFESCOPE_SHOT_DELAY:-4}"
    import -window root "$out"
    kill $pid' _ "$work/config-window-$size" "docs/window-$size.png" "$size" "$app" "$@"
  echo "docs/window-$size.png"
}

window 1600x1000 --page slice --select model.layers.0.self_attn.q_proj.weight "$demo"
window 800x600 --page values --select model.layers.0.mlp.down_proj.weight "$demo"

# A float original against its FP8 quantization: the SQNR map and the selected pair's dequantized histograms.
/usr/bin/python3 scripts/make-quant-demo.py "$demo" "$work/fp8"
shot quantized-diff --compare "$demo" --page heatmap "$work/fp8"
# The quantization's own overview: logical parameters beside the stored elements per dtype, a weight folded.
shot quantized-overview --page overview --select model.layers.1.mlp.down_proj.weight "$work/fp8"
