"""Real clients: a real Prometheus (Debian package) scrapes its own /metrics
and remote-writes to vigil; the samples are queryable in vigil, and promtool
`query instant` and `query range` against vigil print correct results."""
import math
import os
import shutil
import subprocess
import time

from harness import free_port, request, run, wait_until


def test(env):
    prom_bin = shutil.which("prometheus")
    promtool = shutil.which("promtool")
    assert prom_bin and promtool, "the Debian package 'prometheus' is required (make deps installs it)"
    node = env.node().start()
    pport = free_port()
    cfg = os.path.join(env.dir, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(f"""
global:
  scrape_interval: 1s
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: ["127.0.0.1:{pport}"]
remote_write:
  - url: {node.url}/api/v1/write
    queue_config:
      batch_send_deadline: 1s
      min_backoff: 100ms
""")
    log = open(os.path.join(env.dir, "prometheus.log"), "wb")
    env.spawn([prom_bin, f"--config.file={cfg}", f"--storage.tsdb.path={env.dir}/prom-data",
               f"--web.listen-address=127.0.0.1:{pport}"], stdout=log, stderr=subprocess.STDOUT)

    def arrived():
        r = node.query('up{job="prometheus"}')
        res = r.json()["data"]["result"]
        return res if res and res[0]["value"][1] == "1" else None

    wait_until(arrived, 60, "remote-written 'up' in vigil", interval=0.5)
    wait_until(lambda: int(node.query("count(prometheus_build_info)").json()["data"]["result"][0]["value"][1]) == 1,
               30, "prometheus_build_info in vigil", interval=0.5)

    # promtool query instant against vigil.
    out = subprocess.run([promtool, "query", "instant", node.url, 'up{job="prometheus"}'],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert f'up{{instance="127.0.0.1:{pport}", job="prometheus"}} => 1' in out.stdout, out.stdout

    # promtool query range: every point of up is 1, and counters never decrease.
    # The end is rounded up: the only scrape so far may lie within the last
    # second, and a range whose last step is before it is legitimately empty.
    end = math.ceil(time.time()) + 1
    out = subprocess.run([promtool, "query", "range", f"--start={end - 30}", f"--end={end}",
                          "--step=5s", node.url, 'up{job="prometheus"}'],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "1 @[" in out.stdout and "0 @[" not in out.stdout, out.stdout

    # Compare an instant query with vigil's own API answer.
    r = node.query('prometheus_tsdb_head_series{job="prometheus"}')
    val = r.json()["data"]["result"][0]["value"][1]
    out = subprocess.run([promtool, "query", "instant", node.url, 'prometheus_tsdb_head_series{job="prometheus"}'],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and f"=> {val} @[" in out.stdout, (val, out.stdout, out.stderr)

    # promtool series / labels work too.
    out = subprocess.run([promtool, "query", "labels", node.url, "job"], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0 and "prometheus" in out.stdout, (out.stdout, out.stderr)


run(test)
