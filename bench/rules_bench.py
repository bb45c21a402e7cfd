#!/usr/bin/env python3
"""bench/rules_bench.py - alerting at scale, side by side (bench/README.md, part 4).

rules: the same seeded dataset and the same N alerting rules (default 10,000,
in groups of 50, every 15 s) in vigil, in Prometheus and in vmalert over
VictoriaMetrics, one system at a time. For each: evaluation latency per group
round (p50/p99/max), rounds evaluated vs. expected, missed rounds, failed
evaluations, CPU use (cores) and peak RSS while evaluating, and the number of
pending/firing alerts (a sanity check that all three evaluate the same rules
over the same data).

notify: notification throughput through vigil's persistent outbox to a local
webhook receiver (one notification per alert: group_by ['...']), and the same
number of alerts pushed into Alertmanager (Debian: prometheus-alertmanager)
with the same route, when it is installed: notifications/s and per CPU-second.

Every process listens on 127.0.0.1 (free ports), keeps its data under a
temporary directory and is stopped by PID. Stdlib only.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CLK_TCK = os.sysconf("SC_CLK_TCK")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http(url, data=None, ctype=None, method=None, timeout=60):
    req = urllib.request.Request(url, data=data, method=method)
    if ctype:
        req.add_header("Content-Type", ctype)
    with urllib.request.urlopen(req, timeout=timeout) as r:
        return r.read()


def wait_http(url, what, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            http(url, timeout=2)
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.1)
    raise RuntimeError(f"timeout waiting for {what} ({url})")


def cpu_seconds(pids):
    total = 0
    for p in pids:
        with open(f"/proc/{p}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK_TCK


def peak_rss_mb(pids):
    total = 0
    for p in pids:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
    return total / 1024


class Procs:
    """Processes we started; stopped by PID (TERM, then KILL after 10 s)."""

    def __init__(self, work):
        self.work, self.procs = work, []

    def start(self, name, argv):
        logf = open(os.path.join(self.work, name + ".log"), "wb")
        p = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.remove(p)

    def stop_all(self):
        for p in list(self.procs):
            self.stop(p)


# ---------------------------------------------------------------- metrics text

SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def scrape(url):
    """{(name, frozenset(labels)): value} of a Prometheus text exposition."""
    out = {}
    for line in http(url, timeout=30).decode().splitlines():
        if not line or line[0] == "#":
            continue
        m = SAMPLE.match(line)
        if not m:
            continue
        lbls = frozenset(LABEL.findall(m.group(3) or ""))
        try:
            out[(m.group(1), lbls)] = float(m.group(4))
        except ValueError:
            pass
    return out


def per_group(metrics, name, group_label):
    """{group: value} of one metric family, summed over other labels."""
    out = {}
    for (n, lbls), v in metrics.items():
        if n != name:
            continue
        g = dict(lbls).get(group_label)
        if g is not None:
            out[g] = out.get(g, 0.0) + v
    return out


def total(metrics, name):
    return sum(v for (n, _), v in metrics.items() if n == name)


# Per system: how to read (iterations, summed duration) per group, missed
# rounds and failed evaluations from its own /metrics.
SYSTEMS = {
    "vigil": dict(group="rule_group", iters="vigil_rule_group_iterations_total",
                  last="vigil_rule_group_last_duration_seconds",
                  missed="vigil_rule_group_missed_iterations_total",
                  failed="vigil_rule_evaluation_failures_total"),
    "prometheus": dict(group="rule_group", iters="prometheus_rule_group_iterations_total",
                       last="prometheus_rule_group_last_duration_seconds",
                       missed="prometheus_rule_group_iterations_missed_total",
                       failed="prometheus_rule_evaluation_failures_total"),
    "vmalert": dict(group="group", iters="vmalert_iteration_duration_seconds_count",
                    sum="vmalert_iteration_duration_seconds_sum",
                    missed="vmalert_iteration_missed_total",
                    failed="vmalert_execution_errors_total"),
}


def measure(name, metrics_url, pids, rounds, interval, groups):
    """Polls /metrics through `rounds` intervals; one duration per group round."""
    spec = SYSTEMS[name]
    durations, iters0 = [], None
    prev_iters, prev_sum = {}, {}
    m0 = scrape(metrics_url)
    cpu0, t0 = cpu_seconds(pids), time.time()
    deadline = t0 + rounds * interval
    m = m0
    while True:
        iters = per_group(m, spec["iters"], spec["group"])
        if iters0 is None:
            iters0 = dict(iters)
        if "sum" in spec:
            sums = per_group(m, spec["sum"], spec["group"])
        else:
            last = per_group(m, spec["last"], spec["group"])
        for g, n in iters.items():
            dn = n - prev_iters.get(g, n)
            if dn > 0:
                if "sum" in spec:
                    d = (sums.get(g, 0) - prev_sum.get(g, 0)) / dn
                else:
                    d = last.get(g, 0)
                durations.append(d)
            prev_iters[g] = n
            if "sum" in spec:
                prev_sum[g] = sums.get(g, 0)
        if time.time() >= deadline:
            break
        time.sleep(min(2.0, max(0.0, deadline - time.time())))
        m = scrape(metrics_url)
    cpu1, t1 = cpu_seconds(pids), time.time()
    iters1 = per_group(m, spec["iters"], spec["group"])
    done = sum(iters1.get(g, 0) - iters0.get(g, 0) for g in iters1)
    return {
        "system": name,
        "groups_seen": len(iters1),
        "rounds_expected": groups * (t1 - t0) / interval,
        "rounds_done": done,
        "missed": total(m, spec["missed"]) - total(m0, spec["missed"]),
        "failed": total(m, spec["failed"]) - total(m0, spec["failed"]),
        "durations": durations,
        "cpu_cores": (cpu1 - cpu0) / (t1 - t0),
        "cpu_seconds": cpu1 - cpu0,
        "window_s": t1 - t0,
        "rss_mb": peak_rss_mb(pids),
    }


def alert_counts(api_url):
    try:
        d = json.loads(http(api_url + "/api/v1/alerts", timeout=60))
    except Exception as e:  # noqa: BLE001 - report, do not fail the run
        return f"? ({e})"
    states = {}
    for a in d["data"]["alerts"]:
        states[a["state"]] = states.get(a["state"], 0) + 1
    return states


# ---------------------------------------------------------------- rules

def make_rules(n, group_size, interval, jobs, instances, seed):
    """N alerting rules over the bench dataset, deterministic for a seed."""
    rnd = random.Random(seed)
    insts = [(j, f"10.{ji}.{i}.1:8080") for ji, j in enumerate(jobs) for i in range(instances)]
    templates = [
        lambda j, i, t: (f'rate(http_requests_total{{job="{j}",instance="{i}",status=~"5.."}}[5m]) > {t:.3f}', 0.05),
        lambda j, i, t: (f'sum by (job) (rate(http_requests_total{{job="{j}",status=~"5.."}}[5m])) / '
                         f'sum by (job) (rate(http_requests_total{{job="{j}"}}[5m])) > {t:.4f}', 0.01),
        lambda j, i, t: (f'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket'
                         f'{{job="{j}",instance="{i}"}}[5m]))) > {t:.3f}', 2.0),
        lambda j, i, t: (f'1 - avg by (instance) (rate(node_cpu_seconds_total{{mode="idle",instance="{i}"}}[5m])) '
                         f'> {t:.3f}', 0.5),
        lambda j, i, t: (f'node_memory_MemAvailable_bytes{{instance="{i}"}} / '
                         f'node_memory_MemTotal_bytes{{instance="{i}"}} < {t:.3f}', 0.5),
        lambda j, i, t: (f'up{{job="{j}",instance="{i}"}} == 0', 0),
        lambda j, i, t: (f'increase(http_requests_total{{job="{j}",instance="{i}",status="404"}}[10m]) > {t:.1f}',
                         50),
        lambda j, i, t: (f'rate(http_request_duration_seconds_sum{{instance="{i}"}}[5m]) / '
                         f'rate(http_request_duration_seconds_count{{instance="{i}"}}[5m]) > {t:.3f}', 0.3),
    ]
    groups, cur = [], None
    for k in range(n):
        if k % group_size == 0:
            cur = {"name": f"bench-{k // group_size:04d}", "interval": f"{interval}s", "rules": []}
            groups.append(cur)
        j, i = insts[rnd.randrange(len(insts))]
        tmpl = templates[k % len(templates)]
        _, base = tmpl(j, i, 0)
        expr, _ = tmpl(j, i, base * rnd.uniform(0.2, 2.0))
        cur["rules"].append({
            "alert": f"Bench{k:05d}",
            "expr": expr,
            "for": rnd.choice(["0s", "30s", "1m"]),
            "labels": {"severity": rnd.choice(["page", "ticket"])},
            "annotations": {"summary": "{{ $labels.instance }} at {{ $value }}"},
        })
    return groups


def rules_yaml(groups):
    """YAML (as JSON flow values, which YAML accepts) of a rule file."""
    out = ["groups:"]
    for g in groups:
        out.append(f"  - name: {json.dumps(g['name'])}")
        out.append(f"    interval: {g['interval']}")
        out.append("    rules:")
        for r in g["rules"]:
            out.append(f"      - alert: {r['alert']}")
            out.append(f"        expr: {json.dumps(r['expr'])}")
            out.append(f"        for: {r['for']}")
            out.append(f"        labels: {json.dumps(r['labels'])}")
            out.append(f"        annotations: {json.dumps(r['annotations'])}")
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------- receiver

class Receiver:
    """An in-process HTTP receiver that counts webhook posts and the alerts in
    them (Alertmanager webhook JSON: {"alerts": [...]}), with arrival times."""

    def __init__(self):
        self.lock = threading.Lock()
        self.posts, self.alerts, self.first, self.last = 0, 0, None, None
        outer = self

        class H(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                try:
                    n = len(json.loads(body).get("alerts", []))
                except (ValueError, AttributeError):
                    n = 0
                now = time.time()
                with outer.lock:
                    outer.posts += 1
                    outer.alerts += n
                    outer.first = outer.first or now
                    outer.last = now
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *a):
                pass

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.srv.daemon_threads = True
        self.port = self.srv.server_address[1]
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()

    def reset(self):
        with self.lock:
            self.posts, self.alerts, self.first, self.last = 0, 0, None, None

    def close(self):
        self.srv.shutdown()


def wait_posts(recv, want, pids, timeout):
    """Waits until `want` posts arrived; CPU-seconds from the first to the last."""
    deadline = time.time() + timeout
    cpu_first = None
    while time.time() < deadline:
        with recv.lock:
            posts, first = recv.posts, recv.first
        if first is not None and cpu_first is None:
            cpu_first = cpu_seconds(pids)
        if posts >= want:
            break
        time.sleep(0.05)
    cpu_last = cpu_seconds(pids)
    with recv.lock:
        span = (recv.last - recv.first) if recv.first else 0
        return recv.posts, recv.alerts, span, cpu_last - (cpu_first or cpu_last)


# ---------------------------------------------------------------- main

def percentile(xs, q):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vigil", required=True)
    ap.add_argument("--load-dataset", required=True)
    ap.add_argument("--rules", type=int, default=10000)
    ap.add_argument("--group-size", type=int, default=50)
    ap.add_argument("--interval", type=int, default=15)
    ap.add_argument("--rounds", type=int, default=8, help="measured rounds per system")
    ap.add_argument("--warmup", type=int, default=2, help="rounds before measuring")
    ap.add_argument("--jobs", type=int, default=4)
    ap.add_argument("--instances", type=int, default=5)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--systems", default="vigil,prometheus,vmalert")
    ap.add_argument("--notify", type=int, default=2000, help="alerts for the notification part (0: skip)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--json", help="write the figures to this file")
    a = ap.parse_args()

    work = tempfile.mkdtemp(prefix="vigil-rules-bench.")
    procs = Procs(work)
    recv = Receiver()
    results, notify = [], []
    ok = True
    try:
        # The data reaches 20 minutes into the future, so every rule sees a
        # full 5-10 minute window ("live" data) during the whole run.
        end_ms = (int(time.time()) + 1200) // 15 * 15 * 1000
        ds = ["--jobs", str(a.jobs), "--instances", str(a.instances), "--hours", "1", "--seed", str(a.seed),
              "--end-ms", str(end_ms)]
        desc = json.loads(subprocess.check_output([a.load_dataset, *ds, "--describe"]))
        job_names = None
        groups = None
        rule_file = os.path.join(work, "rules.yml")
        n_groups = (a.rules + a.group_size - 1) // a.group_size
        log(f"rules: {a.rules} alerting rules in {n_groups} groups every {a.interval}s over "
            f"{desc['series']} series ({a.jobs} jobs x {a.instances} instances), {a.rounds} rounds per system")

        def load(url):
            out = subprocess.run([a.load_dataset, *ds, "--conns", "2", url], capture_output=True, text=True,
                                 timeout=600)
            if out.returncode != 0:
                raise RuntimeError(f"loading {url} failed: {out.stderr.strip()[:500]}")

        def ensure_rules(api):
            nonlocal job_names, groups
            if groups is None:
                job_names = json.loads(http(api + "/api/v1/label/job/values"))["data"]
                assert len(job_names) == a.jobs, job_names
                groups = make_rules(a.rules, a.group_size, a.interval, sorted(job_names), a.instances, a.seed)
                with open(rule_file, "w") as f:
                    f.write(rules_yaml(groups))

        def wait_count(api, what):
            deadline = time.time() + 120
            while time.time() < deadline:
                try:
                    r = json.loads(http(api + "/api/v1/query?" + urllib.parse.urlencode(
                        {"query": "count({__name__=~\".+\"})", "time": end_ms / 1000})))
                    res = r["data"]["result"]
                    if res and int(float(res[0]["value"][1])) >= desc["series"]:
                        return
                except (urllib.error.URLError, OSError, KeyError, ValueError):
                    pass
                time.sleep(0.5)
            raise RuntimeError(f"{what} did not show all {desc['series']} series")

        def report(name, metrics_url, api, pids):
            time.sleep(a.warmup * a.interval)
            r = measure(name, metrics_url, pids, a.rounds, a.interval, n_groups)
            r["alerts"] = alert_counts(api)
            results.append(r)
            d = r["durations"]
            log(f"  {name}: rounds {r['rounds_done']:.0f}/{r['rounds_expected']:.0f}, missed {r['missed']:.0f}, "
                f"failed evals {r['failed']:.0f}, round p50 {percentile(d, 0.5) * 1000:.1f} ms, "
                f"p99 {percentile(d, 0.99) * 1000:.1f} ms, CPU {r['cpu_cores']:.2f} cores, alerts {r['alerts']}")

        systems = [x for x in a.systems.split(",") if x]
        for name in systems:
            log(f"== {name}")
            if name == "vigil":
                port = free_port()
                cfg = os.path.join(work, "vigil.yaml")
                with open(cfg, "w") as f:
                    # No per-service ingest rate limit: the peers have none.
                    f.write("http:\n  max_body_bytes: 67108864\nlimits:\n  ingest_rate_per_service: 0\n")
                p = procs.start("vigil", [a.vigil, "serve", "--config", cfg, "--data-dir",
                                          os.path.join(work, "vigil-data"), "--http-listen", f"127.0.0.1:{port}"])
                api = f"http://127.0.0.1:{port}"
                wait_http(api + "/-/ready", "vigil")
                load(api + "/api/v1/write")
                wait_count(api, "vigil")
                ensure_rules(api)
                with open(rule_file, "rb") as f:
                    http(api + "/v1/alerts/rules", f.read(), "application/yaml", timeout=300)
                report(name, api + "/metrics", api, [p.pid])
                procs.stop(p)
            elif name == "prometheus":
                port = free_port()
                cfg = os.path.join(work, "prometheus.yml")
                with open(cfg, "w") as f:
                    f.write(f"global:\n  evaluation_interval: {a.interval}s\n")
                p = procs.start("prometheus", [
                    "prometheus", f"--config.file={cfg}", "--web.enable-remote-write-receiver",
                    "--web.enable-lifecycle", f"--storage.tsdb.path={work}/prom-data",
                    f"--web.listen-address=127.0.0.1:{port}"])
                api = f"http://127.0.0.1:{port}"
                wait_http(api + "/-/ready", "prometheus")
                load(api + "/api/v1/write")
                wait_count(api, "prometheus")
                ensure_rules(api)
                with open(cfg, "w") as f:
                    f.write(f"global:\n  evaluation_interval: {a.interval}s\nrule_files: [{json.dumps(rule_file)}]\n")
                http(api + "/-/reload", b"", method="POST", timeout=300)
                report(name, api + "/metrics", api, [p.pid])
                procs.stop(p)
            elif name == "vmalert":
                mport, aport = free_port(), free_port()
                vm = procs.start("victoria-metrics", [
                    "victoria-metrics", f"-storageDataPath={work}/vm-data", f"-httpListenAddr=127.0.0.1:{mport}",
                    "-retentionPeriod=10y", "-search.disableCache"])
                vm_api = f"http://127.0.0.1:{mport}"
                wait_http(vm_api + "/health", "victoria-metrics")
                load(vm_api + "/api/v1/write")
                http(vm_api + "/internal/force_flush")
                wait_count(vm_api, "victoria-metrics")
                ensure_rules(vm_api)
                va = procs.start("vmalert", [
                    "vmalert", f"-rule={rule_file}", f"-datasource.url={vm_api}", f"-remoteWrite.url={vm_api}",
                    f"-notifier.url=http://127.0.0.1:{recv.port}", f"-evaluationInterval={a.interval}s",
                    f"-httpListenAddr=127.0.0.1:{aport}"])
                api = f"http://127.0.0.1:{aport}"
                wait_http(api + "/-/healthy", "vmalert", timeout=120)
                report(name, api + "/metrics", api, [va.pid, vm.pid])
                procs.stop(va)
                procs.stop(vm)
            else:
                raise SystemExit(f"unknown system {name}")

        # ------------------------------------------------------------ notify
        if a.notify > 0:
            log(f"== notify: {a.notify} alerts, one webhook notification each")
            notify = run_notify(a, work, procs, recv, ds, load, wait_count, desc)
    except Exception as e:  # noqa: BLE001 - report what failed, keep the logs
        log(f"rules benchmark failed: {e}")
        ok = False
        a.keep = True
    finally:
        procs.stop_all()
        recv.close()
        if a.keep:
            log(f"work directory kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    print_tables(results, notify, a)
    if a.json:
        with open(a.json, "w") as f:
            json.dump({"rules": results, "notify": notify}, f, indent=1)
    for r in results:
        if r["failed"] > 0:
            ok = False
    return 0 if ok else 1


def run_notify(a, work, procs, recv, ds, load, wait_count, desc):
    """vigil: a rule set whose alerts fire at once, one notification per alert
    through the outbox to the receiver; Alertmanager: the same number of alerts
    posted to its API with the same route."""
    out = []
    n = a.notify
    # Rules over the per-series metrics: each (job, instance, cpu, mode)
    # series of node_cpu_seconds_total is one alert; several alert names to
    # reach n.
    per_rule = a.jobs * a.instances * 32
    k = (n + per_rule - 1) // per_rule
    n = k * per_rule
    rules = ["groups:", "  - name: notify-bench", "    interval: 5s", "    rules:"]
    for i in range(k):
        rules += [f"      - alert: Notify{i:03d}", "        expr: node_cpu_seconds_total >= 0",
                  "        annotations: {summary: \"{{ $labels.instance }} cpu {{ $labels.cpu }}\"}"]
    recv.reset()
    port = free_port()
    cfg = os.path.join(work, "vigil-notify.yaml")
    with open(cfg, "w") as f:
        f.write(f"""alerting:
  channels:
    hook: {{type: webhook, url: "http://127.0.0.1:{recv.port}/hook"}}
  route:
    receiver: hook
    group_by: ['...']
    group_wait: 1s
    group_interval: 5m
    repeat_interval: 4h
