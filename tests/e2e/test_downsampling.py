"""Downsampling: old samples are rolled up by each shard's background actor,
and a coarse, aligned query over them is answered from the rollups (the
shards log reads served from rollups) with the raw answer."""
import math
import re
import time

from harness import run, wait_until

CONFIG = """
retention:
  default: 0s
  interval: 1s
downsampling:
  resolutions:
    - {resolution: 5m, after: 1h}
    - {resolution: 1h, after: 2h}
"""

HOUR = 3600_000


def test(env):
    node = env.node(config=CONFIG).start()
    now_ms = int(time.time() * 1000)
    t0 = now_ms // HOUR * HOUR - 9 * HOUR  # 6 h of data in [t0, t0 + 6 h), ending 3 h ago
    gauge, ctr = [], []
    c = 0
    for i in range(6 * 120):  # 30 s scrapes
        t = t0 + i * 30_000 + (0 if i % 3 == 0 else 700)
        gauge.append((t, float((i * 37) % 101) - 20.5))
        c = 3 if i % 97 == 96 else c + (i % 7)  # a counter with resets
        ctr.append((t, float(c)))
    items = [{"name": "ds_gauge", "value": v, "labels": {"job": "e2e"}, "timestamp": t} for t, v in gauge]
    items += [{"name": "ds_ctr", "value": v, "labels": {"job": "e2e"}, "timestamp": t} for t, v in ctr]
    for k in range(0, len(items), 500):
        r = node.push_json(items[k:k + 500])
        assert r.status == 200, r.body

    def log_total(pattern):
        return sum(int(m) for m in re.findall(pattern, node.log()))

    # The background passes roll the old windows up (6 h: 72 5m windows + 6 1h windows per series).
    wait_until(lambda: log_total(r"rollups: wrote (\d+) windows") >= 2 * (72 + 6), 60, "rollup passes",
               interval=0.5)

    start, end = t0 + HOUR, t0 + 6 * HOUR

    def expected(samples, ts, agg):
        w = [v for t, v in samples if ts - HOUR <= t <= ts]
        return agg(w)

    for expr, samples, agg in [("sum_over_time(ds_gauge[1h])", gauge, sum),
                               ("count_over_time(ds_gauge[1h])", gauge, len),
                               ("max_over_time(ds_gauge[1h])", gauge, max)]:
        res = node.query_range(expr, start / 1000, end / 1000, 3600).json()
        assert res["status"] == "success", res
        result = res["data"]["result"]
        assert len(result) == 1, result
        got = [(int(float(t) * 1000), float(v)) for t, v in result[0]["values"]]
        assert [t for t, _ in got] == list(range(start, end + 1, HOUR)), got
        for ts, v in got:
            want = expected(samples, ts, agg)
            assert math.isclose(v, want, rel_tol=1e-9), (expr, ts, v, want)

    # rate/increase from rollups equal the raw answer (`@` keeps a query on raw data).
    for fn in ("rate", "increase"):
        for ts in (t0 + 2 * HOUR, t0 + 5 * HOUR):
            a = node.query(f"{fn}(ds_ctr[1h])", ts / 1000).json()["data"]["result"]
            b = node.query(f"{fn}(ds_ctr[1h] @ {ts / 1000})", ts / 1000).json()["data"]["result"]
            assert len(a) == 1 and len(b) == 1, (a, b)
            assert math.isclose(float(a[0]["value"][1]), float(b[0]["value"][1]), rel_tol=1e-9), (fn, a, b)

    # The shards report that they answered from rollups.
    wait_until(lambda: re.search(r"[1-9]\d* reads served from rollups", node.log()), 30,
               "reads served from rollups", interval=0.5)
    # And in /metrics.
    metrics = node.get("/metrics").body.decode().splitlines()
    total = lambda name: sum(float(l.split()[-1]) for l in metrics if l.startswith(name + "{"))
    assert total("vigil_storage_rollup_records") >= 2 * (72 + 6), metrics
    assert total("vigil_storage_rollup_reads_total") > 0, metrics
    node.stop()


run(test)
