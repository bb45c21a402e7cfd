"""Notifications against a real `vigil serve`: a rule fires on pushed
api.latency and notifications arrive at a real SMTP server (aiosmtpd under
/usr/bin/python3) and at local HTTP receivers in webhook, Slack and
PagerDuty shapes; the drop to 200 sends resolutions (PagerDuty resolve with
the same dedup_key); nothing is sent twice. Silences through the CLI and
REST; an invalid `alerting:` section stops `vigil serve` naming the key."""
import json
import os
import subprocess
import time

from harness import request, run, wait_until
from sinks import emails, posts, start_http_sink, start_smtp_sink

RULES = """groups:
  - name: api
    interval: 1s
    rules:
      - alert: HighLatency
        expr: avg(api.latency) > 400
        for: 2s
        labels:
          severity: page
        annotations:
          summary: "API latency is {{ $value }} ms"
"""


def config(smtp_port, http_port):
    hook = f"http://127.0.0.1:{http_port}"
    return f"""
alerting:
  external_url: http://vigil.test
  retry: {{initial: 500ms, max: 2s}}
  channels:
    mail: {{type: email, smtp_url: "smtp://127.0.0.1:{smtp_port}", from: vigil@example.test,
            to: [oncall@example.test], starttls: "off", timeout: 5s}}
    hook: {{type: webhook, url: "{hook}/hook"}}
    slack: {{type: slack, url: "{hook}/slack"}}
    pd: {{type: pagerduty, url: "{hook}/pd", routing_key: R0UTING}}
  route:
    receiver: mail
    group_by: [alertname]
    group_wait: 1s
    group_interval: 2s
    repeat_interval: 1h
    routes:
      - {{receiver: hook, continue: true}}
      - {{receiver: slack, continue: true}}
      - {{receiver: pd, continue: true}}
      - {{receiver: mail}}
"""


def vigil(env, *args):
    return subprocess.run([env.args.vigil, *args], capture_output=True, text=True, timeout=60)


def push(node, v):
    r = request(node.url + "/v1/metrics", data=json.dumps({"name": "api.latency", "value": v}).encode(),
                headers={"Content-Type": "application/json"})
    assert r.status == 200, r.body


def start_sinks(env):
    mail_dir, http_dir = os.path.join(env.dir, "mail"), os.path.join(env.dir, "http")
    smtp_port = start_smtp_sink(env, mail_dir)
    http_port = int(start_http_sink(env, http_dir).rsplit(":", 1)[1])
    return mail_dir, http_dir, smtp_port, http_port


def journeys(env, node, mail_dir, http_dir):
    rules = os.path.join(env.dir, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES)
    r = vigil(env, "rules", "apply", "-f", rules, "--server", node.url)
    assert r.returncode == 0, r.stderr
    push(node, 500)
    # Journey 1: firing -> one email with the annotation, webhook, Slack, PagerDuty trigger.
    mail = wait_until(lambda: emails(mail_dir), 30, "the firing email")
    assert "Subject: [FIRING:1] HighLatency" in mail[0], mail[0]
    assert "summary = API latency is 500 ms" in mail[0], mail[0]
    assert "X-Envelope-To: oncall@example.test" in mail[0]
    hook = wait_until(lambda: posts(http_dir, "/hook"), 10, "the webhook")[0]
    assert hook["version"] == "4" and hook["status"] == "firing" and hook["receiver"] == "hook", hook
    assert hook["alerts"][0]["labels"]["severity"] == "page"
    assert hook["alerts"][0]["endsAt"] == "0001-01-01T00:00:00Z"
    slack = wait_until(lambda: posts(http_dir, "/slack"), 10, "the Slack message")[0]
    assert slack["attachments"][0]["color"] == "danger", slack
    pd = wait_until(lambda: posts(http_dir, "/pd"), 10, "the PagerDuty trigger")[0]
    assert pd["event_action"] == "trigger" and pd["routing_key"] == "R0UTING", pd
    assert pd["payload"]["severity"] == "critical", pd  # "page" is no PagerDuty severity
    # Journey 2: the metric drops -> resolutions, PagerDuty resolves the same incident.
    push(node, 200)
    wait_until(lambda: len(emails(mail_dir)) >= 2, 30, "the resolution email")
    assert "Subject: [RESOLVED] HighLatency" in emails(mail_dir)[1]
    pds = wait_until(lambda: len(posts(http_dir, "/pd")) >= 2 and posts(http_dir, "/pd"), 10, "the PD resolve")
    assert pds[1]["event_action"] == "resolve" and pds[1]["dedup_key"] == pd["dedup_key"], pds
    # Nothing twice: several group intervals later the counts are unchanged.
    time.sleep(5)
    assert len(emails(mail_dir)) == 2, [m.splitlines()[3:5] for m in emails(mail_dir)]
    for path in ("/hook", "/slack", "/pd"):
        assert len(posts(http_dir, path)) == 2, (path, posts(http_dir, path))
    metrics = request(node.url + "/metrics").body.decode()
    delivered = [line for line in metrics.splitlines() if line.startswith("vigil_notifications_delivered_total ")]
    assert delivered and int(delivered[0].split()[1]) == 8, delivered  # 4 channels x (firing + resolved)


def silences(env, node):
    r = vigil(env, "silence", "add", "alertname=HighLatency", "instance=~web.*", "--author", "alice",
              "--comment", "maintenance", "--duration", "2h", "--server", node.url)
    assert r.returncode == 0, r.stderr
    sid = r.stdout.strip()
    items = request(node.url + "/api/v2/silences").json()
    assert [s["id"] for s in items] == [sid], items
    s = items[0]
    assert s["status"]["state"] == "active" and s["createdBy"] == "alice" and s["comment"] == "maintenance", s
    assert {"name": "instance", "value": "web.*", "isRegex": True, "isEqual": True} in s["matchers"], s
    r = vigil(env, "silence", "list", "--server", node.url)
    assert r.returncode == 0 and sid in r.stdout and "alertname=HighLatency" in r.stdout, r.stdout
    r = vigil(env, "silence", "expire", sid, "--server", node.url)
    assert r.returncode == 0, r.stderr
    assert request(node.url + "/api/v2/silences").json()[0]["status"]["state"] == "expired"
    assert request(node.url + "/api/v2/silence/nope", method="DELETE").status == 404
    bad = request(node.url + "/api/v2/silences", data=b'{"matchers":[]}', method="POST")
    assert bad.status == 400, bad.body
    r = vigil(env, "silence", "add", "oops", "--author", "a", "--comment", "c", "--server", node.url)
    assert r.returncode != 0 and "matcher 'oops'" in r.stderr, r.stderr


def invalid_config(env):
    bad = env.node("bad", config="alerting:\n  channels:\n    x: {type: fax}\n")
    p = subprocess.run([env.args.vigil, "serve", "--config", bad.config_path, "--data-dir", bad.data_dir,
                        "--http-listen", f"127.0.0.1:{bad.port}"], capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "alerting.channels.x.type" in p.stderr, (p.returncode, p.stderr)


def test(env):
    invalid_config(env)
    mail_dir, http_dir, smtp_port, http_port = start_sinks(env)
    node = env.node(config=config(smtp_port, http_port)).start()
    silences(env, node)
    journeys(env, node, mail_dir, http_dir)
    node.stop()


if __name__ == "__main__":
    run(test)
