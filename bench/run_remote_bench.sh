#!/bin/bash
# Remote open of a 163-shard index (issue 17, "Performance"), all in one run against one local nginx:
#   safescope-cli validate hf://bench/deepseek (Hub API listing, the index, all 163 headers with many requests in
#   flight over kept-alive connections) against remote_peer.py (urllib, the index then 2 sequential Range requests
#   per shard), both whole processes, best of N; requests made and bytes sent read from nginx's access log.
# The checkpoint is DeepSeek-V3-sized (~92,000 tensors, 680 GB apparent) and sparse: only headers exist on disk.
#   bench/run_remote_bench.sh [BUILD_DIR] [DATA_DIR] [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${1:-$root/build/bench-remote}
data=${2:-$build/remote-data}
runs=${3:-5}
python=/usr/bin/python3

if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSAFESCOPE_BUILD_GUI=OFF \
        -DSAFESCOPE_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" -j2 --target bench_moe safescope-cli >/dev/null
cli="$build/app/cli/safescope-cli"

repo="$data/www/bench/deepseek/resolve/main"
if [ ! -f "$repo/model.safetensors.index.json" ]; then
    rm -rf "$data"
    mkdir -p "$(dirname "$repo")"
    "$build/bench/bench_moe" write "$repo" >/dev/null
fi
# The Hub API's listing, as huggingface_hub's model_info(files_metadata=True) reads it (no sha256: not needed here).
mkdir -p "$data/www/api/models/bench/deepseek/revision"
"$python" - "$repo" "$data/www/api/models/bench/deepseek/revision/main.json" <<'PY'
import json, os, sys
files = sorted(os.listdir(sys.argv[1]))
json.dump({"id": "bench/deepseek", "siblings": [{"rfilename": f} for f in files]}, open(sys.argv[2], "w"))
PY

port=$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$data/logs" "$data/tmp"
user=""
[ "$(id -u)" = 0 ] && user="user root;"
cat >"$data/nginx.conf" <<CONF
$user
worker_processes 1;
daemon off;
pid $data/nginx.pid;
error_log $data/logs/error.log warn;
events { worker_connections 1024; }
http {
  sendfile on;
  keepalive_requests 100000;
  client_body_temp_path $data/tmp/body;
  proxy_temp_path $data/tmp/proxy;
  fastcgi_temp_path $data/tmp/fastcgi;
  uwsgi_temp_path $data/tmp/uwsgi;
  scgi_temp_path $data/tmp/scgi;
  log_format bench '\$status \$body_bytes_sent \$bytes_sent "\$request"';
  access_log $data/logs/access.log bench;
  server {
    listen 127.0.0.1:$port;
    root $data/www;
    location /api/ { default_type application/json; try_files \$uri.json =404; }
  }
}
CONF
/usr/sbin/nginx -p "$data" -c "$data/nginx.conf" -e "$data/logs/error.log" &
nginx_pid=$!
trap 'kill $nginx_pid 2>/dev/null; wait $nginx_pid 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    "$python" -c "import socket; socket.create_connection(('127.0.0.1', $port))" 2>/dev/null && break
    sleep 0.05
done
endpoint="http://127.0.0.1:$port"
export HF_ENDPOINT=$endpoint
export SAFESCOPE_REMOTE_CACHE_DIR=$data/cache

best_ms() { # best wall time of $runs runs of the command, in ms
    local best=999999999 start stop us
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >/dev/null
        stop=$(date +%s%N)
        us=$(( (stop - start) / 1000 ))
        [ "$us" -lt "$best" ] && best=$us
    done
    awk -v us="$best" 'BEGIN { printf "%.1f", us / 1000 }'
}

traffic() { # requests and bytes of one run of the command, from the access log
    : >"$data/logs/access.log"
    "$@" >/dev/null
    sleep 0.2
    awk '{ n++; body += $2; all += $3 } END { printf "%d requests, %.2f MB of bodies, %.2f MB sent", n, body / 1e6, all / 1e6 }' \
        "$data/logs/access.log"
}

index_url="$endpoint/bench/deepseek/resolve/main/model.safetensors.index.json"
echo "== 163-shard index served by nginx on 127.0.0.1: $(du -h --apparent-size "$repo/model.safetensors.index.json" | cut -f1) index, $(ls "$repo"/*.safetensors | wc -l) shards =="
"$cli" validate hf://bench/deepseek | tail -1
echo "tensors read by the peer: $("$python" "$here/remote_peer.py" "$index_url")"
ours=$(best_ms "$cli" validate hf://bench/deepseek)
peer=$(best_ms "$python" "$here/remote_peer.py" "$index_url")
echo "safescope-cli validate hf://bench/deepseek: $ours ms best of $runs ($(traffic "$cli" validate hf://bench/deepseek))"
echo "python3 urllib, sequential ranges:          $peer ms best of $runs ($(traffic "$python" "$here/remote_peer.py" "$index_url"))"
awk -v a="$ours" -v b="$peer" 'BEGIN { printf "ratio: safescope is %.2fx faster than the urllib peer (target >= 3x)\n", b / a }'
