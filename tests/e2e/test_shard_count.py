"""storage.shards is part of the data: series are placed on shards by a hash of
their labels modulo the count, so a node restarted on its data dir with
another count would look for most series on the wrong shard. It exits non-zero
at once with a message naming both counts (the count each shard recorded, read
from a shard directory past the configured count when there is one), and the
data is intact when it starts with the count it was written with."""
import time

from harness import run, serve_fails


def refused(env, node, shards):
    return serve_fails(env, node.data_dir, f"storage:\n  shards: {shards}\n")


def test(env):
    node = env.node("four", "storage:\n  shards: 4\n").start()
    now_ms = int(time.time() * 1000)
    batch = [{"name": "placed", "value": s, "labels": {"s": str(s)}, "timestamp": now_ms} for s in range(64)]
    r = node.push_json(batch)
    assert r.status == 200, r.body
    assert node.stop() == 0

    fewer = refused(env, node, 2)
    assert "was written by a node of 4 shards, but storage.shards is 2" in fewer, fewer
    assert "start with storage.shards: 4" in fewer, fewer
    more = refused(env, node, 8)
    assert "was written by a node of 4 shards, but storage.shards is 8" in more, more
    assert "start with storage.shards: 4" in more, more

    node.start()
    r = node.query("count(placed)", now_ms / 1000)
    assert r.status == 200, r.body
    assert r.json()["data"]["result"][0]["value"][1] == "64", r.body
    node.stop()


run(test)
