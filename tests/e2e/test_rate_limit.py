"""Per-service ingest rate limits: a service over its rate gets a 429 that
names it, with Retry-After, and nothing of that write is stored; other
services are unaffected; after the delay the service writes again; /metrics
counts the refusals."""
import time

from harness import run

CONFIG = """
limits:
  ingest_rate_per_service: 200
  ingest_burst_per_service: 300
"""


def count(node, expr):
    res = node.query(expr).json()["data"]["result"]
    return int(float(res[0]["value"][1])) if res else 0


def batch(job, n, metric="reqs"):
    return [{"name": metric, "value": i, "labels": {"job": job, "i": str(i)}} for i in range(n)]


def test(env):
    node = env.node(config=CONFIG).start()
    ok = node.push_json(batch("shop", 250))
    assert ok.status == 200, ok.body
    r = node.push_json(batch("shop", 100, "more"))  # 50 tokens left (+ a little refill)
    assert r.status == 429, (r.status, r.body)
    err = r.json()
    assert err["errorType"] == "rate_limited", err
    assert 'job="shop" is over 200 samples/s (burst 300)' in err["error"], err
    assert int(r.headers["Retry-After"]) >= 1, r.headers
    assert count(node, "count(more)") == 0  # nothing of the refused write
    # Another service is not affected.
    other = node.push_json(batch("billing", 250))
    assert other.status == 200, other.body
    # A write bigger than the burst can never pass: 429 without Retry-After.
    big = node.push_json(batch("search", 301))
    assert big.status == 429 and "Retry-After" not in big.headers, (big.status, big.headers)
    assert "send smaller batches" in big.json()["error"]
    # After the delay, shop writes again.
    time.sleep(int(r.headers["Retry-After"]))
    again = node.push_json(batch("shop", 100, "more"))
    assert again.status == 200, again.body
    assert count(node, "count(more)") == 100
    assert count(node, "count(reqs)") == 500
    metrics = node.get("/metrics").body.decode()
    reqs = next(l for l in metrics.splitlines() if l.startswith("vigil_ingest_rate_limited_requests_total"))
    samples = next(l for l in metrics.splitlines() if l.startswith("vigil_ingest_rate_limited_samples_total"))
    assert int(float(reqs.split()[-1])) == 2, reqs
    assert int(float(samples.split()[-1])) == 401, samples


run(test)
