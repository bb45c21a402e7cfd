"""Retention by class: a default retention plus a rule by selector, enforced
by each shard's background retention actor while ingestion continues. Old
chunks of ordinary series go, critical ones stay, and a series left without
samples disappears from the index (series and label values APIs)."""
import time

from harness import run, wait_until

CONFIG = """
retention:
  default: 1h
  interval: 1s
  rules:
    - {match: '{tier="critical"}', keep: 0s}
"""


def test(env):
    node = env.node(config=CONFIG).start()
    now_ms = int(time.time() * 1000)
    old = now_ms - 3 * 3600_000

    def push(name, labels, points):
        r = node.push_json([{"name": name, "value": v, "labels": labels, "timestamp": t} for t, v in points])
        assert r.status == 200, r.body

    hist = [(old + i * 60_000, i) for i in range(60)]  # an hour of history, 3 h ago
    push("ret_crit", {"tier": "critical"}, hist + [(now_ms, 1)])
    push("ret_plain", {"tier": "bronze"}, hist + [(now_ms, 1)])
    push("ret_gone", {"tier": "bronze", "batch": "nightly"}, hist)

    def count(expr):
        res = node.query(f"count_over_time({expr}[4h])", now_ms / 1000 + 1).json()["data"]["result"]
        return int(res[0]["value"][1]) if res else 0

    # Everything is written; within a few passes the old data of non-critical series goes.
    wait_until(lambda: count("ret_plain") == 1 and count("ret_gone") == 0, 30, "retention of bronze series",
               interval=0.5)
    assert count("ret_crit") == 61  # kept forever
    series = node.get("/api/v1/series", [("match[]", "{__name__=~\"ret_.*\"}")]).json()["data"]
    assert sorted(s["__name__"] for s in series) == ["ret_crit", "ret_plain"], series
    assert "nightly" not in node.get("/api/v1/label/batch/values").json()["data"]
    # Ingestion continues meanwhile, and a deleted series can come back.
    push("ret_gone", {"tier": "bronze", "batch": "nightly"}, [(now_ms, 5)])
    assert count("ret_gone") == 1
    node.stop()
    node.start()
    assert count("ret_gone") == 1 and count("ret_crit") == 61 and count("ret_plain") == 1


run(test)