""")
    p = procs.start("vigil-notify", [a.vigil, "serve", "--config", cfg, "--data-dir",
                                     os.path.join(work, "vigil-notify-data"), "--http-listen", f"127.0.0.1:{port}"])
    api = f"http://127.0.0.1:{port}"
    wait_http(api + "/-/ready", "vigil")
    load(api + "/api/v1/write")
    wait_count(api, "vigil")
    http(api + "/v1/alerts/rules", ("\n".join(rules) + "\n").encode(), "application/yaml", timeout=60)
    posts, alerts, span, cpu = wait_posts(recv, n, [p.pid], timeout=600)
    out.append({"system": "vigil", "alerts": n, "posts": posts, "alerts_received": alerts, "span_s": span,
                "cpu_seconds": cpu, "rss_mb": peak_rss_mb([p.pid])})
    log(f"  vigil: {posts}/{n} notifications in {span:.1f} s, {cpu:.2f} CPU-s")
    procs.stop(p)

    am = shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")
    if not am:
        log("  alertmanager: not installed (Debian: prometheus-alertmanager); skipped")
        return out
    recv.reset()
    aport, cport = free_port(), free_port()
    cfg = os.path.join(work, "alertmanager.yml")
    with open(cfg, "w") as f:
        f.write(f"""route:
  receiver: hook
  group_by: ['...']
  group_wait: 1s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: hook
    webhook_configs:
      - url: "http://127.0.0.1:{recv.port}/hook"
        send_resolved: false
