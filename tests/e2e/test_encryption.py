"""Encryption at rest: a node with storage.encryption.key_file ingests through
/v1/metrics and answers queries; after it stops, no file of its data dir holds
the label value or the sample's bytes; a restart with another key, without a
key, or with a key file others can read exits non-zero at once with a clear
message; a restart with the right key finds the data intact, and so does a
node started on a restored backup. An unencrypted data dir refuses a key."""
import json
import os
import struct
import subprocess
import time

from harness import request, run, serve_fails, wait_until

SECRET = "zebra-secret-7391"
VALUE = 1234567.891


def write_key(path, hex_key, mode=0o600):
    with open(path, "w") as f:
        f.write(hex_key + "\n")
    os.chmod(path, mode)
    return path


def config(key_file=None):
    if key_file is None:
        return "storage:\n  shards: 4\n"
    return f"storage:\n  shards: 4\n  encryption:\n    key_file: {key_file}\n"


def data_bytes(data_dir, only_shards=False):
    out = bytearray()
    for root, _, files in os.walk(data_dir):
        if only_shards and "shard-" not in root:
            continue
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                out += f.read()
    return bytes(out)


def push(node, now_ms):
    batch = [{"name": "secret_metric", "value": VALUE if j == 0 else j,
              "labels": {"tenant": SECRET, "job": "api"}, "timestamp": now_ms - (30 - j) * 15_000}
             for j in range(30)]
    batch += [{"name": "secret_metric", "value": s, "labels": {"tenant": f"t{s}", "job": "db"},
               "timestamp": now_ms} for s in range(20)]
    r = node.push_json(batch)
    assert r.status == 200, r.body
    assert r.json()["data"]["samples"] == 50, r.body


def snapshot(node, now_s):
    """What the node answers about the pushed data."""
    r = node.query(f'secret_metric{{tenant="{SECRET}"}}[1h]', now_s)
    assert r.status == 200, r.body
    res = r.json()["data"]["result"]
    assert len(res) == 1, res
    values = [float(v) for _, v in res[0]["values"]]
    assert len(values) == 30 and values[0] == VALUE, values[:3]
    r = node.get("/api/v1/label/tenant/values")
    assert r.status == 200, r.body
    tenants = r.json()["data"]
    assert tenants == sorted(tenants) and SECRET in tenants and len(tenants) == 21, tenants
    r = node.query('count(secret_metric{tenant=~"t1.*", tenant!~"t1[0-4]"})', now_s)
    assert r.status == 200, r.body
    assert r.json()["data"]["result"][0]["value"][1] == "6", r.body  # t1, t15..t19
    return values, tenants


def test(env):
    key_a = write_key(os.path.join(env.dir, "a.key"), "11" * 32)
    key_b = write_key(os.path.join(env.dir, "b.key"), "22" * 32)
    node = env.node("enc", config(key_a))
    node.start()
    assert "encrypted at rest" in node.log(), node.log()
    now_ms = int(time.time() * 1000)
    push(node, now_ms)
    before = snapshot(node, now_ms / 1000)
    assert node.stop() == 0

    raw = data_bytes(node.data_dir)
    shards = data_bytes(node.data_dir, only_shards=True)
    assert len(shards) > 0
    assert SECRET.encode() not in raw, "the label value is in the data dir in plain text"
    for what, needle in [("value bits BE", struct.pack(">d", VALUE)), ("value bits LE", struct.pack("<d", VALUE))]:
        assert needle not in shards, f"{what} found in the shard files"
    print(f"data dir scanned: {len(raw)} bytes, no '{SECRET}' and no raw value bytes")

    # Another key, no key, a key file others may read: refused before serving.
    err = serve_fails(env, node.data_dir, config(key_b))
    assert f"encryption key does not match this data (key file {key_b})" in err, err
    assert "shard-00" in err, err
    err = serve_fails(env, node.data_dir, config())
    assert "the data is encrypted, but no encryption key is configured" in err, err
    os.chmod(key_a, 0o644)
    err = serve_fails(env, node.data_dir, config(key_a))
    assert key_a in err and "chmod 600" in err, err
    os.chmod(key_a, 0o600)
    bad = write_key(os.path.join(env.dir, "short.key"), "abcd")
    err = serve_fails(env, node.data_dir, config(bad))
    assert bad in err and "64 hex digits" in err, err

    # The right key: everything is still there.
    node.start()
    assert snapshot(node, now_ms / 1000) == before
    assert node.stop() == 0

    # A backup restores to a node that opens it with the same key only.
    backups = os.path.join(env.dir, "backups")
    p = subprocess.run([env.args.vigil, "backup", "--to", backups, "--data-dir", node.data_dir],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    restored = env.node("restored", config())
    p = subprocess.run([env.args.vigil, "restore", "--from", backups, "--data-dir", restored.data_dir],
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr
    assert SECRET.encode() not in data_bytes(backups)
    err = serve_fails(env, restored.data_dir, config(key_b))
    assert "encryption key does not match this data" in err, err
    restored.proc = subprocess.Popen(
        [env.args.vigil, "serve", "--config", restored.config_path, "--data-dir", restored.data_dir,
         "--http-listen", f"127.0.0.1:{restored.port}", "--encryption-key-file", key_a],
        stdout=open(restored.log_path, "ab"), stderr=subprocess.STDOUT)
    wait_until(lambda: restored._alive() and request(restored.url + "/-/ready", timeout=2).status == 200,
               30, "restored ready")
    assert snapshot(restored, now_ms / 1000) == before
    assert restored.stop() == 0

    # An unencrypted data dir is not silently mixed with encrypted writes.
    plain = env.node("plain", config())
    plain.start()
    push(plain, now_ms)
    assert plain.stop() == 0
    assert SECRET.encode() in data_bytes(plain.data_dir), "the scan finds plain text where there is some"
    err = serve_fails(env, plain.data_dir, config(key_a))
    assert "the data is not encrypted, but an encryption key is configured" in err, err
    print("encryption at rest: ok")


run(test)
