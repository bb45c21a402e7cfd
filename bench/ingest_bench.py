#!/usr/bin/env python3
"""bench/ingest_bench.py - remote-write ingest, side by side (bench/README.md, part 2).

Starts vigil, VictoriaMetrics and Prometheus (remote-write receiver) on
127.0.0.1 with their data under one work directory, and feeds them the same
pre-encoded remote-write requests (bench/ingest_load, data in
bench/ingest_gen.hpp): the stream is split into PARTS parts in time order, and
each part goes to each system in turn (vigil, VictoriaMetrics, Prometheus,
vigil, ...). After a system's turn the driver waits until that system is idle
(its own CPU use below 10 % of a core, at most --settle seconds), so its
background work (merges) does not run into the next system's turn. One more
part of the same size then goes to each system at a steady rate, half of
vigil's peak samples/s (ingest_load's send_paced): latency under a load the
server carries.

Then it checks that every system stored every sample: per metric name,
sum(count_over_time({__name__="m"}[W])) at one instant T must equal
series x scrapes (T and T - W lie at x.5 s, where no sample is, so the count is
exact; VictoriaMetrics gets nocache=1), and count({__name__=~".+"}) must equal
the series count. Then each system's flush: VictoriaMetrics
/internal/force_flush + /internal/force_merge until no merge runs and its data
size is stable; Prometheus has none (its data dir holds the WAL and the head's
memory-mapped chunks; an admin-API snapshot shows the head as a block); vigil
is stopped with SIGTERM, then `vigil compact` rewrites its shards densely
(open chunks sealed, full B-tree pages, no free pages; the figures while
running and after SIGTERM are printed too). Disk = allocated bytes (du) of
each data directory.
Then each system is restarted on its data in turn and timed to ready and to a
correct count() of every series.

It prints one table: samples/s (samples / seconds spent sending), request
latency p50/p99, CPU-seconds per million samples (utime+stime of the server
while it was sent to, and including the settle time after), peak RSS (VmHWM
after the last part, before any query), disk bytes per sample, and vigil's
ratios; then the steady-rate latencies, the restart times and the targets.
Exit status 1 when a request failed or a system lost samples.
Stdlib only.
"""
import argparse
import glob
import json
import math
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
SYSTEMS = ("vigil", "victoriametrics", "prometheus")
# INGEST_SCALE: hosts (212 series each), scrapes per series (15 s), parts.
SCALES = {
    # (+ one part of steps / parts scrapes at half vigil's peak rate, run_parts)
    "small": dict(hosts=96, steps=160, parts=4),    # 20,352 series, 3.26 M samples (+ 0.81 M)
    "large": dict(hosts=960, steps=256, parts=5),   # 203,520 series, 52.1 M samples (+ 10.4 M)
    # Longer series (5 h of scrapes): the index matters less per sample, as for
    # series that live for days.
    "long": dict(hosts=24, steps=1200, parts=4),    # 5,088 series, 6.1 M samples (+ 1.5 M)
}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, data=None, timeout=60):
    with urllib.request.urlopen(urllib.request.Request(url, data=data), timeout=timeout) as r:
        return r.read()


def wait_http(url, what, proc, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with status {proc.returncode} while starting")
        try:
            http(url, timeout=2)
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"timeout waiting for {what} ({url})")