""")
    p = procs.start("alertmanager", [am, f"--config.file={cfg}", f"--storage.path={work}/am-data",
                                     f"--web.listen-address=127.0.0.1:{aport}",
                                     f"--cluster.listen-address="])
    api = f"http://127.0.0.1:{aport}"
    wait_http(api + "/-/ready", "alertmanager")
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    batch = []
    for i in range(n):
        batch.append({"labels": {"alertname": f"Notify{i // per_rule:03d}", "series": str(i % per_rule)},
                      "annotations": {"summary": f"series {i}"}, "startsAt": now})
    for i in range(0, n, 500):
        http(api + "/api/v2/alerts", json.dumps(batch[i:i + 500]).encode(), "application/json")
    posts, alerts, span, cpu = wait_posts(recv, n, [p.pid], timeout=600)
    out.append({"system": "alertmanager", "alerts": n, "posts": posts, "alerts_received": alerts, "span_s": span,
                "cpu_seconds": cpu, "rss_mb": peak_rss_mb([p.pid])})
    log(f"  alertmanager: {posts}/{n} notifications in {span:.1f} s, {cpu:.2f} CPU-s")
    procs.stop(p)
    return out


def print_tables(results, notify, a):
    if results:
        print(f"rule evaluation: {a.rules} alerting rules, groups of {a.group_size}, every {a.interval} s, "
              f"{a.rounds} rounds measured per system")
        print(f"{'system':<12}{'rounds':>13}{'missed':>8}{'failed':>8}{'p50 ms':>9}{'p99 ms':>9}{'max ms':>9}"
              f"{'CPU cores':>11}{'RSS MB':>8}  alerts (pending/firing)")
        for r in results:
            d = r["durations"]
            al = r["alerts"]
            alerts = f"{al.get('pending', 0)}/{al.get('firing', 0)}" if isinstance(al, dict) else str(al)
            print(f"{r['system']:<12}{r['rounds_done']:>6.0f}/{r['rounds_expected']:<6.0f}{r['missed']:>8.0f}"
                  f"{r['failed']:>8.0f}{percentile(d, 0.5) * 1000:>9.1f}{percentile(d, 0.99) * 1000:>9.1f}"
                  f"{(max(d) if d else float('nan')) * 1000:>9.1f}{r['cpu_cores']:>11.2f}{r['rss_mb']:>8.0f}  {alerts}")
        v = next((r for r in results if r["system"] == "vigil"), None)
        for r in results:
            if v and r is not v and r["cpu_cores"] > 0 and v["durations"] and r["durations"]:
                print(f"vigil / {r['system']}: CPU {v['cpu_cores'] / r['cpu_cores']:.2f}x, round p50 "
                      f"{percentile(v['durations'], 0.5) / max(1e-9, percentile(r['durations'], 0.5)):.2f}x, p99 "
                      f"{percentile(v['durations'], 0.99) / max(1e-9, percentile(r['durations'], 0.99)):.2f}x")
    if notify:
        print()
        print("notification throughput (webhook, one notification per alert)")
        print(f"{'system':<14}{'delivered':>12}{'seconds':>9}{'per s':>9}{'CPU-s':>8}{'per CPU-s':>11}{'RSS MB':>8}")
        for r in notify:
            rate = r["posts"] / r["span_s"] if r["span_s"] > 0 else float("nan")
            per_cpu = r["posts"] / r["cpu_seconds"] if r["cpu_seconds"] > 0 else float("nan")
            print(f"{r['system']:<14}{r['posts']:>6}/{r['alerts']:<5}{r['span_s']:>9.1f}{rate:>9.0f}"
                  f"{r['cpu_seconds']:>8.2f}{per_cpu:>11.0f}{r['rss_mb']:>8.0f}")


if __name__ == "__main__":
    sys.exit(main())
