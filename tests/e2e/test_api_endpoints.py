"""Every Prometheus HTTP API endpoint vigil serves: the exact JSON shape and
values of its answer (GET and form POST), and a 4xx with a JSON error body
for each kind of malformed request."""
import datetime
import os
import re

from harness import request, run

T0 = 1700000000  # seconds; every sample has an explicit timestamp
MS = T0 * 1000

TEXT = f"""# HELP http_requests_total Total requests.
# TYPE http_requests_total counter
http_requests_total{{job="api",code="200"}} 7 {MS}
http_requests_total{{job="api",code="200"}} 10 {MS + 15000}
http_requests_total{{job="api",code="500"}} 2 {MS}
http_requests_total{{job="api",code="500"}} 4 {MS + 15000}
http_requests_total{{job="db",code="200"}} 3 {MS}
# TYPE temperature gauge
temperature{{room="a"}} 21.5 {MS}
"""


def ok(r):
    assert r.status == 200, (r.status, r.body)
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert body["status"] == "success", body
    return body


def expect_error(r, status, error_type, *needles):
    assert r.status == status, (r.status, r.body)
    body = r.json()
    assert body["status"] == "error" and body["errorType"] == error_type, body
    for n in needles:
        assert n in body["error"], (n, body)
    return body


def project_version(source_dir):
    with open(os.path.join(source_dir, "CMakeLists.txt")) as f:
        return re.search(r"project\(vigil VERSION ([0-9.]+)", f.read()).group(1)


def inline_queries(node):
    for line in node.get("/metrics").body.decode().splitlines():
        if line.startswith("vigil_queries_inline_total "):
            return float(line.split()[1])
    raise AssertionError("no vigil_queries_inline_total in /metrics")


def check_queries(node):
    # Instant query, GET and form POST; stats on request. A single node's
    # cheap instant queries run on the HTTP thread (actors/inline_queries.hpp).
    before = inline_queries(node)
    for r in (node.get("/api/v1/query", {"query": "sum(http_requests_total)", "time": T0}),
              node.post_form("/api/v1/query", {"query": "sum(http_requests_total)", "time": T0})):
        data = ok(r)["data"]
        assert data == {"resultType": "vector", "result": [{"metric": {}, "value": [T0, "12"]}]}, data
    data = ok(node.get("/api/v1/query", {"query": "temperature", "time": T0, "stats": "all"}))["data"]
    assert data["result"] == [{"metric": {"__name__": "temperature", "room": "a"}, "value": [T0, "21.5"]}], data
    assert set(data["stats"]) == {"timings", "samples"}, data
    assert set(data["stats"]["timings"]) == {"evalTotalTime", "resultSortTime", "queryPreparationTime",
                                             "innerEvalTime", "execQueueTime", "execTotalTime"}, data
    assert all(isinstance(v, (int, float)) and v >= 0 for v in data["stats"]["timings"].values()), data
    assert set(data["stats"]["samples"]) == {"totalQueryableSamples", "peakSamples"}, data
    assert inline_queries(node) == before + 3
    assert "stats" not in ok(node.get("/api/v1/query", {"query": "1", "time": T0}))["data"]
    # Scalar and string results; partial_response is accepted.
    assert ok(node.get("/api/v1/query", {"query": "1+1", "time": T0}))["data"] == \
        {"resultType": "scalar", "result": [T0, "2"]}
    assert ok(node.get("/api/v1/query", {"query": '"hi"', "time": T0, "partial_response": "true"}))["data"] == \
        {"resultType": "string", "result": [T0, "hi"]}
    # Range query.
    params = {"query": 'http_requests_total{code="500"}', "start": T0, "end": T0 + 15, "step": 15}
    for r in (node.get("/api/v1/query_range", params), node.post_form("/api/v1/query_range", params)):
        data = ok(r)["data"]
        assert data == {"resultType": "matrix", "result": [
            {"metric": {"__name__": "http_requests_total", "code": "500", "job": "api"},
             "values": [[T0, "2"], [T0 + 15, "4"]]}]}, data


