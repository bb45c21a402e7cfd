"""The design document's end-to-end flow: a rule
`rate(http_requests_total{status=~"5.."}[5m]) > 0.01` with `for` (shortened
to 3 s here) goes pending, then firing, and notifications reach email (a real
SMTP server), Slack and PagerDuty receivers."""
import os
import subprocess
import time

from harness import request, run, wait_until
from sinks import emails, posts, start_http_sink, start_smtp_sink

RULES = """groups:
  - name: http
    interval: 1s
    rules:
      - alert: HighErrorRate
        expr: rate(http_requests_total{status=~"5.."}[5m]) > 0.01
        for: 3s
        labels:
          severity: critical
        annotations:
          summary: "5xx rate on {{ $labels.job }} is {{ $value | humanize }}/s"
"""


def states(node):
    return [a["state"] for a in request(node.url + "/api/v1/alerts").json()["data"]["alerts"]]


def test(env):
    mail_dir, http_dir = os.path.join(env.dir, "mail"), os.path.join(env.dir, "http")
    smtp_port = start_smtp_sink(env, mail_dir)
    hook = start_http_sink(env, http_dir)
    node = env.node(config=f"""
alerting:
  channels:
    mail: {{type: email, smtp_url: "smtp://127.0.0.1:{smtp_port}", from: vigil@example.test,
            to: [oncall@example.test], starttls: "off"}}
    slack: {{type: slack, url: "{hook}/slack"}}
    pd: {{type: pagerduty, url: "{hook}/pd", routing_key: KEY}}
  route:
    receiver: mail
    group_by: [alertname, job]
    group_wait: 1s
    group_interval: 2s
    routes:
      - {{receiver: slack, continue: true}}
      - {{receiver: pd, continue: true}}
      - {{receiver: mail}}
""").start()
    path = os.path.join(env.dir, "rules.yaml")
    with open(path, "w") as f:
        f.write(RULES)
    r = subprocess.run([env.args.vigil, "rules", "apply", "-f", path, "--server", node.url],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    # A counter of 5xx responses growing by 6 per 15 s scrape: rate 0.4/s.
    now = int(time.time() * 1000)
    lines = [f'http_requests_total{{job="api",status="500"}} {6 * i} {now - (20 - i) * 15000}' for i in range(21)]
    r = node.push_text("\n".join(lines) + "\n")
    assert r.status == 204, r.body

    wait_until(lambda: states(node) == ["pending"], 15, "the alert pending")
    wait_until(lambda: states(node) == ["firing"], 15, "the alert firing after for")
    mail = wait_until(lambda: emails(mail_dir), 30, "the email")[0]
    assert "[FIRING:1] HighErrorRate" in mail and "5xx rate on api is 400m/s" in mail, mail
    slack = wait_until(lambda: posts(http_dir, "/slack"), 15, "the Slack message")[0]
    assert slack["attachments"][0]["color"] == "danger", slack
    pd = wait_until(lambda: posts(http_dir, "/pd"), 15, "the PagerDuty event")[0]
    assert pd["event_action"] == "trigger" and pd["payload"]["severity"] == "critical", pd


run(test)
