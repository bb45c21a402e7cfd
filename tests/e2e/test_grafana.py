"""Replays the requests Grafana 9/10's Prometheus data source sends to its
server, byte for byte in method, path, parameters and body encoding, and
checks that vigil answers each with HTTP 200, the shape Grafana parses and
the right values:

- "Save & test": the backend health check runs the instant query `1+1` at
  time=4 (Grafana 10, form POST; Grafana 9's frontend sends a GET with the
  current time), and the config page's type detection reads
  /api/v1/status/buildinfo;
- the metric browser and autocomplete: /api/v1/labels and /api/v1/series as
  form POSTs (the data source's default HTTP method), label values as GETs,
  /api/v1/metadata;
- a panel: POST /api/v1/query_range with float seconds, a step in seconds and
  the data source's query timeout; an instant "table" query; exemplars;
- alerting's rule list: /api/v1/rules.
"""
import urllib.parse

from harness import request, run

T0 = 1700000000  # data: one sample every 15 s from T0 to T0 + 300
HEADERS = {"User-Agent": "Grafana/10.2.3", "Accept-Encoding": "gzip", "X-Grafana-Org-Id": "1"}


def grafana_post(node, path, params):
    """Grafana's backend client: form-encoded POST (params in Go's map order does not matter)."""
    h = {**HEADERS, "Content-Type": "application/x-www-form-urlencoded"}
    return request(node.url + path, data=urllib.parse.urlencode(params).encode(), headers=h)


def grafana_get(node, path, params=()):
    qs = urllib.parse.urlencode(params)
    return request(node.url + path + ("?" + qs if qs else ""), headers=HEADERS)


def success(r):
    assert r.status == 200, (r.status, r.body)
    assert r.headers.get("Content-Type", "").startswith("application/json"), r.headers
    body = r.json()
    assert body["status"] == "success", body
    return body["data"]


def push_data(node):
    lines = ["# HELP http_requests_total Requests served.", "# TYPE http_requests_total counter"]
    for i in range(21):
        t = (T0 + 15 * i) * 1000
        lines.append(f'http_requests_total{{job="api",instance="a:80"}} {10 * i} {t}')
        lines.append(f'http_requests_total{{job="api",instance="b:80"}} {20 * i} {t}')
    r = node.push_text("\n".join(lines) + "\n")
    assert r.status == 204, (r.status, r.body)


def save_and_test(node):
    # Grafana 10 backend health check.
    data = success(grafana_post(node, "/api/v1/query", {"query": "1+1", "time": "4"}))
    assert data == {"resultType": "scalar", "result": [4, "2"]}, data
    # Grafana 9 frontend test (GET through the proxy, time = now in float seconds).
    data = success(grafana_get(node, "/api/v1/query", {"query": "1+1", "time": "1700000000.123"}))
    assert data == {"resultType": "scalar", "result": [1700000000.123, "2"]}, data
    data = success(grafana_get(node, "/api/v1/status/buildinfo"))
    version = data["version"]
    assert all(part.isdigit() for part in version.split(".")) and len(version.split(".")) == 3, data


def metric_browser(node):
    rng = {"start": str(T0), "end": str(T0 + 300)}
    assert success(grafana_post(node, "/api/v1/labels", rng)) == ["__name__", "instance", "job"]
    assert success(grafana_get(node, "/api/v1/label/__name__/values", rng)) == ["http_requests_total"]
    assert success(grafana_get(node, "/api/v1/label/job/values", rng)) == ["api"]
    sel = {"match[]": 'http_requests_total{job="api"}', **rng}
    assert success(grafana_get(node, "/api/v1/label/instance/values", sel)) == ["a:80", "b:80"]
    assert success(grafana_post(node, "/api/v1/labels", sel)) == ["__name__", "instance", "job"]
    data = success(grafana_post(node, "/api/v1/series", sel))
    assert data == [{"__name__": "http_requests_total", "instance": "a:80", "job": "api"},
                    {"__name__": "http_requests_total", "instance": "b:80", "job": "api"}], data
    data = success(grafana_get(node, "/api/v1/metadata"))
    assert data == {"http_requests_total": [{"type": "counter", "help": "Requests served.", "unit": ""}]}, data
    # Variable query label_values(job) without a range (older Grafana versions).
    assert success(grafana_get(node, "/api/v1/label/job/values")) == ["api"]


def panel(node):
    params = {"query": 'sum by (job) (rate(http_requests_total{job="api"}[1m]))',
              "start": f"{T0 + 60}", "end": f"{T0 + 120}", "step": "30", "timeout": "60s"}
    data = success(grafana_post(node, "/api/v1/query_range", params))
    # Both counters grow by 10 + 20 per 15 s: 2 per second together.
    assert data == {"resultType": "matrix", "result": [
        {"metric": {"job": "api"}, "values": [[T0 + 60, "2"], [T0 + 90, "2"], [T0 + 120, "2"]]}]}, data
    # Sub-second steps and fractional start/end as Grafana formats them.
    params = {"query": 'http_requests_total{instance="a:80"}', "start": f"{T0 + 15}.5",
              "end": f"{T0 + 16}.5", "step": "0.5"}
    data = success(grafana_post(node, "/api/v1/query_range", params))
    assert data["result"][0]["values"] == [[T0 + 15.5, "10"], [T0 + 16, "10"], [T0 + 16.5, "10"]], data
    # An instant ("table") query.
    data = success(grafana_post(node, "/api/v1/query",
                                {"query": "http_requests_total", "time": str(T0 + 300), "timeout": "60s"}))
    assert data["resultType"] == "vector", data
    assert sorted((s["metric"]["instance"], s["value"]) for s in data["result"]) == \
        [("a:80", [T0 + 300, "200"]), ("b:80", [T0 + 300, "400"])], data
    # Exemplars toggle.
    data = success(grafana_post(node, "/api/v1/query_exemplars",
                                {"query": "http_requests_total", "start": str(T0), "end": str(T0 + 300)}))
    assert data == [], data


def alerting(node):
    assert success(grafana_get(node, "/api/v1/rules")) == {"groups": []}


def test(env):
    node = env.node().start()
    push_data(node)
    save_and_test(node)
    metric_browser(node)
    panel(node)
    alerting(node)


run(test)