def cpu_seconds(pid):
    """utime + stime of pid; NaN once it has exited."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError):
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime, stime


def rss_parts_mib(pid):
    """(anonymous, file-backed) resident MiB now: a store that maps its data
    files (vigil's LMDB) has them in RSS as page cache; one that read()s
    them (VictoriaMetrics, Prometheus' blocks) does not."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    out[line.split(":")[0]] = int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return out.get("RssAnon", float("nan")), out.get("RssFile", float("nan"))


def peak_rss_mib(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (FileNotFoundError, ProcessLookupError):
        pass
    return float("nan")


def du(path):
    """(allocated, apparent) bytes of the files below path, as du does."""
    alloc = apparent = 0
    for root, _, files in os.walk(path):
        for name in files:
            try:
                st = os.lstat(os.path.join(root, name))
            except FileNotFoundError:
                continue
            alloc += st.st_blocks * 512
            apparent += st.st_size
    return alloc, apparent


def percentile(xs, q):
    """Nearest-rank percentile of a sorted list."""
    if not xs:
        return float("nan")
    return xs[min(len(xs) - 1, max(0, math.ceil(q / 100 * len(xs)) - 1))]


class Procs:
    """Processes we started; stopped by PID (TERM, then KILL after a bounded wait)."""

    def __init__(self, work):
        self.work, self.procs = work, []

    def start(self, name, argv, **kw):
        logf = open(os.path.join(self.work, name + ".log"), "wb")
        p = subprocess.Popen(argv, stdout=kw.pop("stdout", logf), stderr=logf, **kw)
        self.procs.append(p)
        return p

    def stop(self, p, timeout=30):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(timeout)
            except subprocess.TimeoutExpired:
                log(f"pid {p.pid} did not stop within {timeout} s: killed")
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p, 10)


class Loader:
    """bench/ingest_load --control: one command, one JSON line back (bounded wait)."""

    def __init__(self, procs, argv):
        self.p = procs.start("ingest_load", [*argv, "--control"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.p.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def cmd(self, line, timeout):
        self.p.stdin.write((line + "\n").encode())
        self.p.stdin.flush()
        try:
            out = self.lines.get(timeout=timeout)
        except queue.Empty:
            raise RuntimeError(f"ingest_load: no answer to {line!r} within {timeout} s") from None
        if out is None:
            raise RuntimeError(f"ingest_load exited (status {self.p.poll()}); see ingest_load.log")
        return json.loads(out)


# ---------------------------------------------------------------- the systems

class System:
    def __init__(self, name, proc, base, data, write_path, query_extra=None, argv=None, ready=None):
        self.name, self.proc, self.base, self.data = name, proc, base, data
        self.argv, self.ready = argv, ready  # to restart it the same way
        self.write_url = base + write_path
        self.query_extra = query_extra or {}
        self.r = dict(samples=0, seconds=0.0, requests=0, failures=0, first_error="", latency_us=[],
                      cpu_send=0.0, cpu_settle=0.0, settle_s=[], part_rate=[])

    def query(self, expr, t):
        params = urllib.parse.urlencode({"query": expr, "time": f"{t:.3f}", **self.query_extra})
        body = json.loads(http(f"{self.base}/api/v1/query?{params}", timeout=180))
        if body.get("status") != "success":
            raise RuntimeError(f"{self.name}: {expr}: {body}")
        res = body["data"]["result"]
        return int(float(res[0]["value"][1])) if res else 0


def start_systems(procs, work, vigil_bin, series, fsync="always", shards=0):
    systems = []
    port = free_port()
    cfg = os.path.join(work, "vigil.yaml")
    with open(cfg, "w") as f:
        f.write("query:\n  timeout: 120s   # the count check reads every sample; as Prometheus' 2m\n"
                "limits:\n  ingest_rate_per_service: 0   # the peers have no per-service rate limit\n"
                f"storage:\n  fsync: {fsync}\n" + (f"  shards: {shards}\n" if shards else ""))
    argv = [vigil_bin, "serve", "--config", cfg, "--data-dir", os.path.join(work, "vigil"),
            "--http-listen", f"127.0.0.1:{port}"]
    p = procs.start("vigil", argv)
    systems.append(System("vigil", p, f"http://127.0.0.1:{port}", os.path.join(work, "vigil"), "/api/v1/write",
                          argv=argv, ready="/-/ready"))
    wait_http(systems[-1].base + "/-/ready", "vigil", p)

    port = free_port()
    data = os.path.join(work, "vm")
    argv = ["victoria-metrics", f"-storageDataPath={data}", f"-httpListenAddr=127.0.0.1:{port}", "-retentionPeriod=10y",
            # only so that the check's count() may see every series (default 300,000)
            f"-search.maxUniqueTimeseries={max(300000, 2 * series)}"]
    p = procs.start("victoriametrics", argv)
    systems.append(System("victoriametrics", p, f"http://127.0.0.1:{port}", data, "/api/v1/write",
                          {"nocache": "1"}, argv=argv, ready="/health"))
    wait_http(systems[-1].base + "/health", "victoriametrics", p)

    port = free_port()
    data = os.path.join(work, "prom")
    pcfg = os.path.join(work, "prometheus.yml")
    with open(pcfg, "w") as f:
        f.write("global:\n  scrape_interval: 15s\n")
    argv = ["prometheus", f"--config.file={pcfg}", "--web.enable-remote-write-receiver", "--web.enable-admin-api",
            f"--storage.tsdb.path={data}", "--storage.tsdb.retention.time=10y", f"--web.listen-address=127.0.0.1:{port}"]
    p = procs.start("prometheus", argv)
    systems.append(System("prometheus", p, f"http://127.0.0.1:{port}", data, "/api/v1/write", argv=argv,
                          ready="/-/ready"))
    wait_http(systems[-1].base + "/-/ready", "prometheus", p)
    return systems


def settle(pid, limit):
    """Waits until pid uses < 10 % of a core over 0.5 s (at most `limit` s);
    returns the seconds waited."""
    t0 = time.time()
    last = cpu_seconds(pid)
    while time.time() - t0 < limit:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if not now - last >= 0.05:  # idle, or exited (NaN)
            break
        last = now
    return time.time() - t0


def send_to(s, loader, cmd, a, lpid):
    """One part to one system; returns (loader's answer, system CPU while sending, while settling, settle s, loader CPU)."""
    pid = s.proc.pid
    c0, l0 = cpu_seconds(pid), cpu_seconds(lpid)
    r = loader.cmd(cmd, timeout=a.send_timeout)
    c1, l1 = cpu_seconds(pid), cpu_seconds(lpid)
    waited = settle(pid, a.settle)
    c2 = cpu_seconds(pid)
    return r, c1 - c0, c2 - c1, waited, l1 - l0


def run_parts(systems, loader, desc, a):
    """The peak parts (as fast as each system takes them), then one part at
    half of vigil's peak rate to every system (latency at a steady load)."""
    lpid = loader.p.pid
    sender_cpu = 0.0
    peak_parts = desc["parts"] - 1
    for k in range(desc["parts"]):
        info = loader.cmd("next", timeout=600)
        if info.get("error"):
            raise RuntimeError(f"ingest_load: {info['error']}")
        paced = k == peak_parts
        if paced:
            v = systems[0].r
            rate = 0.5 * v["samples"] / max(v["seconds"], 1e-9)
        row = []
        for s in systems:
            cmd = f"send_paced {rate:.0f} {s.write_url}" if paced else "send " + s.write_url
            r, cpu_send, cpu_settle, waited, lcpu = send_to(s, loader, cmd, a, lpid)
            sender_cpu += lcpu
            s.r["failures"] += r["failures"]
            if r["failures"] and not s.r["first_error"]:
                s.r["first_error"] = r["first_error"]
            s.r["settle_s"].append(round(waited, 1))
            got = r["samples"] / max(r["seconds"], 1e-9)
            if paced:
                s.r["paced"] = dict(rate_target=r["rate_target"], rate=got, samples=r["samples"],
                                    latency_us=r["latency_us"], late_ms=r["late_ms"], cpu=cpu_send)
                row.append(f"{s.name} {got / 1e3:,.0f}k/s")
                continue
            s.r["samples"] += r["samples"]
            s.r["seconds"] += r["seconds"]
            s.r["requests"] += r["requests"]
            s.r["latency_us"] += r["latency_us"]
            s.r["cpu_send"] += cpu_send
            s.r["cpu_settle"] += cpu_settle
            s.r["part_rate"].append(got)
            row.append(f"{s.name} {got / 1e3:,.0f}k/s" + (f" ({r['failures']} FAILED)" if r["failures"] else ""))
        what = f"paced part at {rate / 1e3:,.0f}k samples/s (half vigil's peak)" if paced else \
            f"part {k + 1}/{peak_parts}"
        log(f"  {what} ({info['samples']:,} samples, {info['requests']} requests): " + ", ".join(row))
    for s in systems:
        s.r["peak_rss_mib"] = peak_rss_mib(s.proc.pid)
        s.r["rss_anon_mib"], s.r["rss_file_mib"] = rss_parts_mib(s.proc.pid)
    return sender_cpu


def check_counts(systems, desc):
    """Every sample of every metric name, and every series, in every system."""
    t = (desc["end_ms"] + 500) / 1000  # x.5 s: no sample there
    window = math.ceil((desc["end_ms"] + 500 - desc["min_time_ms"]) / 1000) + 1  # left end at x.5 s too
    steps = desc["steps"]
    ok = True
    for s in systems:
        lost = []
        stored = 0
        try:
            for name, n in sorted(desc["series_per_name"].items()):
                got = s.query(f'sum(count_over_time({{__name__="{name}"}}[{window}s]))', t)
                stored += got
                if got != n * steps:
                    lost.append(f"{name}: {got} of {n * steps}")
            series = s.query('count({__name__=~".+"})', t)
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            ok = False
            s.r["check"] = f"CHECK FAILED: {e}" + exited(s)
            log(f"  {s.name}: {s.r['check']}")
            continue
        s.r["stored_samples"], s.r["stored_series"] = stored, series
        if lost or series != desc["series"]:
            ok = False
            s.r["check"] = f"{stored:,} of {desc['samples']:,} samples, {series:,} of {desc['series']:,} series"
            log(f"  {s.name}: INCOMPLETE: {s.r['check']}; " + "; ".join(lost[:5]))
        else:
            s.r["check"] = "ok"
            log(f"  {s.name}: {stored:,} samples, {series:,} series: ok")
    return ok


def vm_metrics(base):
    out = {}
    for line in http(base + "/metrics", timeout=30).decode().splitlines():
        m = re.match(r'^(vm_active_merges|vm_active_force_merges|vm_data_size_bytes)(\{[^}]*\})? (\S+)', line)
        if m:
            out[m.group(1)] = out.get(m.group(1), 0) + float(m.group(3))
    return out


def exited(s):
    return f" ({s.name} exited with status {s.proc.returncode})" if s.proc.poll() is not None else ""


def flush_and_measure(procs, systems, a):
    for s in systems:
        s.r.update(disk=float("nan"), disk_apparent=float("nan"))
        try:
            flush_one(procs, s, a)
        except (OSError, RuntimeError, ValueError, KeyError) as e:
            log(f"  {s.name}: flush or disk measurement failed: {e}{exited(s)}")


def flush_one(procs, s, a):
    if s.name == "victoriametrics":
        http(s.base + "/internal/force_merge", timeout=60)
        deadline, last, stable = time.time() + a.merge_timeout, None, 0
        while time.time() < deadline and stable < 3:
            time.sleep(1)
            m = vm_metrics(s.base)
            busy = m.get("vm_active_merges", 0) + m.get("vm_active_force_merges", 0)
            stable = stable + 1 if busy == 0 and m.get("vm_data_size_bytes") == last else 0
            last = m.get("vm_data_size_bytes")
        if stable < 3:
            log(f"  victoriametrics: merges still running after {a.merge_timeout} s; measuring anyway")
        s.r["disk"], s.r["disk_apparent"] = du(s.data)
    elif s.name == "prometheus":
        s.r["disk"], s.r["disk_apparent"] = du(s.data)
        s.r["disk_parts"] = {d: du(os.path.join(s.data, d))[0] for d in ("wal", "chunks_head")}
        snap = json.loads(http(s.base + "/api/v1/admin/tsdb/snapshot", data=b"", timeout=a.merge_timeout))
        sdir = os.path.join(s.data, "snapshots", snap["data"]["name"])
        s.r["disk_block"] = du(sdir)[0]
        shutil.rmtree(sdir, ignore_errors=True)
    else:
        s.r["disk_running"] = du(s.data)[0]
        procs.stop(s.proc, timeout=120)
        s.r["disk_sigterm"] = du(s.data)[0]
        # vigil's force_merge: `vigil compact` (offline) seals open chunks and
        # rewrites every shard with full pages and no free pages.
        cfg = s.argv[s.argv.index("--config") + 1]
        t0 = time.time()
        out = subprocess.run([s.argv[0], "compact", "--config", cfg, "--data-dir", s.data],
                             capture_output=True, text=True, timeout=a.merge_timeout)
        s.r["compact_s"] = time.time() - t0
        if out.returncode != 0:
            raise RuntimeError(f"vigil compact failed: {out.stderr.strip()[-300:]}")
        s.r["disk"], s.r["disk_apparent"] = du(s.data)


def restart_all(procs, systems, desc, timeout=600):
    """Stops each system (vigil already is), starts it again on its data and
    times how long until it is ready and until it answers count() of every
    series correctly; one system at a time."""
    t = (desc["end_ms"] + 500) / 1000
    for s in systems:
        procs.stop(s.proc, timeout=120)
    for s in systems:
        try:
            t0 = time.time()
            s.proc = procs.start(s.name + "-restart", s.argv)
            wait_http(s.base + s.ready, s.name + " (restart)", s.proc, timeout=timeout)
            s.r["restart_ready_s"] = time.time() - t0
            deadline = t0 + timeout
            while True:
                try:
                    got = s.query('count({__name__=~".+"})', t)
                except (OSError, RuntimeError, ValueError, KeyError):
                    got = None
                if got == desc["series"] or time.time() > deadline:
                    break
                time.sleep(0.05)
            s.r["restart_query_s"] = time.time() - t0
            s.r["restart_check"] = "ok" if got == desc["series"] else f"count() said {got} of {desc['series']} series"
        except (OSError, RuntimeError) as e:
            s.r["restart_check"] = f"RESTART FAILED: {e}"
            s.r.setdefault("restart_ready_s", float("nan"))
        finally:
            procs.stop(s.proc, timeout=120)
        log(f"  {s.name}: ready after {s.r['restart_ready_s']:.2f} s, every series after "
            f"{s.r.get('restart_query_s', float('nan')):.2f} s: {s.r['restart_check']}")


def vigil_metric_sum(base, name):
    text = http(base + "/metrics", timeout=60).decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name + "{") or line.startswith(name + " "))


def cold_phase(procs, s, desc, work, shards=0, timeout=1800):
    """vigil again, configured to move every chunk to the cold tier
    (storage.cold.after 1s): waits until the moves are done, checks the
    count, restarts it (the open compacts the emptied data.mdb files) timing
    ready and a correct count, and measures the data directory."""
    cfg = os.path.join(work, "vigil-cold.yaml")
    with open(cfg, "w") as f:
        f.write("query:\n  timeout: 120s\nlimits:\n  ingest_rate_per_service: 0\n"
                "storage:\n  compact_min_mb: 1\n  cold: {after: 1s, every: 1s}\n" +
                (f"  shards: {shards}\n" if shards else "") + "retention:\n  interval: 1s\n")
    argv = [a if a != s.argv[s.argv.index("--config") + 1] else cfg for a in s.argv]
    t = (desc["end_ms"] + 500) / 1000
    try:
        s.proc = procs.start("vigil-cold", argv)
        wait_http(s.base + s.ready, "vigil (cold)", s.proc, timeout=timeout)
        t0, last, stable = time.time(), None, 0
        while stable < 3 and time.time() - t0 < timeout:
            time.sleep(1)
            cur = (vigil_metric_sum(s.base, "vigil_storage_cold_moved_records_total"),
                   vigil_metric_sum(s.base, "vigil_storage_chunks"))
            stable = stable + 1 if cur == last and cur[0] > 0 else 0
            last = cur
        s.r["cold_move_s"] = time.time() - t0
        s.r["cold_hot_chunks_left"] = last[1] if last else float("nan")
        s.r["cold_check"] = "ok" if s.query('count({__name__=~".+"})', t) == desc["series"] else "COUNT WRONG"
        procs.stop(s.proc, timeout=120)
        t0 = time.time()
        s.proc = procs.start("vigil-cold-restart", argv)
        wait_http(s.base + s.ready, "vigil (cold restart)", s.proc, timeout=timeout)
        s.r["cold_restart_ready_s"] = time.time() - t0
        while s.query('count({__name__=~".+"})', t) != desc["series"] and time.time() - t0 < timeout:
            time.sleep(0.05)
        s.r["cold_restart_query_s"] = time.time() - t0
        procs.stop(s.proc, timeout=120)
        s.r["disk_cold"], _ = du(s.data)
        s.r["disk_cold_segments"] = sum(du(d)[0] for d in glob.glob(os.path.join(s.data, "shard-*", "cold")))
    except (OSError, RuntimeError, ValueError, KeyError) as e:
        s.r["cold_check"] = f"COLD PHASE FAILED: {e}"
        procs.stop(s.proc, timeout=120)
    log(f"  vigil cold tier: moves done after {s.r.get('cold_move_s', float('nan')):.1f} s, "
        f"{s.r.get('cold_hot_chunks_left', float('nan')):.0f} hot chunk records left; restart ready after "
        f"{s.r.get('cold_restart_ready_s', float('nan')):.2f} s, every series after "
        f"{s.r.get('cold_restart_query_s', float('nan')):.2f} s: {s.r.get('cold_check')}")


# ---------------------------------------------------------------- report

def ratio(a, b):
    return a / b if b else float("nan")


def print_table(systems, desc, sender_cpu, all_ok):
    n = desc["samples"]
    print(f"{'system':<16}{'samples/s':>12}{'p50 ms':>9}{'p99 ms':>9}{'CPU-s/M':>9}{'+settle':>9}"
          f"{'peak RSS MiB':>14}{'disk B/sample':>15}  check")
    vals = {}
    for s in systems:
        r = s.r
        lat = sorted(r["latency_us"])
        m = max(r["samples"], 1)  # the peak parts' samples (the paced part's CPU is reported below)
        v = dict(rate=r["samples"] / max(r["seconds"], 1e-9), p50=percentile(lat, 50) / 1e3, p99=percentile(lat, 99) / 1e3,
                 cpu=r["cpu_send"] / m * 1e6, cpu_all=(r["cpu_send"] + r["cpu_settle"]) / m * 1e6,
                 rss=r["peak_rss_mib"], disk=r["disk"] / n)
        vals[s.name] = v
        r["figures"] = v
        print(f"{s.name:<16}{v['rate']:>12,.0f}{v['p50']:>9.1f}{v['p99']:>9.1f}{v['cpu']:>9.2f}{v['cpu_all']:>9.2f}"
              f"{v['rss']:>14,.0f}{v['disk']:>15.2f}  {r['check']}"
              + (f"; {r['failures']} requests FAILED: {r['first_error'][:200]}" if r["failures"] else ""))
    v = vals["vigil"]
    for peer in ("victoriametrics", "prometheus"):
        p = vals[peer]
        label = "vigil/" + ("VM" if peer == "victoriametrics" else "prom")
        print(f"{label:<16}{ratio(v['rate'], p['rate']):>11.2f}x{ratio(v['p50'], p['p50']):>8.2f}x"
              f"{ratio(v['p99'], p['p99']):>8.2f}x{ratio(v['cpu'], p['cpu']):>8.2f}x"
              f"{ratio(v['cpu_all'], p['cpu_all']):>8.2f}x{ratio(v['rss'], p['rss']):>13.2f}x"
              f"{ratio(v['disk'], p['disk']):>14.2f}x")
    print("(vigil / peer: above 1 is better for samples/s, below 1 for the rest)")
    by = {s.name: s for s in systems}
    pr, nan = by["prometheus"].r, float("nan")
    parts = pr.get("disk_parts", {})
    print(f"prometheus disk = WAL {parts.get('wal', nan) / n:.2f} + head chunks "
          f"{parts.get('chunks_head', nan) / n:.2f} B/sample (no block yet: the head is compacted once it spans"
          f" 3 h); the head as a block (admin snapshot): {pr.get('disk_block', nan) / n:.2f} B/sample"
          f" (vigil/that: {ratio(v['disk'], pr.get('disk_block', nan) / n):.2f}x)")
    vr = by["vigil"].r
    print(f"vigil disk: {vr.get('disk_running', nan) / n:.2f} B/sample while running, "
          f"{vr.get('disk_sigterm', nan) / n:.2f} after SIGTERM, {vr['disk'] / n:.2f} after `vigil compact` "
          f"({vr.get('compact_s', nan):.1f} s; the table's figure, as VictoriaMetrics' is after force_merge); "
          f"sender: {sender_cpu / (3 * n) * 1e6:.2f} CPU-s/M samples")
    print("resident after the last part, MiB (anonymous / file-backed, e.g. mapped data files): " + "; ".join(
        f"{s.name} {s.r.get('rss_anon_mib', nan):,.0f} / {s.r.get('rss_file_mib', nan):,.0f}" for s in systems))
    print("steady load, the same rate to each (half of vigil's peak samples/s), one part:")
    print(f"  {'system':<16}{'target/s':>10}{'got/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}{'CPU-s/M':>9}"
          f"{'late ms':>9}")
    for s in systems:
        pc = s.r.get("paced")
        if not pc:
            continue
        lat = sorted(pc["latency_us"])
        pc["p50_ms"], pc["p99_ms"] = percentile(lat, 50) / 1e3, percentile(lat, 99) / 1e3
        print(f"  {s.name:<16}{pc['rate_target']:>10,.0f}{pc['rate']:>10,.0f}{pc['p50_ms']:>9.1f}{pc['p99_ms']:>9.1f}"
              f"{(lat[-1] / 1e3 if lat else nan):>9.1f}{pc['cpu'] / max(pc['samples'], 1) * 1e6:>9.2f}"
              f"{pc['late_ms']:>9.1f}")
    restarts = [s for s in systems if "restart_ready_s" in s.r]
    if restarts:
        print(f"restart on the data above ({n:,} samples, {desc['series']:,} series): seconds from start to ready /"
              " to a correct count() of every series")
        for s in restarts:
            r = s.r
            print(f"  {s.name:<16}{r['restart_ready_s']:>8.2f}{r.get('restart_query_s', nan):>8.2f}  "
                  f"{r.get('restart_check', '')}")
    print("per part, k samples/s: " + "; ".join(
        f"{s.name} " + " ".join(f"{x / 1e3:,.0f}" for x in s.r["part_rate"]) for s in systems))
    print("settle after each turn, s: " + "; ".join(
        f"{s.name} " + " ".join(str(x) for x in s.r["settle_s"]) for s in systems))
    if "disk_cold" in vr:
        vm_disk = vals["victoriametrics"]["disk"]
        print(f"vigil with every sample in the cold tier (storage.cold.after 1s; data.mdb compacted at the restart): "
              f"{vr['disk_cold'] / n:.2f} B/sample, of which segments {vr['disk_cold_segments'] / n:.2f}; "
              f"vigil/VM {ratio(vr['disk_cold'] / n, vm_disk):.2f}x; moved in {vr.get('cold_move_s', nan):.0f} s; "
              f"restart ready {vr.get('cold_restart_ready_s', nan):.2f} s, correct count after "
              f"{vr.get('cold_restart_query_s', nan):.2f} s ({vr.get('cold_check')})")
    vm = vals["victoriametrics"]
    vp = by["vigil"].r.get("paced", {})
    t = [("ingest >= 1.5x VM", ratio(v["rate"], vm["rate"]) >= 1.5, f"{ratio(v['rate'], vm['rate']):.2f}x"),
         ("p99 at half peak < 10 ms", vp.get("p99_ms", nan) < 10, f"{vp.get('p99_ms', nan):.1f} ms"),
         ("restart ready < 2 s", vr.get("restart_ready_s", nan) < 2, f"{vr.get('restart_ready_s', nan):.2f} s"),
         ("disk <= 0.8x VM", ratio(v["disk"], vm["disk"]) <= 0.8, f"{ratio(v['disk'], vm['disk']):.2f}x"),
         ("peak RSS <= VM", v["rss"] <= vm["rss"], f"{ratio(v['rss'], vm['rss']):.2f}x")]
    print("targets (issue 5): " + "; ".join(f"{name}: {'ok' if met else 'miss'} ({x})" for name, met, x in t)
          + ("" if all_ok else "; RUN FAILED (lost samples or failed requests)"))


def run(a, scale, work, procs):
    """The whole benchmark; True when every request succeeded and every sample was stored."""
    # The scale's parts at peak rate, then one more part of the same size at
    # half of vigil's peak rate (run_parts).
    steps = scale["steps"] + scale["steps"] // scale["parts"]
    loader = Loader(procs, [a.load, "--hosts", str(scale["hosts"]), "--steps", str(steps),
                            "--parts", str(scale["parts"] + 1), "--conns", str(a.conns),
                            "--hosts-per-request", str(a.hosts_per_request), "--seed", str(a.seed)])
    desc = loader.cmd("describe", timeout=120)
    systems = start_systems(procs, work, a.vigil, desc["series"], a.vigil_fsync, a.vigil_shards)
    log(f"ingest ({a.scale}): {desc['hosts']} hosts x 212 series = {desc['series']:,} series, "
        f"{desc['steps']} scrapes each (15 s) = {desc['samples']:,} samples; requests of "
        f"{desc['hosts_per_request']} hosts (~{desc['samples'] // (desc['steps'] * desc['batches']):,} samples); "
        f"{desc['parts'] - 1} parts as fast as each takes them and one at half vigil's peak rate, each part to "
        f"{', '.join(SYSTEMS)} in turn; {a.conns} connections")
    sender_cpu = run_parts(systems, loader, desc, a)
    procs.stop(loader.p, 10)
    sent_ok = all(s.r["failures"] == 0 for s in systems)
    vm = next(s for s in systems if s.name == "victoriametrics")
    try:
        http(vm.base + "/internal/force_flush", timeout=120)
    except OSError as e:
        log(f"  victoriametrics: force_flush failed: {e}{exited(vm)}")
    log("check: sum(count_over_time) per metric name, count of series")
    ok = check_counts(systems, desc) and sent_ok
    log("flush: VictoriaMetrics force_merge; Prometheus snapshot; vigil SIGTERM + vigil compact")
    flush_and_measure(procs, systems, a)
    log("restart: each system in turn on its data, timed to ready and to a correct count()")
    restart_all(procs, systems, desc)
    log("cold tier: vigil moves every chunk into cold segments (storage.cold.after 1s), then restarts")
    cold_phase(procs, next(s for s in systems if s.name == "vigil"), desc, work, a.vigil_shards)
    print_table(systems, desc, sender_cpu, ok)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"describe": {k: v for k, v in desc.items() if k != "series_per_name"},
                       "systems": {s.name: {k: v for k, v in s.r.items() if k != "latency_us"} for s in systems}},
                      f, indent=1)
    return ok


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True, help="vigil binary")
    ap.add_argument("--load", required=True, help="bench/ingest_load binary")
    ap.add_argument("--scale", default=os.environ.get("INGEST_SCALE", "small"), choices=sorted(SCALES))
    ap.add_argument("--hosts", type=int, help="override the scale's hosts (212 series each)")
    ap.add_argument("--steps", type=int, help="override the scale's scrapes per series")
    ap.add_argument("--parts", type=int, help="override the scale's parts (repetitions of the alternation)")
    ap.add_argument("--conns", type=int, default=4, help="concurrent connections per system")
    ap.add_argument("--vigil-fsync", default="always", choices=("always", "never"),
                    help="vigil's storage.fsync: always (default: every acknowledged write fsynced) or never "
                         "(acknowledged = committed, flushed every second: what the peers' durability compares to)")
    ap.add_argument("--vigil-shards", type=int, default=0,
                    help="vigil's storage.shards (default: its configured default)")
    ap.add_argument("--hosts-per-request", type=int, default=10, help="hosts per request (~212 samples each)")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--settle", type=float, default=30, help="max seconds to wait for a system to go idle")
    ap.add_argument("--send-timeout", type=float, default=1800, help="max seconds for one part to one system")
    ap.add_argument("--merge-timeout", type=float, default=600, help="max seconds for VM's merge / Prom's snapshot")
    ap.add_argument("--work", help="work directory (default: a new temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory (data and logs)")
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args()
    scale = dict(SCALES[a.scale])
    for k in ("hosts", "steps", "parts"):
        if getattr(a, k):
            scale[k] = getattr(a, k)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = a.work or tempfile.mkdtemp(prefix="vigil-ingest-bench.")
    os.makedirs(work, exist_ok=True)
    procs = Procs(work)
    ok = False
    try:
        ok = run(a, scale, work, procs)
    except Exception as e:  # noqa: BLE001 - report what failed, keep the logs
        log(f"ingest benchmark failed: {e}")
        ok = False
    finally:
        procs.stop_all()
        a.keep = a.keep or (not ok and not a.work)  # keep a failed run's logs (a caller's --work: its call)
        if a.keep:
            log(f"data and logs kept in {work}")
        elif a.work:  # the caller removes it; free the disk now, keep the logs
            for d in ("vigil", "vm", "prom"):
                shutil.rmtree(os.path.join(work, d), ignore_errors=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
