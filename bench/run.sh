#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - runs vigil's benchmarks on this machine:
#  1. Google Benchmarks of the codecs and the store (bench/*_bench),
#  2. remote-write ingest into one node of vigil, Prometheus (remote-write
#     receiver) and VictoriaMetrics, side by side, with vigil's ratios.
# Everything listens on 127.0.0.1 and is stopped (by PID) at the end.
set -euo pipefail
BUILD=${1:-build}
SERIES=${SERIES:-20000}
ROUNDS=${ROUNDS:-40}
CONNS=${CONNS:-4}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y -q "${need[@]}" >/dev/null
fi

if [ -z "${SKIP_MICRO:-}" ]; then
  echo "== codec and store micro-benchmarks"
  for b in "$BUILD"/bench/*_bench; do
    if [ -x "$b" ]; then "$b" --benchmark_min_time=0.2; fi
  done
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 200); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done; echo "timeout: $1" >&2; return 1; }

echo "== remote-write ingest: $SERIES series x $ROUNDS rounds, $CONNS connections"
vp=$(free_port); "$BUILD/cli/vigil" serve --data-dir "$work/vigil" --http-listen 127.0.0.1:$vp >"$work/vigil.log" 2>&1 & pids+=($!)
pp=$(free_port); prometheus --config.file=/dev/null --web.enable-remote-write-receiver \
  --storage.tsdb.path="$work/prom" --web.listen-address=127.0.0.1:$pp >"$work/prom.log" 2>&1 & pids+=($!)
mp=$(free_port); victoria-metrics -storageDataPath="$work/vm" -httpListenAddr=127.0.0.1:$mp >"$work/vm.log" 2>&1 & pids+=($!)
wait_http http://127.0.0.1:$vp/-/ready; wait_http http://127.0.0.1:$pp/-/ready; wait_http http://127.0.0.1:$mp/health

load="$BUILD/bench/remote_write_load"
v=$("$load" http://127.0.0.1:$vp/api/v1/write "$SERIES" "$ROUNDS" "$CONNS")
p=$("$load" http://127.0.0.1:$pp/api/v1/write "$SERIES" "$ROUNDS" "$CONNS")
m=$("$load" http://127.0.0.1:$mp/api/v1/write "$SERIES" "$ROUNDS" "$CONNS")
python3 - "$v" "$p" "$m" <<'PY'
import json, sys
v, p, m = (json.loads(a) for a in sys.argv[1:4])
print(f"{'system':<16}{'samples/s':>14}{'failures':>10}")
for name, r in (("vigil", v), ("prometheus", p), ("victoriametrics", m)):
    print(f"{name:<16}{r['samples_per_second']:>14,.0f}{r['failures']:>10}")
print(f"vigil / prometheus = {v['samples_per_second'] / p['samples_per_second']:.2f}x, "
      f"vigil / victoriametrics = {v['samples_per_second'] / m['samples_per_second']:.2f}x")
PY
