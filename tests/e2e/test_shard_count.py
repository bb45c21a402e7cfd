"""storage.shards is part of the data: series are placed on shards by a hash of
their labels modulo the count, so a node restarted on its data dir with
another count would look for most series on the wrong shard. It exits non-zero
at once with a message naming both counts (the count each shard recorded, read
from a shard directory past the configured count when there is one), and the
data is intact when it starts with the count it was written with.

The default, `storage.shards: auto`, takes the count the data dir records, and
for a new data dir one shard per core (at most 8); a cluster node needs a
number."""
import os
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

    # auto on this data dir: the recorded 4, whatever the cores.
    with open(node.config_path, "w") as f:
        f.write("storage:\n  shards: auto\n")
    node.start()
    assert "vigil: 4 shards (recorded in shard-" in node.log(), node.log()
    r = node.query("count(placed)", now_ms / 1000)
    assert r.json()["data"]["result"][0]["value"][1] == "64", r.body
    node.stop()

    # auto (the default) on a new data dir: one shard per core, at most 8.
    fresh = env.node("fresh").start()
    want = min(8, os.cpu_count() or 1)
    assert f"vigil: {want} shards (a new data directory: one per core" in fresh.log(), fresh.log()
    shard_dirs = sorted(d for d in os.listdir(fresh.data_dir) if d.startswith("shard-"))
    assert shard_dirs == [f"shard-{i:03d}" for i in range(want)], shard_dirs
    r = fresh.push_json(batch)
    assert r.status == 200, r.body
    fresh.stop()
    fresh.start()  # and the count it recorded from then on
    assert f"vigil: {want} shards (recorded in shard-" in fresh.log(), fresh.log()
    assert fresh.query("count(placed)", now_ms / 1000).json()["data"]["result"][0]["value"][1] == "64"
    fresh.stop()

    # A cluster node must name its count (auto would follow each machine's cores).
    cluster = serve_fails(env, os.path.join(env.dir, "cluster-data"),
                          "cluster:\n  local_shards: \"0-1\"\n")
    assert "storage.shards: set a number on a cluster node" in cluster, cluster
    cluster = serve_fails(env, os.path.join(env.dir, "cluster-data"), "cluster:\n  peers: [\"127.0.0.1:1\"]\n")
    assert "storage.shards: set a number on a cluster node" in cluster, cluster


run(test)
