"""Receivers for notification tests: a real SMTP server (aiosmtpd, Debian's
python3-aiosmtpd, so it runs under /usr/bin/python3) and a stdlib HTTP
receiver. Each stores one file per message, renamed atomically so tests can
poll; the HTTP receiver answers 503 while OUTDIR/fail exists."""
import glob
import json
import os
import subprocess
import sys

from harness import free_port

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
        code = 503 if os.path.exists(os.path.join(out, "fail")) else 200
        with lock: n = next(seq)
        rec = {"path": self.path, "headers": dict(self.headers), "body": body.decode(), "code": code}
        with open(f"{out}/.{n:04d}.tmp", "w") as f: json.dump(rec, f)
        os.rename(f"{out}/.{n:04d}.tmp", f"{out}/{n:04d}.json")
        self.send_response(code); self.send_header("Content-Length", "2"); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
print("port", srv.server_address[1], flush=True); srv.serve_forever()
'''


def start_smtp_sink(env, outdir):
    """Starts the SMTP server; returns its port."""
    port = free_port()
    p = env.spawn(["/usr/bin/python3", "-c", SMTP_SINK, str(port), outdir], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "ready", "SMTP sink did not start (python3-aiosmtpd missing?)"
    return port


def start_http_sink(env, outdir):
    """Starts the HTTP receiver; returns its base URL."""
    os.makedirs(outdir, exist_ok=True)
    p = env.spawn([sys.executable, "-c", HTTP_SINK, outdir], stdout=subprocess.PIPE, text=True)
    return f"http://127.0.0.1:{int(p.stdout.readline().split()[1])}"


def emails(d):
    return [open(p, encoding="utf-8", newline="").read() for p in sorted(glob.glob(os.path.join(d, "*.eml")))]


def requests_received(d):
    out = []
    for p in sorted(glob.glob(os.path.join(d, "*.json"))):
        with open(p) as f:
            out.append(json.load(f))
    return out


def posts(d, path):
    """Bodies (parsed JSON) of the POSTs to `path` that were answered 200."""
    return [json.loads(r["body"]) for r in requests_received(d) if r["path"] == path and r["code"] == 200]
