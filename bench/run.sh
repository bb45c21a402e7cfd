#!/usr/bin/env bash
# bench/run.sh BUILD_DIR - runs vigil's benchmarks on this machine (see
# bench/README.md):
#  1. micro:  Google Benchmarks of the codecs and the store (bench/*_bench);
#  2. ingest: the same pre-encoded remote-write requests into vigil,
#             VictoriaMetrics and Prometheus (remote-write receiver), in
#             alternating parts; every sample checked; throughput, latency,
#             CPU, RSS and disk per sample, with vigil's ratios
#             (bench/ingest_bench.py, INGEST_SCALE=small|large);
#  3. query:  the same seeded 24 h dataset (bench/load_dataset) loaded into
#             all three; their answers to a fixed set of dashboard queries
#             compared; cold and warm latency per query (bench/query_bench.py).
#  4. rules:  10,000 alerting rules over the same kind of data in vigil,
#             Prometheus and vmalert + VictoriaMetrics, one at a time; then
#             notification throughput of vigil's outbox vs Alertmanager
#             (bench/rules_bench.py).
# Skip a part with SKIP_MICRO=1, SKIP_INGEST=1, SKIP_QUERY=1 or SKIP_RULES=1.
# Everything listens on 127.0.0.1 (free ports), keeps its data in a temporary
# directory (KEEP_WORK=1 keeps it, with the servers' logs), and is stopped by
# PID at the end; every wait is bounded.
# Exit status: non-zero when a part failed (a load error, vigil's answers
# differing from Prometheus'); missed targets are reported, not fatal.
set -euo pipefail
BUILD=${1:-build}
# Part 2: INGEST_SCALE small (default: 20,352 series, 3.3 M samples, ~1 min)
# | large (203,520 series, 52.1 M samples); INGEST_HOSTS / INGEST_STEPS /
# INGEST_PARTS override it (212 series per host, 15 s scrapes).
INGEST_SCALE=${INGEST_SCALE:-small}
CONNS=${CONNS:-4}
# Part 3: BENCH_SCALE small (default, 1,420 series) | medium (6,816) | large
# (28,400); JOBS / INSTANCES override it. 24 h at 15 s = 5,800 samples per series.
case "${BENCH_SCALE:-small}" in
  small) jobs=4; instances=5 ;;
  medium) jobs=8; instances=12 ;;
  large) jobs=10; instances=40 ;;
  *) echo "BENCH_SCALE must be small, medium or large" >&2; exit 2 ;;
esac
JOBS=${JOBS:-$jobs}
INSTANCES=${INSTANCES:-$instances}
HOURS=${HOURS:-24}
SEED=${SEED:-42}
REPS=${REPS:-20}
WARM=${WARM:-5}
LOAD_CONNS=${LOAD_CONNS:-2}

here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/vigil-bench.XXXXXX")
pids=()
rc=0

# Stops one process we started: SIGTERM, up to 10 s, then SIGKILL.
stop_pid() {
  kill "$1" 2>/dev/null || return 0
  for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}
