"""`vigil compact`: a stopped node's shards are rewritten densely (open chunks
sealed, full pages) and answer exactly as before; a running node's data dir
is refused (one process per data dir: a second `vigil serve` is refused too),
and writes after the compaction resume the sealed series."""
import glob
import os
import subprocess
import time

from harness import run

SERIES = 120
SCRAPES = 200  # more than one 120-sample chunk: a sealed and an open chunk each


def push(node, base, first, n):
    for k in range(first, first + n):
        batch = [{"name": "cmp_metric", "value": (s + 1) * k + (0.25 if s % 3 == 0 else 0),
                  "labels": {"series": str(s), "job": "j" + str(s % 4)}, "timestamp": base + k * 15_000}
                 for s in range(SERIES)]
        r = node.push_json(batch)
        assert r.status == 200, r.body


def everything(node, start_s, end_s):
    r = node.query_range('{__name__="cmp_metric"}', start_s, end_s, 15)
    assert r.status == 200, r.body
    res = r.json()["data"]["result"]
    return sorted((tuple(sorted(x["metric"].items())), tuple(map(tuple, x["values"]))) for x in res)


def data_bytes(node):
    return sum(os.path.getsize(p) for p in glob.glob(os.path.join(node.data_dir, "shard-*", "data.mdb")))


def compact(env, node):
    return subprocess.run([env.args.vigil, "compact", "--config", node.config_path, "--data-dir", node.data_dir],
                          capture_output=True, text=True, timeout=120)


def test(env):
    # No data directory: a clear error, nothing created.
    missing = os.path.join(env.dir, "no-such-dir")
    r = subprocess.run([env.args.vigil, "compact", "--data-dir", missing], capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "no data directory at" in r.stderr, (r.returncode, r.stderr)
    assert not os.path.exists(missing)

    node = env.node().start()
    base = (int(time.time()) - 3 * 3600) * 1000
    push(node, base, 0, SCRAPES)
    start_s, end_s = base / 1000, (base + (SCRAPES - 1) * 15_000) / 1000
    want = everything(node, start_s, end_s)
    assert len(want) == SERIES and all(len(v) == SCRAPES for _, v in want), len(want)

    # A running node's data dir: compact and a second serve are refused.
    r = compact(env, node)
    assert r.returncode == 1 and "stop the node first" in r.stderr, (r.returncode, r.stderr)
    second = subprocess.run([env.args.vigil, "serve", "--config", node.config_path, "--data-dir", node.data_dir,
                             "--http-listen", "127.0.0.1:0"], capture_output=True, text=True, timeout=30)
    assert second.returncode == 1 and "another vigil process is using" in second.stderr, second.stderr

    assert node.stop() == 0
    before = data_bytes(node)
    r = compact(env, node)
    assert r.returncode == 0, r.stderr
    assert "compact of" in r.stdout and "complete" in r.stdout, r.stdout
    assert "compact: shard-000" in r.stderr, r.stderr  # progress, one line per shard
    after = data_bytes(node)
    assert after * 2 < before, (before, after)

    node.start()
    assert everything(node, start_s, end_s) == want
    # The sealed series resume.
    push(node, base, SCRAPES, 5)
    got = everything(node, start_s, end_s + 5 * 15)
    assert all(len(v) == SCRAPES + 5 for _, v in got), [len(v) for _, v in got][:5]
    assert [v[:SCRAPES] for _, v in got] == [v for _, v in want]


if __name__ == "__main__":
    run(test)
