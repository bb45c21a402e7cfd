"""Out-of-order samples and backfill: older samples than a series' newest are
merged into place and queryable (also through a cached range query and its
memoized answer), the last
value written at a timestamp wins, everything survives a restart, and with
storage.out_of_order_window set, too-old samples get a 400 naming how many
were rejected while the rest of the batch is stored."""
import time

from harness import run, wait_until


def values(node, expr, start, end, step):
    r = node.query_range(expr, start, end, step)
    assert r.status == 200, r.body
    res = r.json()["data"]["result"]
    return [] if not res else [(float(t), float(v)) for t, v in res[0]["values"]]


def test(env):
    node = env.node(config="query:\n  cache_freshness: 1m\n").start()
    now_ms = int(time.time() * 1000) // 1000 * 1000
    base = now_ms - 3 * 3600_000  # 3 h ago: old enough to be cached

    def push(points, name="bf"):
        r = node.push_json([{"name": name, "value": v, "labels": {"job": "a"}, "timestamp": t}
                            for t, v in points])
        return r

    # The newest first, then an hour of history (every minute) before it.
    assert push([(base + 3600_000, 60)]).status == 200
    start_s, end_s = base / 1000, (base + 3600_000) / 1000
    # A range query over the (still empty) hour, cached by the node.
    before = values(node, "bf", start_s, end_s, 60)
    assert len(before) <= 6, before  # lookback: only the last 5 min see the one sample
    r = push([(base + i * 60_000, i) for i in range(60)])
    assert r.status == 200, r.body
    assert r.json()["data"]["samples"] == 60, r.body
    got = values(node, "bf", start_s, end_s, 60)
    assert got == [(start_s + i * 60, float(i)) for i in range(61)], got  # the cache saw the backfill

    # An identical repeat is answered from the rendered answer (response memo), byte for byte.
    def memoized():
        for line in node.get("/metrics").body.decode().splitlines():
            if line.startswith("vigil_queries_memoized_total "):
                return float(line.split()[1])
        raise AssertionError("no vigil_queries_memoized_total in /metrics")
    first = node.query_range("bf", start_s, end_s, 60).body
    hits = memoized()
    assert node.query_range("bf", start_s, end_s, 60).body == first
    assert memoized() == hits + 1
    gauges = dict(line.split() for line in node.get("/metrics").body.decode().splitlines()
                  if line.startswith("vigil_query_response_memo_"))
    assert float(gauges["vigil_query_response_memo_entries"]) >= 1, gauges
    assert float(gauges["vigil_query_response_memo_bytes"]) >= len(first), gauges

    # At an existing timestamp the last value wins; an identical one is a duplicate.
    r = push([(base + 30 * 60_000, 1000), (base + 31 * 60_000, 31)])
    assert r.status == 200 and r.json()["data"]["duplicates"] == 1, r.body
    got = values(node, "bf", start_s, end_s, 60)
    assert got[30] == (start_s + 1800, 1000.0) and got[31] == (start_s + 1860, 31.0), got[28:33]

    node.stop()
    node.start()
    assert values(node, "bf", start_s, end_s, 60) == got

    # With a window: too old is rejected (400, counted), the rest is stored.
    node.stop()
    with open(node.config_path, "a") as f:
        f.write("storage:\n  out_of_order_window: 1h\n")
    node.start()
    assert push([(now_ms, 1)], name="win").status == 200
    r = push([(now_ms - 10 * 60_000, 2), (now_ms - 2 * 3600_000, 3)], name="win")
    assert r.status == 400, r.body
    err = r.json()["error"]
    assert err.startswith("1 samples were older") and "out_of_order_window" in err and "1 samples were stored" in err, err
    wait_until(lambda: node.query("count_over_time(win[3h])", now_ms / 1000).json()["data"]["result"], 10, "win")
    n = node.query("count_over_time(win[3h])", now_ms / 1000).json()["data"]["result"][0]["value"][1]
    assert n == "2", n


run(test)
