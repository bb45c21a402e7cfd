"""Alerting rules against a real `vigil serve`: a rule file applied with the
CLI, api.latency pushed over POST /v1/metrics, the alert seen firing in
/api/v1/alerts and /api/v1/rules, resolved after the metric drops; kill -9
while firing and restart -> still firing (never pending); `vigil rules
check` on a bad file names the line and exits 1; list/get/delete."""
import json
import os
import subprocess
import time

from harness import request, run, wait_until

RULES = """groups:
  - name: api
    interval: 1s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 4s
        labels:
          severity: page
        annotations:
          summary: "API latency is {{ $value }} ms"
      - record: api:latency:avg
        expr: avg(api.latency)
"""

BAD = """groups:
  - name: broken
    rules:
      - alert: Oops
        expr: avg(api.latency) >
"""


def cli(env, *args):
    return subprocess.run([env.args.vigil, "rules", *args], capture_output=True, text=True, timeout=60)


def alerts(node):
    r = request(node.url + "/api/v1/alerts")
    assert r.status == 200, r.body
    return r.json()["data"]["alerts"]


def state_of(node):
    a = alerts(node)
    return a[0]["state"] if a else "none"


def push(node, v):
    r = request(node.url + "/v1/metrics", data=json.dumps({"name": "api.latency", "value": v}).encode(),
                headers={"Content-Type": "application/json"})
    assert r.status == 200, r.body


def check_offline(env):
    bad = os.path.join(env.dir, "bad.yaml")
    with open(bad, "w") as f:
        f.write(BAD)
    p = cli(env, "check", bad)
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert "line 5" in p.stderr or "line 4" in p.stderr, p.stderr
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr
    good = os.path.join(env.dir, "rules.yaml")
    with open(good, "w") as f:
        f.write(RULES)
    p = cli(env, "check", good)
    assert p.returncode == 0 and "SUCCESS" in p.stdout, (p.stdout, p.stderr)
    return good


def check_views(node):
    rules = request(node.url + "/api/v1/rules").json()["data"]["groups"]
    assert rules[0]["name"] == "api" and rules[0]["interval"] == 1, rules
    alerting, recording = rules[0]["rules"]
    assert alerting["type"] == "alerting" and alerting["state"] == "firing", alerting
    assert alerting["health"] == "ok" and alerting["duration"] == 4, alerting
    assert alerting["alerts"][0]["value"] == "5e+02", alerting
    assert recording["type"] == "recording" and recording["health"] == "ok", recording
    a = alerts(node)[0]
    assert a["labels"] == {"alertname": "HighLatency", "severity": "page"}, a
    assert a["annotations"] == {"summary": "API latency is 500 ms"}, a
    res = node.query('ALERTS{alertname="HighLatency",alertstate="firing"}').json()["data"]["result"]
    assert res and res[0]["value"][1] == "1", res
    res = node.query("api:latency:avg").json()["data"]["result"]
    assert res and res[0]["value"][1] == "500", res
    metrics = request(node.url + "/metrics").body.decode()
    assert 'vigil_rule_evaluations_total{rule_group="api"}' in metrics, metrics
    assert "vigil_rule_group_missed_iterations_total" in metrics, metrics


def test(env):
    good = check_offline(env)
    node = env.node().start()
    p = cli(env, "apply", "-f", good, "--server", node.url)
    assert p.returncode == 0, (p.stdout, p.stderr)
    p = cli(env, "list", "--server", node.url)
    assert p.returncode == 0 and "HighLatency" in p.stdout, (p.stdout, p.stderr)
    push(node, 500)
    wait_until(lambda: state_of(node) == "pending", 5, "pending within a few intervals")
    wait_until(lambda: state_of(node) == "firing", 10, "firing after `for`")
    check_views(node)
    print("firing; views, ALERTS and recorded series OK")

    node.kill9()
    node.start()
    # Restored: firing at once and at every evaluation after (never pending).
    deadline = time.time() + 4
    while time.time() < deadline:
        assert state_of(node) == "firing", alerts(node)
        time.sleep(0.2)
    print("still firing after kill -9 and restart")

    push(node, 200)
    wait_until(lambda: state_of(node) == "none", 5, "resolved at the next evaluation")
    rules = request(node.url + "/api/v1/rules").json()["data"]["groups"]
    assert rules[0]["rules"][0]["state"] == "inactive", rules

    p = cli(env, "get", "api", "--server", node.url)
    assert p.returncode == 0 and "HighLatency" in p.stdout, (p.stdout, p.stderr)
    p = cli(env, "delete", "api", "--server", node.url)
    assert p.returncode == 0, (p.stdout, p.stderr)
    p = cli(env, "get", "api", "--server", node.url)
    assert p.returncode != 0 and "no rule group" in p.stderr, (p.stdout, p.stderr)
    r = request(node.url + "/v1/alerts/rules", data=BAD.encode(), headers={"Content-Type": "application/yaml"})
    assert r.status == 400 and "line" in r.json()["error"], r.body
    node.stop()


run(test)