def check_metadata_endpoints(node):
    everything = [("start", T0 - 60), ("end", T0 + 60)]
    data = ok(node.get("/api/v1/series", [("match[]", "http_requests_total"), ("match[]", "temperature")]))["data"]
    assert data == [{"__name__": "http_requests_total", "code": "200", "job": "api"},
                    {"__name__": "http_requests_total", "code": "200", "job": "db"},
                    {"__name__": "http_requests_total", "code": "500", "job": "api"},
                    {"__name__": "temperature", "room": "a"}], data
    body = ok(node.post_form("/api/v1/series", [("match[]", '{job="db"}'), ("limit", "5")] + everything))
    assert body["data"] == [{"__name__": "http_requests_total", "code": "200", "job": "db"}], body
    body = ok(node.get("/api/v1/series", [("match[]", "http_requests_total"), ("limit", "1")]))
    assert len(body["data"]) == 1 and body["warnings"] == ["results truncated due to limit"], body
    assert ok(node.get("/api/v1/labels"))["data"] == ["__name__", "code", "job", "room"]
    assert ok(node.post_form("/api/v1/labels", [("match[]", "temperature")] + everything))["data"] == \
        ["__name__", "room"]
    body = ok(node.get("/api/v1/labels", {"limit": "2"}))
    assert body["data"] == ["__name__", "code"] and body["warnings"] == ["results truncated due to limit"], body
    assert ok(node.get("/api/v1/label/__name__/values", everything))["data"] == \
        ["http_requests_total", "temperature"]
    assert ok(node.get("/api/v1/label/job/values", [("match[]", '{code="500"}')]))["data"] == ["api"]
    assert ok(node.post_form("/api/v1/label/code/values", {}))["data"] == ["200", "500"]
    assert ok(node.get("/api/v1/label/nothing_here/values"))["data"] == []
    # Nothing matches outside the data's time range.
    assert ok(node.get("/api/v1/label/__name__/values", {"start": T0 + 3600, "end": T0 + 7200}))["data"] == []


def check_metric_metadata(node):
    data = ok(node.get("/api/v1/metadata"))["data"]
    assert data == {"http_requests_total": [{"type": "counter", "help": "Total requests.", "unit": ""}],
                    "temperature": [{"type": "gauge", "help": "", "unit": ""}]}, data
    # Remote-write metadata (a request without series, as Prometheus sends it).
    r = node.push_remote_write(metadata=[("histogram", "rpc_duration_seconds", "RPC latency.", "seconds"),
                                         ("counter", "http_requests_total", "Requests by code.", "")])
    assert r.status == 204, (r.status, r.body)
    data = ok(node.post_form("/api/v1/metadata", {}))["data"]
    assert data["rpc_duration_seconds"] == [{"type": "histogram", "help": "RPC latency.", "unit": "seconds"}], data
    assert data["http_requests_total"] == [{"type": "counter", "help": "Requests by code.", "unit": ""},
                                           {"type": "counter", "help": "Total requests.", "unit": ""}], data
    assert list(ok(node.get("/api/v1/metadata", {"limit": "1"}))["data"]) == ["http_requests_total"]
    assert ok(node.get("/api/v1/metadata", {"limit": "0"}))["data"] == {}
    assert ok(node.get("/api/v1/metadata", {"metric": "temperature"}))["data"] == \
        {"temperature": [{"type": "gauge", "help": "", "unit": ""}]}
    assert len(ok(node.get("/api/v1/metadata", {"limit_per_metric": "1"}))["data"]["http_requests_total"]) == 1
    assert ok(node.get("/api/v1/metadata", {"metric": "absent"}))["data"] == {}


def check_status(node, source_dir):
    data = ok(node.get("/api/v1/status/buildinfo"))["data"]
    assert set(data) == {"version", "revision", "branch", "buildUser", "buildDate", "goVersion"}, data
    assert data["version"] == project_version(source_dir), data
    data = ok(node.get("/api/v1/status/runtimeinfo"))["data"]
    assert set(data) == {"startTime", "CWD", "reloadConfigSuccess", "lastConfigTime", "corruptionCount",
                         "goroutineCount", "GOMAXPROCS", "GOGC", "GODEBUG", "storageRetention"}, data
    started = datetime.datetime.fromisoformat(data["startTime"].replace("Z", "+00:00"))
    age = datetime.datetime.now(datetime.timezone.utc) - started
    assert datetime.timedelta(0) <= age < datetime.timedelta(minutes=10), data
    assert data["goroutineCount"] > 1 and data["GOMAXPROCS"] >= 1 and data["reloadConfigSuccess"] is True, data
    assert data["corruptionCount"] == 0 and data["storageRetention"] == "unlimited", data
    data = ok(node.get("/api/v1/status/tsdb"))["data"]
    head = data["headStats"]
    assert head["numSeries"] == 4 and head["numLabelPairs"] == 7 and head["chunkCount"] >= 4, data
    assert data["seriesCountByMetricName"] == [{"name": "http_requests_total", "value": 3},
                                               {"name": "temperature", "value": 1}], data
    assert data["labelValueCountByLabelName"][0] == {"name": "__name__", "value": 2}, data
    assert {"name": "job=api", "value": 2} in data["seriesCountByLabelValuePair"], data
    assert data["memoryInBytesByLabelName"][0] == {"name": "__name__", "value": 3 * 19 + 11}, data
    data = ok(node.post_form("/api/v1/status/tsdb", {"limit": "1"}))["data"]
    assert data["seriesCountByMetricName"] == [{"name": "http_requests_total", "value": 3}], data
    assert len(data["seriesCountByLabelValuePair"]) == 1, data


