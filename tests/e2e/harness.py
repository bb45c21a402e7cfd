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
import struct
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


def encode_varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _pb_bytes(number, payload):
    """A protobuf length-delimited field."""
    return encode_varint(number << 3 | 2) + encode_varint(len(payload)) + payload


def snappy_literal(raw):
    """Snappy block format made of literals only (valid, just not smaller)."""
    out = bytearray(encode_varint(len(raw)))
    for i in range(0, len(raw), 65536):
        chunk = raw[i:i + 65536]
        n = len(chunk) - 1
        if n < 60:
            out.append(n << 2)
        elif n < 256:
            out += bytes([60 << 2, n])
        else:
            out += bytes([61 << 2, n & 0xFF, n >> 8])
        out += chunk
    return bytes(out)


# prompb MetricMetadata.MetricType
METADATA_TYPES = {"unknown": 0, "counter": 1, "gauge": 2, "histogram": 3, "gaugehistogram": 4,
                  "summary": 5, "info": 6, "stateset": 7}


def encode_remote_write(series=(), metadata=()):
    """A snappy-compressed prompb WriteRequest (stdlib only).

    series: [(labels dict, [(timestamp_ms, value), ...])];
    metadata: [(type name, metric family name, help, unit)]."""
    body = b""
    for labels, samples in series:
        ts = b"".join(_pb_bytes(1, _pb_bytes(1, k.encode()) + _pb_bytes(2, v.encode()))
                      for k, v in sorted(labels.items()))
        for t, v in samples:
            sample = b"\x09" + struct.pack("<d", v) + b"\x10" + encode_varint(t & 0xFFFFFFFFFFFFFFFF)
            ts += _pb_bytes(2, sample)
        body += _pb_bytes(1, ts)
    for type_name, name, help_text, unit in metadata:
        md = b"\x08" + encode_varint(METADATA_TYPES[type_name]) + _pb_bytes(2, name.encode())
        md += _pb_bytes(4, help_text.encode()) + _pb_bytes(5, unit.encode())
        body += _pb_bytes(3, md)
    return snappy_literal(body)


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

    def get(self, path, params=(), **kw):
        """GET path?params; params: a dict or (name, value) pairs (repeats allowed)."""
        qs = urllib.parse.urlencode(params)
        return request(self.url + path + ("?" + qs if qs else ""), **kw)

    def post_form(self, path, params=(), headers=None):
        """POST path with an application/x-www-form-urlencoded body."""
        h = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return request(self.url + path, data=urllib.parse.urlencode(params).encode(), headers=h)

    def push_remote_write(self, series=(), metadata=()):
        return request(self.url + "/api/v1/write", data=encode_remote_write(series, metadata),
                       headers={"Content-Type": "application/x-protobuf", "Content-Encoding": "snappy",
                                "X-Prometheus-Remote-Write-Version": "0.1.0"})

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


def serve_fails(env, data_dir, cfg_text, *extra):
    """Starts `vigil serve` on `data_dir` with the config `cfg_text`, expecting
    it to exit non-zero before it serves anything; returns its stderr."""
    cfg = os.path.join(env.dir, "failing.yaml")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    argv = [env.args.vigil, "serve", "--config", cfg, "--data-dir", data_dir,
            "--http-listen", f"127.0.0.1:{free_port()}", *extra]
    t0 = time.time()
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"vigil serve started with:\n{cfg_text}\n{out}"
    assert "API listening" not in out, out
    print(f"refused in {time.time() - t0:.2f}s (exit {p.returncode}): {p.stderr.strip()}")
    return p.stderr


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