stop_all() { for p in "${pids[@]}"; do stop_pid "$p"; done; pids=(); }
cleanup() {
  stop_all
  if [ -n "${KEEP_WORK:-}" ]; then echo "data and logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

for b in "$BUILD/cli/vigil" "$BUILD/bench/ingest_load" "$BUILD/bench/load_dataset"; do
  [ -x "$b" ] || { echo "missing $b: build first (ninja -C $BUILD vigil ingest_load load_dataset)" >&2; exit 2; }
done
need=()
command -v prometheus >/dev/null || need+=(prometheus)
command -v victoria-metrics >/dev/null || need+=(victoria-metrics)
command -v prometheus-alertmanager >/dev/null || need+=(prometheus-alertmanager)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get install -y -q "${need[@]}" >/dev/null
fi

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# wait_http URL LOG: up to 30 s for a 2xx; on timeout prints the log's tail.
wait_http() {
  for _ in $(seq 1 300); do curl -fs -m 2 "$1" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "timeout waiting for $1; last lines of $2:" >&2; tail -20 "$2" >&2; return 1
}

# wait_quiet MIN_S PID...: waits (at least MIN_S seconds, at most 300) until
# each process used under 3 % of a core over the last 5 s. After a load the
# systems still work in the background (VictoriaMetrics merges its parts;
# Prometheus, once a minute, compacts a head spanning 24 h into blocks), and
# queries measured meanwhile share the 2 cores with that work - in one run
# every system's instant queries took 1.4-4x as long as in the next.
wait_quiet() {
  python3 - "$@" <<'PY'
import os, sys, time
min_wait, pids = float(sys.argv[1]), [int(p) for p in sys.argv[2:]]
tck = os.sysconf("SC_CLK_TCK")
def cpu(p):
    f = open(f"/proc/{p}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tck
t0 = time.time()
while True:
    a = [cpu(p) for p in pids]
    time.sleep(5)
    busy = [(cpu(p) - x) / 5 for p, x in zip(pids, a)]
    if time.time() - t0 >= min_wait and max(busy) < 0.03:
        break
    if time.time() - t0 > 300:
        print("still busy after 300 s; measuring anyway")
        break
print(f"systems idle after {time.time() - t0:.0f} s (CPU over the last 5 s: {', '.join(f'{x:.1%}' for x in busy)})")
PY
}

# start_systems TAG: starts vigil, Prometheus and VictoriaMetrics with data in
# $work/TAG-*, waits until they are ready; sets vp, pp, mp (their ports).
start_systems() {
  local t=$1
  cat >"$work/vigil.yaml" <<EOF
query:
  timeout: 120s   # as Prometheus' default 2m: measure slow queries, do not cut them off
limits:
  ingest_rate_per_service: 0   # loading the dataset: the peers have no per-service rate limit
EOF
  printf 'global:\n  scrape_interval: 15s\n' >"$work/prometheus.yml"
  vp=$(free_port)
  "$BUILD/cli/vigil" serve --config "$work/vigil.yaml" --data-dir "$work/$t-vigil" --http-listen 127.0.0.1:$vp \
    >"$work/$t-vigil.log" 2>&1 & pids+=($!)
  pp=$(free_port)
  prometheus --config.file="$work/prometheus.yml" --web.enable-remote-write-receiver \
    --storage.tsdb.path="$work/$t-prom" --storage.tsdb.retention.time=10y \
    --web.listen-address=127.0.0.1:$pp >"$work/$t-prom.log" 2>&1 & pids+=($!)
  mp=$(free_port)
  victoria-metrics -storageDataPath="$work/$t-vm" -httpListenAddr=127.0.0.1:$mp -retentionPeriod=10y \
    >"$work/$t-vm.log" 2>&1 & pids+=($!)
  wait_http "http://127.0.0.1:$vp/-/ready" "$work/$t-vigil.log"
  wait_http "http://127.0.0.1:$pp/-/ready" "$work/$t-prom.log"
  wait_http "http://127.0.0.1:$mp/health" "$work/$t-vm.log"
}

echo "vigil: $BUILD/cli/vigil; $(prometheus --version 2>&1 | head -1);" \
  "victoria-metrics $(dpkg-query -W -f '${Version}' victoria-metrics 2>/dev/null || echo '?'); $(nproc) CPUs"

# ---------------------------------------------------------------- 1. micro
if [ -z "${SKIP_MICRO:-}" ]; then
  echo
  echo "== 1. codec and store micro-benchmarks"
  for b in "$BUILD"/bench/*_bench; do
    if [ -x "$b" ]; then "$b" --benchmark_min_time=0.2; fi
  done
fi

# ---------------------------------------------------------------- 2. ingest
if [ -z "${SKIP_INGEST:-}" ]; then
  echo
  echo "== 2. remote-write ingest ($INGEST_SCALE): vigil, VictoriaMetrics, Prometheus in alternating parts," \
    "$CONNS connections"
  # ingest_bench.py starts and stops (by PID) its own three servers, with
  # their data and logs in $work/ingest; every wait in it is bounded.
  python3 "$here/ingest_bench.py" --vigil "$BUILD/cli/vigil" --load "$BUILD/bench/ingest_load" \
    --scale "$INGEST_SCALE" --conns "$CONNS" --work "$work/ingest" \
    ${INGEST_HOSTS:+--hosts "$INGEST_HOSTS"} ${INGEST_STEPS:+--steps "$INGEST_STEPS"} \
    ${INGEST_PARTS:+--parts "$INGEST_PARTS"} ${BENCH_JSON:+--json "$BENCH_JSON.ingest"} ${KEEP_WORK:+--keep} || rc=1
fi

# ---------------------------------------------------------------- 3. query
if [ -z "${SKIP_QUERY:-}" ]; then
  # The data ends on a 5-minute boundary at least 5 minutes ago: every query
  # step divides it, and no system treats the newest points as "too recent"
  # (VictoriaMetrics' -search.latencyOffset, -search.cacheTimestampOffset).
  end_ms=$(( ($(date +%s) - 300) / 300 * 300 * 1000 ))
  ds=(--jobs "$JOBS" --instances "$INSTANCES" --hours "$HOURS" --seed "$SEED" --end-ms "$end_ms")
  desc=$("$BUILD/bench/load_dataset" "${ds[@]}" --describe)
  series=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["series"])' "$desc")
  samples=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["samples"])' "$desc")
  start_ms=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["start_ms"])' "$desc")
  echo
  echo "== 3. queries: $JOBS jobs x $INSTANCES instances, $HOURS h at 15 s: $series series, $samples samples (seed $SEED)"
  start_systems query
  systems=(vigil=http://127.0.0.1:$vp prometheus=http://127.0.0.1:$pp victoriametrics=http://127.0.0.1:$mp)
  # One system at a time, the same samples to each.
  loads=$("$BUILD/bench/load_dataset" "${ds[@]}" --conns "$LOAD_CONNS" \
    http://127.0.0.1:$vp/api/v1/write http://127.0.0.1:$pp/api/v1/write http://127.0.0.1:$mp/api/v1/write) || rc=1
  curl -fs -m 60 "http://127.0.0.1:$mp/internal/force_flush" >/dev/null || rc=1
  python3 - "$loads" <<'PY'
import json, sys
rows = [json.loads(l) for l in sys.argv[1].splitlines() if l.strip()]
print(f"{'load':<16}{'samples':>12}{'seconds':>9}{'samples/s':>12}{'failures':>10}")
for name, r in zip(("vigil", "prometheus", "victoriametrics"), rows):
    print(f"{name:<16}{r['samples']:>12}{r['seconds']:>9.1f}{r['samples_per_second']:>12,.0f}{r['failures']:>10}"
          + (f"  {r['first_error'][:200]}" if r['failures'] else ""))
PY
  if [ $rc = 0 ]; then
    python3 "$here/query_bench.py" wait --start-ms "$start_ms" --end-ms "$end_ms" --series "$series" --samples "$samples" \
      --timeout 300 "${systems[@]}" || rc=1
  fi
  if [ $rc = 0 ]; then
    # Prometheus looks at its head once a minute: 65 s covers its compaction.
    wait_quiet 65 "${pids[@]}"
    echo
    python3 "$here/query_bench.py" run --end-ms "$end_ms" --reps "$REPS" --warm "$WARM" \
      ${BENCH_JSON:+--json "$BENCH_JSON"} "${systems[@]}" || rc=1
  else
    echo "query benchmark skipped: the dataset did not load completely (KEEP_WORK=1 keeps the servers' logs)" >&2
  fi
  stop_all
fi
# ---------------------------------------------------------------- 4. rules
if [ -z "${SKIP_RULES:-}" ]; then
  echo
  echo "== 4. alerting rules: ${RULES:-10000} rules every 15 s; notification throughput"
  python3 "$here/rules_bench.py" --vigil "$BUILD/cli/vigil" --load-dataset "$BUILD/bench/load_dataset" \
    --rules "${RULES:-10000}" --rounds "${RULE_ROUNDS:-8}" --notify "${NOTIFY:-5000}" \
    ${BENCH_JSON:+--json "$BENCH_JSON.rules"} || rc=1
fi
exit $rc
