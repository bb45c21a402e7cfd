"""Journey: a service pushes api.latency = 500 as JSON; an engineer queries
avg(api.latency) > 400 and gets 500 back, over HTTP and with `vigil query`.
Also exercises the text import, `vigil push`, query_range, series, labels and
label values, and a clean SIGTERM shutdown."""
import subprocess
import time

from harness import run, wait_until


def test(env):
    node = env.node().start()
    now = time.time()
    r = node.push_json({"name": "api.latency", "value": 500, "labels": {"endpoint": "/users"}})
    assert r.status == 200, (r.status, r.body)
    assert r.json()["data"]["samples"] == 1, r.body

    r = node.query("avg(api.latency) > 400")
    assert r.status == 200, (r.status, r.body)
    res = r.json()["data"]
    assert res["resultType"] == "vector", res
    assert len(res["result"]) == 1, res
    assert res["result"][0]["value"][1] == "500", res
    assert abs(res["result"][0]["value"][0] - now) < 60, res

    # The same through the CLI, as a table.
    out = subprocess.run([env.args.vigil, "query", "--server", node.url, "avg(api.latency) > 400"],
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert "500" in out.stdout, out.stdout

    # A batch of JSON objects with explicit ms and RFC 3339 timestamps.
    t0 = int(now * 1000) - 60_000
    batch = [{"name": "api.latency", "value": 100 + i, "labels": {"endpoint": "/orders"},
              "timestamp": t0 + i * 10_000} for i in range(5)]
    batch.append({"name": "api.errors", "value": 3, "timestamp": "2024-05-01T12:00:00Z"})
    r = node.push_json(batch)
    assert r.status == 200 and r.json()["data"]["samples"] == 6, (r.status, r.body)
    r = node.query_range('api.latency{endpoint="/orders"}', t0 / 1000, (t0 + 40_000) / 1000, 10)
    assert r.status == 200, r.body
    vals = [v for _, v in r.json()["data"]["result"][0]["values"]]
    assert vals == ["100", "101", "102", "103", "104"], vals
    r = node.query("api.errors", t="2024-05-01T12:00:30Z")
    assert r.json()["data"]["result"][0]["value"][1] == "3", r.body

    # Prometheus text format via `vigil push` (stdin).
    text = '# TYPE http_requests_total counter\nhttp_requests_total{job="api",status="500"} 7\n'
    out = subprocess.run([env.args.vigil, "push", "--server", node.url], input=text,
                         capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    r = node.query('http_requests_total{status=~"5.."}')
    assert r.json()["data"]["result"][0]["value"][1] == "7", r.body

    # Metadata endpoints.
    r = node.series('{__name__=~"api.*"}')
    assert r.status == 200, r.body
    names = sorted({s["__name__"] for s in r.json()["data"]})
    assert names == ["api.errors", "api.latency"], names
    from harness import request
    r = request(node.url + "/api/v1/labels")
    assert {"__name__", "endpoint", "job", "status"} <= set(r.json()["data"]), r.body
    r = request(node.url + "/api/v1/label/endpoint/values")
    assert r.json()["data"] == ["/orders", "/users"], r.body

    # Form-encoded POST, as Grafana sends it.
    r = request(node.url + "/api/v1/query", data=b"query=count(api.latency)",
                headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.json()["data"]["result"][0]["value"][1] == "2", r.body

    assert node.stop() == 0, node.log()

    # Restart: the data is still there.
    node.start()
    r = node.query('api.latency{endpoint="/users"}')
    assert r.json()["data"]["result"][0]["value"][1] == "500", r.body


run(test)
