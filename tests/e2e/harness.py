"""Shared helpers for vigil's end-to-end tests (stdlib only).

Each test starts real `vigil` processes on 127.0.0.1 with free ports and a
temporary data directory, talks to them over HTTP, and kills only the PIDs it
started. Every wait is bounded.
"""
import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--vigil", required=True)
    p.add_argument("--source-dir", required=True)
    return p.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(pred, timeout, what, interval=0.05):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        try:
            v = pred()
            if v:
                return v
        except Exception as e:  # noqa: BLE001 - keep polling, report the last one
            last = e
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last error: {last})")


class Response:
    def __init__(self, status, body, headers):
        self.status, self.body, self.headers = status, body, headers

    def json(self):
        return json.loads(self.body)


def request(url, data=None, headers=None, method=None, timeout=30):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return Response(r.status, r.read(), dict(r.headers))
    except urllib.error.HTTPError as e:
        return Response(e.code, e.read(), dict(e.headers))


class Node:
    """One vigil process."""

    def __init__(self, vigil, workdir, name="node", config=None, shards=None):
        self.vigil, self.name = vigil, name
        self.data_dir = os.path.join(workdir, name + "-data")
        self.port = free_port()
        self.config_path = os.path.join(workdir, name + ".yaml")
        cfg = config or ""
        with open(self.config_path, "w") as f:
            f.write(cfg)
        self.log_path = os.path.join(workdir, name + ".log")
        self.proc = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, wait_ready=True, timeout=30):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.vigil, "serve", "--config", self.config_path, "--data-dir", self.data_dir,
             "--http-listen", f"127.0.0.1:{self.port}"],
            stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: self._alive() and request(self.url + "/-/healthy", timeout=2).status == 200,
                   timeout, f"{self.name} healthy")
        if wait_ready:
            wait_until(lambda: self._alive() and request(self.url + "/-/ready", timeout=2).status == 200,
                       timeout, f"{self.name} ready")
        return self

    def _alive(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"{self.name} exited with {self.proc.returncode}; log:\n{self.log()}")
        return True

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")[-4000:]
        except OSError:
            return ""

    def stop(self, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError(f"{self.name} did not stop on SIGTERM within {timeout}s")
        return self.proc.returncode if self.proc else None

    def kill9(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    # -- API helpers ------------------------------------------------------------
    def push_json(self, payload):
        return request(self.url + "/v1/metrics", data=json.dumps(payload).encode(),
                       headers={"Content-Type": "application/json"})

    def push_text(self, text):
        return request(self.url + "/api/v1/import/prometheus", data=text.encode(),
                       headers={"Content-Type": "text/plain"})

    def query(self, expr, t=None):
        q = {"query": expr}
        if t is not None:
            q["time"] = str(t)
        return request(self.url + "/api/v1/query?" + urllib.parse.urlencode(q))

    def query_range(self, expr, start, end, step):
        q = {"query": expr, "start": str(start), "end": str(end), "step": str(step)}
        return request(self.url + "/api/v1/query_range?" + urllib.parse.urlencode(q))

    def series(self, match, start=None, end=None):
        q = [("match[]", match)]
        if start is not None:
            q += [("start", str(start)), ("end", str(end))]
        return request(self.url + "/api/v1/series?" + urllib.parse.urlencode(q))


class TestEnv:
    """Owns a temp dir and the nodes/processes a test started."""

    def __init__(self):
        self.args = parse_args()
        self.dir = tempfile.mkdtemp(prefix="vigil-e2e-")
        self.nodes = []
        self.procs = []

    def node(self, name="node", config=None):
        n = Node(self.args.vigil, self.dir, name, config)
        self.nodes.append(n)
        return n

    def spawn(self, argv, **kw):
        p = subprocess.Popen(argv, **kw)
        self.procs.append(p)
        return p

    def close(self, ok):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        for n in self.nodes:
            if n.proc and n.proc.poll() is None:
                n.proc.kill()
                n.proc.wait()
        if ok:
            shutil.rmtree(self.dir, ignore_errors=True)
        else:
            print(f"test data kept in {self.dir}")
            for n in self.nodes:
                print(f"--- log of {n.name} ---\n{n.log()}")


def run(test):
    env = TestEnv()
    ok = False
    try:
        test(env)
        ok = True
        print("PASS")
    finally:
        env.close(ok)
    sys.exit(0 if ok else 1)