def check_small_endpoints(node):
    shapes = {"/api/v1/targets": {"activeTargets": [], "droppedTargets": []},
              "/api/v1/targets/metadata": [],
              "/api/v1/alertmanagers": {"activeAlertmanagers": [], "droppedAlertmanagers": []},
              "/api/v1/rules": {"groups": []},
              "/api/v1/alerts": {"alerts": []},
              "/api/v1/status/config": {"yaml": ""},
              "/api/v1/status/flags": {},
              "/api/v1/status/walreplay": {"min": 0, "max": 0, "current": 0}}
    for path, want in shapes.items():
        assert ok(node.get(path))["data"] == want, path
    assert ok(node.get("/api/v1/query_exemplars", {"query": "http_requests_total", "start": T0,
                                                   "end": T0 + 60}))["data"] == []
    assert ok(node.post_form("/api/v1/query_exemplars", {"query": "up"}))["data"] == []
    assert ok(node.get("/api/v1/format_query", {"query": "sum(rate(x[5m]))by(job)"}))["data"] == \
        "sum by (job) (rate(x[5m]))"
    assert ok(node.post_form("/api/v1/format_query", {"query": "a+on(b)c"}))["data"] == "a + on (b) c"


def check_http_semantics(node):
    r = request(node.url + "/api/v1/labels", method="HEAD")
    assert r.status == 200 and r.body == b"", (r.status, r.body)
    r = request(node.url + "/api/v1/query", method="OPTIONS")
    assert r.status == 204 and "POST" in r.headers.get("Allow", ""), (r.status, r.headers)
    expect_error(node.get("/api/v1/nope"), 404, "not_found", "/api/v1/nope")
    expect_error(node.get("/nothing"), 404, "not_found")
    for method, path in (("DELETE", "/api/v1/series"), ("PUT", "/api/v1/query"), ("GET", "/api/v1/write"),
                         ("GET", "/v1/metrics"), ("POST", "/-/healthy")):
        r = request(node.url + path, method=method, data=b"" if method in ("PUT", "POST") else None)
        expect_error(r, 405, "bad_data", method)
        assert r.headers.get("Allow"), r.headers


def check_errors(node):
    bad = [
        ("/api/v1/query", {}, 'invalid parameter "query"'),
        ("/api/v1/query", {"query": "sum(", "time": T0}, "parse error"),
        ("/api/v1/query", {"query": "up", "time": "yesterday"}, 'invalid parameter "time"'),
        ("/api/v1/query", {"query": "up", "timeout": "soon"}, 'invalid parameter "timeout"'),
        ("/api/v1/query", {"query": "up", "partial_response": "maybe"}, 'invalid parameter "partial_response"'),
        ("/api/v1/query_range", {"query": "up", "start": T0, "end": T0 + 60}, 'invalid parameter "step"'),
        ("/api/v1/query_range", {"query": "up", "start": T0, "end": T0 - 1, "step": 1}, "end timestamp"),
        ("/api/v1/query_range", {"query": "up", "start": T0, "end": T0 + 60, "step": 0}, "zero or negative"),
        ("/api/v1/query_range", {"query": "up", "start": 0, "end": T0, "step": 1}, "11,000"),
        ("/api/v1/query_range", {"query": "up", "start": "x", "end": T0, "step": 1}, 'invalid parameter "start"'),
        ("/api/v1/series", {}, "no match[] parameter provided"),
        ("/api/v1/series", {"match[]": "up{", "start": T0}, 'invalid parameter "match[]"'),
        ("/api/v1/series", {"match[]": "up", "limit": "-1"}, "limit must be non-negative"),
        ("/api/v1/labels", {"start": "never"}, 'invalid parameter "start"'),
        ("/api/v1/labels", {"limit": "many"}, 'invalid parameter "limit"'),
        ("/api/v1/label/1x/values", {}, 'invalid label name: "1x"'),
        ("/api/v1/label/job/values", {"end": "x"}, 'invalid parameter "end"'),
        ("/api/v1/metadata", {"limit": "x"}, "limit must be a number"),
        ("/api/v1/metadata", {"limit_per_metric": "x"}, "limit_per_metric must be a number"),
        ("/api/v1/query_exemplars", {"query": "up", "start": T0, "end": T0 - 1}, "end timestamp"),
        ("/api/v1/query_exemplars", {"query": "up{"}, "parse error"),
        ("/api/v1/format_query", {"query": "1 +"}, 'invalid parameter "query"'),
        ("/api/v1/status/tsdb", {"limit": "0"}, "limit must be a positive number"),
    ]
    for path, params, needle in bad:
        expect_error(node.get(path, params), 400, "bad_data", needle)
        expect_error(node.post_form(path, params), 400, "bad_data", needle)
    # Remote write: a bad metadata name is rejected like a bad series.
    r = node.push_remote_write(metadata=[("counter", "bad name", "", "")])
    expect_error(r, 400, "bad_data", "metadata[0]")


def test(env):
    node = env.node().start()
    r = node.push_text(TEXT)
    assert r.status == 204, (r.status, r.body)
    check_queries(node)
    check_metadata_endpoints(node)
    check_status(node, env.args.source_dir)
    check_metric_metadata(node)
    check_small_endpoints(node)
    check_http_semantics(node)
    check_errors(node)


run(test)
