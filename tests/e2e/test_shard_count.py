"""storage.shards is part of the data: series are placed on shards by a hash of
their labels modulo the count, so a node restarted on its data dir with
another count would look for most series on the wrong shard. It exits non-zero
at once with a message naming both counts (the count each shard recorded, read
from a shard directory past the configured count when there is one), and the
data is intact when it starts with the count it was written with."""
import os
import subprocess
import time

from harness import free_port, run


def serve_fails(env, node, shards):
    cfg = os.path.join(env.dir, f"shards-{shards}.yaml")
    with open(cfg, "w") as f:
        f.write(f"storage:\n  shards: {shards}\n")
    argv = [env.args.vigil, "serve", "--config", cfg, "--data-dir", node.data_dir,
            "--http-listen", f"127.0.0.1:{free_port()}"]
    p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    out = p.stdout + p.stderr
    assert p.returncode != 0, f"vigil serve started with storage.shards {shards} on a 4-shard data dir:\n{out}"
    assert "API listening" not in out, out
    print(f"shards {shards}: refused (exit {p.returncode}): {p.stderr.strip()}")
    return p.stderr


def test(env):
    node = env.node("four", "storage:\n  shards: 4\n").start()
    now_ms = int(time.time() * 1000)
    batch = [{"name": "placed", "value": s, "labels": {"s": str(s)}, "timestamp": now_ms} for s in range(64)]
    r = node.push_json(batch)
    assert r.status == 200, r.body
    assert node.stop() == 0

    fewer = serve_fails(env, node, 2)
    assert "was written by a node of 4 shards, but storage.shards is 2" in fewer, fewer
    assert "start with storage.shards: 4" in fewer, fewer
    more = serve_fails(env, node, 8)
    assert "was written by a node of 4 shards, but storage.shards is 8" in more, more
    assert "start with storage.shards: 4" in more, more

    node.start()
    r = node.query("count(placed)", now_ms / 1000)
    assert r.status == 200, r.body
    assert r.json()["data"]["result"][0]["value"][1] == "64", r.body
    node.stop()


run(test)
