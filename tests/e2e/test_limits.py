"""Cardinality limits: a metric whose label values explode gets a 400 that
names the metric and the label that blew up; series already known keep
ingesting, other metrics are unaffected, and /metrics counts the rejects."""
import shutil
import subprocess
import time

from harness import wait_until, run

CONFIG = """
storage:
  shards: 8
limits:
  max_series_per_metric: 64
"""


def test(env):
    node = env.node(config=CONFIG).start()
    ok = node.push_json([{"name": "steady", "value": 1, "labels": {"job": "shop", "instance": str(i)}}
                         for i in range(10)])
    assert ok.status == 200, ok.body
    r = node.push_json([{"name": "logins", "value": 1, "labels": {"job": "shop", "user_id": f"u{i}"}}
                        for i in range(200)])
    assert r.status == 400, r.body
    err = r.json()["error"]
    assert 'metric "logins" reached its limit' in err, err
    assert 'label "user_id" has the most values' in err, err
    assert "samples of new series were rejected" in err, err
    stored = int(node.query("count(logins)").json()["data"]["result"][0]["value"][1])
    assert 56 <= stored <= 88, stored  # each of the 8 shards admits ceil(1.25 * 64 / 8) + 1 = 11
    # The admitted series and other metrics keep ingesting.
    again = node.push_json([{"name": "steady", "value": 2, "labels": {"job": "shop", "instance": "0"}}])
    assert again.status == 200, again.body
    metrics = node.get("/metrics").body.decode()
    line = next(l for l in metrics.splitlines() if l.startswith("vigil_ingest_limited_samples_total"))
    assert int(float(line.split()[-1])) == 200 - stored, line
    # 300 scrapes of one counter: the head seals two 120-sample chunks, so
    # the codec's compression shows in /metrics.
    t0 = int(time.time() * 1000) - 300 * 15000
    sealed = node.push_json([{"name": "ticks_total", "value": 5 * k, "labels": {"job": "clock"},
                              "timestamp": t0 + 15000 * k} for k in range(300)])
    assert sealed.status == 200, sealed.body
    metrics = node.get("/metrics").body.decode()
    sealed_samples = sum(int(l.split()[-1]) for l in metrics.splitlines()
                         if l.startswith("vigil_storage_sealed_samples_total{"))
    assert sealed_samples >= 240, sealed_samples
    ratio = next(l for l in metrics.splitlines() if l.startswith("vigil_storage_compression_ratio "))
    assert float(ratio.split()[-1]) > 4, ratio  # a regular counter packs far below 4 bytes a sample
    # Storage self-metrics: per-shard series add up, commits are timed, and
    # the whole exposition passes promtool's linter.
    series = sum(int(l.split()[-1]) for l in metrics.splitlines() if l.startswith("vigil_storage_series{"))
    assert series == 10 + stored + 1, (series, stored)
    count = next(l for l in metrics.splitlines() if l.startswith("vigil_storage_commit_duration_seconds_count"))
    assert int(count.split()[-1]) >= 2, count
    assert 'vigil_storage_commit_duration_seconds_bucket{le="+Inf"}' in metrics
    # The head's log: samples wait in it for a checkpoint, which a pause in
    # writes brings within a couple of seconds; afterwards none is held.
    def storage_sum(text, name):
        return sum(int(l.split()[-1]) for l in text.splitlines() if l.startswith(name + "{"))

    def checkpointed():
        text = node.get("/metrics").body.decode()
        return storage_sum(text, "vigil_storage_checkpoints_total") > 0 and \
            storage_sum(text, "vigil_storage_unflushed_samples") == 0

    wait_until(checkpointed, 15, "a checkpoint after writes paused", interval=0.2)
    promtool = shutil.which("promtool")
    assert promtool, "promtool (Debian package prometheus) is required"
    lint = subprocess.run([promtool, "check", "metrics"], input=metrics, capture_output=True, text=True, timeout=30)
    assert lint.returncode == 0, lint.stdout + lint.stderr


run(test)
