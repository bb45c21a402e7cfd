"""Cardinality limits: a metric whose label values explode gets a 400 that
names the metric and the label that blew up; series already known keep
ingesting, other metrics are unaffected, and /metrics counts the rejects."""
from harness import run

CONFIG = """
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


run(test)
