"""Notifications against a real `vigil serve`: a rule fires on pushed
api.latency and notifications arrive at a real SMTP server (aiosmtpd under
/usr/bin/python3) and at local HTTP receivers in webhook, Slack and
PagerDuty shapes; the drop to 200 sends resolutions (PagerDuty resolve with
the same dedup_key); nothing is sent twice. Silences through the CLI and
REST; an invalid `alerting:` section stops `vigil serve` naming the key."""
import glob
import json
import os
import subprocess
import sys
import time

from harness import free_port, request, run, wait_until

SMTP_SINK = r'''
import itertools, os, signal, sys
from aiosmtpd.controller import Controller
port, outdir = int(sys.argv[1]), sys.argv[2]; os.makedirs(outdir, exist_ok=True); seq = itertools.count(1)
class Sink:
    async def handle_DATA(self, server, session, env):
        n = next(seq); tmp = os.path.join(outdir, f".{n:04d}.tmp")
        with open(tmp, "wb") as f:
            f.write(f"X-Envelope-To: {','.join(env.rcpt_tos)}\r\n".encode()); f.write(env.original_content)
        os.rename(tmp, os.path.join(outdir, f"{n:04d}.eml"))
        return "250 OK"
c = Controller(Sink(), hostname="127.0.0.1", port=port)
signal.signal(signal.SIGTERM, lambda *_: sys.exit(0)); c.start(); print("ready", flush=True)
try: signal.pause()
finally: c.stop()
'''

HTTP_SINK = r'''
import itertools, json, os, sys, threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
out = sys.argv[1]; os.makedirs(out, exist_ok=True); seq, lock = itertools.count(1), threading.Lock()
class H(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with lock: n = next(seq)
        rec = {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
        with open(f"{out}/.{n:04d}.tmp", "w") as f: json.dump(rec, f)
        os.rename(f"{out}/.{n:04d}.tmp", f"{out}/{n:04d}.json")
        self.send_response(200); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print("port", srv.server_address[1], flush=True); srv.serve_forever()
'''

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


def emails(d):
    return [open(p, encoding="utf-8", newline="").read() for p in sorted(glob.glob(os.path.join(d, "*.eml")))]


def posts(d, path):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "*.json"))):
        rec = json.load(open(p))
        if rec["path"] == path:
            out.append(json.loads(rec["body"]))
    return out


def start_sinks(env):
    mail_dir, http_dir = os.path.join(env.dir, "mail"), os.path.join(env.dir, "http")
    smtp_port = free_port()
    smtp = env.spawn(["/usr/bin/python3", "-c", SMTP_SINK, str(smtp_port), mail_dir], stdout=subprocess.PIPE, text=True)
    assert smtp.stdout.readline().strip() == "ready"
    http = env.spawn([sys.executable, "-c", HTTP_SINK, http_dir], stdout=subprocess.PIPE, text=True)
    http_port = int(http.stdout.readline().split()[1])
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
