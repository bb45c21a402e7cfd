"""Location transparency: node B serves shards 4-7 over CAF io; node A serves
shards 0-3 and routes ingest and queries to B's shards through the same
handles. Data for B's shards lands in B's data directory only."""
import os
import time

from harness import free_port, request, run, wait_until


def shard_dirs(node):
    if not os.path.isdir(node.data_dir):
        return set()
    return {d for d in os.listdir(node.data_dir) if d.startswith("shard-")}


def test(env):
    cport = free_port()
    b = env.node("b", config=f"""
storage:
  shards: 8
cluster:
  listen: 127.0.0.1:{cport}
  local_shards: "4-7"
""")
    # B alone is not ready: shards 0-3 have no handle.
    b.start(wait_ready=False)
    a = env.node("a", config=f"""
storage:
  shards: 8
cluster:
  local_shards: "0-3"
  peers: ["127.0.0.1:{cport}"]
""")
    a.start(wait_ready=True, timeout=30)

    assert shard_dirs(a) == {f"shard-00{i}" for i in range(4)}, shard_dirs(a)
    assert shard_dirs(b) == {f"shard-00{i}" for i in range(4, 8)}, shard_dirs(b)

    # 200 series spread over all 8 shards, written through A in one batch.
    t = int(time.time() * 1000)
    batch = [{"name": "lt.metric", "value": i, "labels": {"i": str(i)}, "timestamp": t} for i in range(200)]
    r = a.push_json(batch)
    assert r.status == 200 and r.json()["data"]["samples"] == 200, (r.status, r.body)

    r = a.query("count(lt.metric)")
    assert r.status == 200, r.body
    assert r.json()["data"]["result"][0]["value"][1] == "200", r.body
    r = a.query("sum(lt.metric)")
    assert r.json()["data"]["result"][0]["value"][1] == str(sum(range(200))), r.body
    r = a.series("lt.metric")
    assert len(r.json()["data"]) == 200, r.body
    # Raw selects (no pushdown) and two selections in one query: B's shards
    # answer them as Cap'n Proto bytes inside one read answer each.
    r = a.query("lt.metric")
    got = {s["metric"]["i"]: s["value"][1] for s in r.json()["data"]["result"]}
    assert got == {str(i): str(i) for i in range(200)}, r.body
    r = a.query("count(lt.metric * on(i) lt.metric > 99)")  # i >= 10
    assert r.json()["data"]["result"][0]["value"][1] == "190", r.body

    # B's shards were written in B's own LMDB environments.
    sizes = {d: sum(os.path.getsize(os.path.join(b.data_dir, d, f))
                    for f in os.listdir(os.path.join(b.data_dir, d))) for d in shard_dirs(b)}
    assert all(s > 0 for s in sizes.values()), sizes

    # B goes down: A fails queries naming a shard instead of answering partially.
    b.kill9()
    wait_until(lambda: request(a.url + "/-/ready", timeout=2).status == 503, 15, "A not ready after B died")
    r = a.query("count(lt.metric)")
    assert r.status >= 400 and b"shard" in r.body, (r.status, r.body)

    # B comes back on the same port: A reconnects and answers again.
    b.start(wait_ready=False)
    wait_until(lambda: request(a.url + "/-/ready", timeout=2).status == 200, 30, "A ready after B restarted")
    r = a.query("count(lt.metric)")
    assert r.json()["data"]["result"][0]["value"][1] == "200", r.body


run(test)
