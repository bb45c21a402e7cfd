"""Bad input gets a 4xx with a JSON message naming the problem, and nothing of
a rejected request is stored."""
import json

from harness import request, run


def count_series(node):
    r = node.series('{__name__=~".+"}')
    assert r.status == 200, r.body
    return len(r.json()["data"])


def expect_error(r, status, *needles):
    assert r.status == status, (r.status, r.body)
    body = r.json()
    assert body["status"] == "error", body
    for n in needles:
        assert n in body["error"], (n, body)
    return body


def test(env):
    node = env.node(config="http:\n  max_body_bytes: 65536\n").start()
    assert node.push_json({"name": "ok.metric", "value": 1}).status == 200
    before = count_series(node)

    def post(path, data, ctype="application/json", **headers):
        return request(node.url + path, data=data, headers={"Content-Type": ctype, **headers})

    # Malformed JSON; wrong types; missing name; a good item beside a bad one.
    expect_error(post("/v1/metrics", b'{"name": "x", "value": '), 400)
    expect_error(post("/v1/metrics", json.dumps({"name": "x", "value": "high"}).encode()), 400, "value")
    expect_error(post("/v1/metrics", json.dumps({"value": 1}).encode()), 400, "name")
    expect_error(post("/v1/metrics", json.dumps({"name": "x", "value": 1, "labels": {"a": 2}}).encode()),
                 400, "a")
    expect_error(post("/v1/metrics", json.dumps(
        [{"name": "good.one", "value": 1}, {"name": "bad one", "value": 2}]).encode()), 400, "1")
    expect_error(post("/v1/metrics", json.dumps({"name": "x", "value": 1, "timestamp": "yesterday"}).encode()),
                 400, "timestamp")

    # Bad remote-write bytes: not snappy; snappy of garbage is covered by unit tests.
    expect_error(post("/api/v1/write", b"\x00\x01garbage", "application/x-protobuf",
                      **{"Content-Encoding": "snappy"}), 400)

    # Bad text format names the line.
    expect_error(post("/api/v1/import/prometheus", b"good_metric 1\nbad{ 2\n", "text/plain"), 400, "line 2")

    # Bad PromQL, as Prometheus answers it.
    body = expect_error(node.query("sum(rate(x[5m])"), 400)
    assert body["errorType"] == "bad_data", body
    expect_error(node.query("x{a=~\"(\"}"), 400)
    expect_error(request(node.url + "/api/v1/query_range?query=up&start=10&end=5&step=1"), 400, "end")
    expect_error(request(node.url + "/api/v1/query_range?query=up&start=0&end=100000&step=1"), 400, "11,000")
    expect_error(request(node.url + "/api/v1/series"), 400, "match[]")

    # Body over the configured limit: 413 with a message.
    big = json.dumps([{"name": "big.metric", "value": i} for i in range(5000)]).encode()
    assert len(big) > 65536
    r = post("/v1/metrics", big)
    assert r.status == 413, (r.status, r.body[:200])
    assert b"max_body_bytes" in r.body, r.body

    # Nothing of the rejected requests was stored.
    assert count_series(node) == before, node.series('{__name__=~".+"}').body
    r = node.query("good_metric")
    assert r.json()["data"]["result"] == [], r.body
    r = node.query("good.one")
    assert r.json()["data"]["result"] == [], r.body


run(test)
