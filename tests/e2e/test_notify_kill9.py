"""kill -9 of the node while an alert is firing and its notification sits in
the outbox (the receiver answers 503): after the restart the alert is still
firing (not pending), the notification is delivered once the receiver
recovers, and the receiver gets it exactly once."""
import json
import os
import subprocess
import time

from harness import request, run, wait_until
from sinks import requests_received, start_http_sink

RULES = """groups:
  - name: api
    interval: 1s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 3s
        annotations:
          summary: "API latency is {{ $value }} ms"
"""


def deliveries(d):
    return [r for r in requests_received(d) if r["path"] == "/hook"]


def alert_states(node):
    r = request(node.url + "/api/v1/alerts")
    assert r.status == 200, r.body
    return [a["state"] for a in r.json()["data"]["alerts"]]


def test(env):
    sink_dir = os.path.join(env.dir, "sink")
    os.makedirs(sink_dir)
    open(os.path.join(sink_dir, "fail"), "w").close()
    hook = start_http_sink(env, sink_dir)
    node = env.node(config=f"""
alerting:
  retry: {{initial: 300ms, max: 1s}}
  channels:
    hook: {{type: webhook, url: "{hook}/hook"}}
  route:
    receiver: hook
    group_by: [alertname]
    group_wait: 1s
    group_interval: 1s
    repeat_interval: 1h
""").start()
    rules = os.path.join(env.dir, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES)
    r = subprocess.run([env.args.vigil, "rules", "apply", "-f", rules, "--server", node.url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    r = node.push_json({"name": "api.latency", "value": 500})
    assert r.status == 200, r.body

    wait_until(lambda: alert_states(node) == ["firing"], 30, "the alert firing")
    # The notification is attempted and refused: it sits in the outbox.
    wait_until(lambda: len(deliveries(sink_dir)) >= 2, 30, "two refused delivery attempts")
    assert all(d["code"] == 503 for d in deliveries(sink_dir))
    node.kill9()

    os.remove(os.path.join(sink_dir, "fail"))
    node.start()
    # Still firing right after the restart (a reset would be pending for 3 s).
    assert alert_states(node) == ["firing"], alert_states(node)
    delivered = wait_until(lambda: [d for d in deliveries(sink_dir) if d["code"] == 200], 30,
                           "the notification delivered after the restart")
    body = json.loads(delivered[0]["body"])
    assert body["status"] == "firing" and body["alerts"][0]["labels"]["alertname"] == "HighLatency", body
    time.sleep(4)  # several group intervals and retry periods later
    ok = [d for d in deliveries(sink_dir) if d["code"] == 200]
    assert len(ok) == 1, f"the receiver got the firing notification {len(ok)} times"
    assert alert_states(node) == ["firing"]


run(test)
