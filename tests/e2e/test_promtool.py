"""promtool (Prometheus 2.42's client, the Debian package) against vigil:
`promtool query instant|range|series|labels` print exactly the data pushed.

promtool's series/labels default to [now - 9999h, now + 9999h], so the data
sits a minute before now, on whole seconds."""
import json
import shutil
import subprocess
import time

from harness import run

PROMTOOL = shutil.which("promtool")


def promtool(*args, ok=True):
    out = subprocess.run([PROMTOOL, "query", *args], capture_output=True, text=True, timeout=60)
    if ok:
        assert out.returncode == 0, (args, out.stdout, out.stderr)
    return out


def lines(out):
    return out.stdout.strip("\n").split("\n") if out.stdout.strip() else []


def push(node, t):
    ms = t * 1000
    text = (f"# TYPE http_requests_total counter\n"
            f'http_requests_total{{job="api",code="200"}} 7 {ms}\n'
            f'http_requests_total{{job="api",code="200"}} 10 {ms + 15000}\n'
            f'http_requests_total{{job="api",code="200"}} 12.5 {ms + 30000}\n'
            f'http_requests_total{{job="db",code="500"}} 1.5e-07 {ms}\n')
    r = node.push_text(text)
    assert r.status == 204, (r.status, r.body)
    r = node.push_json([{"name": "api.latency", "value": 500, "labels": {"endpoint": "/users"}, "timestamp": ms},
                        {"name": "api.latency", "value": 250, "labels": {"endpoint": "/users"},
                         "timestamp": ms + 30000}])
    assert r.status == 200, (r.status, r.body)


def check_instant(url, t):
    out = promtool("instant", f"--time={t}", url, "http_requests_total")
    assert sorted(lines(out)) == [f'http_requests_total{{code="200", job="api"}} => 7 @[{t}]',
                                  f'http_requests_total{{code="500", job="db"}} => 0.00000015 @[{t}]'], out.stdout
    out = promtool("instant", f"--time={t + 30}", url, "sum by (job) (http_requests_total)")
    assert sorted(lines(out)) == [f'{{job="api"}} => 12.5 @[{t + 30}]',
                                  f'{{job="db"}} => 0.00000015 @[{t + 30}]'], out.stdout
    out = promtool("instant", f"--time={t}.5", url, 'api.latency{endpoint="/users"} * 2')
    assert lines(out) == [f'{{endpoint="/users"}} => 1000 @[{t}.5]'], out.stdout
    out = promtool("instant", "-o", "json", f"--time={t}", url, "api.latency")
    assert json.loads(out.stdout) == [{"metric": {"__name__": "api.latency", "endpoint": "/users"},
                                       "value": [t, "500"]}], out.stdout
    # Without --time promtool asks for "now": the newest samples, within the 5m lookback.
    out = promtool("instant", url, "api.latency")
    assert len(lines(out)) == 1 and lines(out)[0].startswith('api.latency{endpoint="/users"} => 250 @['), out.stdout
    out = promtool("instant", url, "scalar(vector(3))")
    assert lines(out)[0].startswith("scalar: 3 @["), out.stdout


def check_range(url, t):
    out = promtool("range", f"--start={t}", f"--end={t + 30}", "--step=15s", url, 'http_requests_total{job="api"}')
    assert lines(out) == ['http_requests_total{code="200", job="api"} =>',
                          f"7 @[{t}]", f"10 @[{t + 15}]", f"12.5 @[{t + 30}]"], out.stdout
    out = promtool("range", f"--start={t}", f"--end={t + 30}", "--step=30s", url, "api.latency / 100")
    assert lines(out) == ['{endpoint="/users"} =>', f"5 @[{t}]", f"2.5 @[{t + 30}]"], out.stdout


def check_series(url, t):
    out = promtool("series", "--match=http_requests_total", '--match={endpoint="/users"}', url)
    assert lines(out) == ['{__name__="api.latency", endpoint="/users"}',
                          '{__name__="http_requests_total", code="200", job="api"}',
                          '{__name__="http_requests_total", code="500", job="db"}'], out.stdout
    out = promtool("series", '--match=http_requests_total{code="500"}', f"--start={t - 10}", f"--end={t + 10}", url)
    assert lines(out) == ['{__name__="http_requests_total", code="500", job="db"}'], out.stdout
    # Outside the data's time range nothing matches.
    out = promtool("series", "--match=http_requests_total", f"--start={t - 7200}", f"--end={t - 3600}", url)
    assert lines(out) == [], out.stdout


def check_labels(url, t):
    assert lines(promtool("labels", url, "job")) == ["api", "db"]
    assert lines(promtool("labels", url, "__name__")) == ["api.latency", "http_requests_total"]
    assert lines(promtool("labels", '--match={code="500"}', url, "job")) == ["db"]
    assert lines(promtool("labels", f"--start={t - 10}", f"--end={t + 60}", url, "endpoint")) == ["/users"]
    assert lines(promtool("labels", url, "no_such_label")) == []


def check_errors(url):
    out = promtool("instant", url, "sum(", ok=False)
    assert out.returncode != 0 and "bad_data" in out.stderr and "parse error" in out.stderr, out.stderr
    out = promtool("range", "--start=10", "--end=100000", "--step=1s", url, "up", ok=False)
    assert out.returncode != 0 and "exceeded maximum resolution of 11,000 points" in out.stderr, out.stderr
    out = promtool("series", "--match=up{", url, ok=False)
    assert out.returncode != 0 and 'bad_data: invalid parameter "match[]"' in out.stderr, out.stderr


def test(env):
    assert PROMTOOL, "the Debian package 'prometheus' (promtool) is required (make deps installs it)"
    node = env.node().start()
    t = int(time.time()) - 60
    push(node, t)
    check_instant(node.url, t)
    check_range(node.url, t)
    check_series(node.url, t)
    check_labels(node.url, t)
    check_errors(node.url)


run(test)
