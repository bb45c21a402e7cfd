"""Cold tier: with storage.cold.after = 2h, chunks older than that move out of
the shards' LMDB files into segment files (data/shard-NNN/cold/seg-*.vcs)
while the node keeps serving. Queries over moved ranges answer exactly what
was written, before and after a restart; a late sample written into a moved
range wins over the moved value; `vigil backup` carries the segments and a
node started on the restored data directory answers the same."""
import glob
import os
import re
import subprocess
import time

from harness import request, run, wait_until

CONFIG = """
storage:
  cold: {after: 2h, every: 1s}
retention:
  interval: 1s
"""

SERIES = 30
STEP_MS = 60_000
POINTS = 8 * 60  # 8 h of history, ending 1 h ago


def metrics(node):
    text = request(node.url + "/metrics").body.decode()
    out = {}
    for line in text.splitlines():
        m = re.match(r'^(vigil_storage_[a-z_]+)\{shard="\d+"(?:,tier="(\w+)")?\} (\S+)$', line)
        if m:
            key = m.group(1) + (":" + m.group(2) if m.group(2) else "")
            out[key] = out.get(key, 0) + float(m.group(3))
    return out


def raw(node, at_ms, window="10h"):
    r = node.query(f"cold_m[{window}]", at_ms / 1000)
    assert r.status == 200, r.body
    return {s["metric"]["s"]: [(round(float(t) * 1000), float(v)) for t, v in s["values"]]
            for s in r.json()["data"]["result"]}


def test(env):
    node = env.node(config=CONFIG)
    node.start()
    now_ms = int(time.time() * 1000) // STEP_MS * STEP_MS
    start = now_ms - 9 * 3600_000
    written = {}
    for s in range(SERIES):
        pts = [(start + i * STEP_MS, float(s * 1000 + i) + (0.25 if s % 2 else 0)) for i in range(POINTS)]
        written[str(s)] = pts
        r = node.push_json([{"name": "cold_m", "value": v, "labels": {"s": str(s)}, "timestamp": t}
                            for t, v in pts])
        assert r.status == 200, r.body

    # The retention actors' cold passes run every second here; wait for them.
    wait_until(lambda: metrics(node).get("vigil_storage_cold_segments", 0) > 0, 60, "a cold segment", interval=0.5)
    wait_until(lambda: metrics(node).get("vigil_storage_cold_moved_records_total", 0) > 0, 30, "records moved")
    m = metrics(node)
    assert m["vigil_storage_bytes:cold"] > 0, m
    segs = glob.glob(os.path.join(node.data_dir, "shard-*", "cold", "seg-*.vcs"))
    assert segs, os.listdir(node.data_dir)

    at = now_ms
    assert raw(node, at) == written
    # A range inside the moved part only, and one across the cutoff.
    r = node.query('count_over_time(cold_m{s="3"}[2h])', (start + 3 * 3600_000) / 1000).json()["data"]["result"]
    assert int(r[0]["value"][1]) == 121, r  # both ends of the range included (Prometheus 2.x)
    r = node.query("sum(count_over_time(cold_m[10h]))", at / 1000).json()["data"]["result"]
    assert int(float(r[0]["value"][1])) == SERIES * POINTS, r
    # Series and label APIs over a cold-only time range.
    r = node.series("cold_m", (start + 60_000) / 1000, (start + 3600_000) / 1000).json()["data"]
    assert len(r) == SERIES, r

    # A late sample replacing a moved value, and one between moved samples.
    t_old = start + 10 * STEP_MS
    r = node.push_json([{"name": "cold_m", "value": -5.0, "labels": {"s": "7"}, "timestamp": t_old},
                        {"name": "cold_m", "value": -6.0, "labels": {"s": "7"}, "timestamp": t_old + 30_000}])
    assert r.status == 200, r.body
    pts = dict(written["7"])
    pts[t_old] = -5.0
    pts[t_old + 30_000] = -6.0
    written["7"] = sorted(pts.items())
    assert raw(node, at) == written

    # Restart: the segments are found again.
    node.stop()
    node.start()
    assert metrics(node).get("vigil_storage_cold_segments", 0) > 0
    assert raw(node, at) == written

    # Hot backup while the node runs; restore; a second node answers the same.
    bdir = os.path.join(env.dir, "backups")
    p = subprocess.run([env.args.vigil, "backup", "--to", bdir, "--data-dir", node.data_dir],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    restored = env.node("restored", config=CONFIG)
    p = subprocess.run([env.args.vigil, "restore", "--from", bdir, "--data-dir", restored.data_dir],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert glob.glob(os.path.join(restored.data_dir, "shard-*", "cold", "seg-*.vcs"))
    restored.start()
    assert raw(restored, at) == written
    restored.stop()
    node.stop()

    # Bad cold-tier settings stop `vigil serve` with a message naming the key.
    for bad, expect in (("storage:\n  cold: {aftr: 1d}\n", "storage.cold.aftr"),
                        ("storage:\n  cold: {after: banana}\n", "storage.cold.after"),
                        ("storage:\n  cold: {max_segment_mb: 0}\n", "storage.cold.max_segment_mb")):
        path = os.path.join(env.dir, "bad.yaml")
        with open(path, "w") as f:
            f.write(bad)
        p = subprocess.run([env.args.vigil, "serve", "--config", path, "--data-dir", os.path.join(env.dir, "bad-data"),
                            "--http-listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
        assert p.returncode != 0 and expect in p.stderr, (bad, p.returncode, p.stderr)


run(test)
