"""Hot backup under write load, restore into a new data dir, and incremental
backups: `vigil backup` runs while a writer keeps pushing batches; the
restored node holds every batch acknowledged before the backup started, each
series is a gap-free prefix of what was written, and each shard (one LMDB
snapshot) has one cut point. Later backups reuse unchanged environments, and
a corrupt or non-empty target (or a running node's, even with --force) makes
`vigil restore` fail without writing."""
import json
import os
import re
import shutil
import subprocess
import threading
import time
import urllib.parse

from harness import request, run

SERIES = 40
FILLER_SERIES = 200
FILLER_SAMPLES = 150
# The live node's count is set (not `auto`, which follows the cores), so the
# restored nodes, started with the default `auto`, must take it from the data.
SHARDS = 4
ENVS = SHARDS + 2  # the shards, alerts and notify


def writer(node, state, stop):
    """Posts batches (SERIES series x 1 sample at one timestamp) until stopped."""
    while not stop.is_set():
        i = state["next"]
        t = state["base"] + i * 1000
        batch = [{"name": "bk_load", "value": i, "labels": {"s": str(s)}, "timestamp": t} for s in range(SERIES)]
        state["sent"] = i
        r = request(node.url + "/v1/metrics", data=json.dumps(batch).encode(),
                    headers={"Content-Type": "application/json"}, timeout=10)
        if r.status != 200:
            state["errors"].append((r.status, r.body))
            return
        state["acked"].append(i)
        state["next"] = i + 1


def push_filler(node, base):
    """History written before the load: FILLER_SERIES x FILLER_SAMPLES."""
    for chunk in range(0, FILLER_SERIES, 50):
        batch = [{"name": "bk_filler", "value": j * 0.25 + s, "labels": {"s": str(s), "job": "filler"},
                  "timestamp": base + j * 15_000}
                 for s in range(chunk, chunk + 50) for j in range(FILLER_SAMPLES)]
        r = node.push_json(batch)
        assert r.status == 200, r.body


def samples(node, metric, at_s):
    r = request(node.url + "/api/v1/query?" + urllib.parse.urlencode({"query": f"{metric}[2h]", "time": str(at_s)}))
    assert r.status == 200, r.body
    return {s["metric"]["s"]: sorted((round(float(t) * 1000), float(v)) for t, v in s["values"])
            for s in r.json()["data"]["result"]}


def vigil(env, *args):
    p = subprocess.run([env.args.vigil, *args], capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


def backup(env, node, bdir):
    rc, out, err = vigil(env, "backup", "--to", bdir, "--data-dir", node.data_dir)
    assert rc == 0, f"backup failed ({rc}): {err}"
    m = re.search(rf"^backup (\S+) complete: {ENVS} environments \({SHARDS} shards\), (\d+) copied .*, (\d+) reused", out, re.M)
    assert m, out
    assert "backup: starting" in err, err
    for name in [f"shard-{i:03d}" for i in range(SHARDS)] + ["alerts", "notify"]:
        assert re.search(rf"^backup: {name} (copied|reused from \S+ \(unchanged\)) .*\[\s*\d+%\]$", err, re.M), err
    assert re.search(r"\[100%\]$", err.strip()), err
    return m.group(1), int(m.group(2)), int(m.group(3)), err


def check_restored(state, got, acked_before, sent_before_end):
    """Every batch acked before the backup started is present; each series is
    a gap-free prefix; batches present in only some series were in flight
    during the backup; at most one cut point per shard."""
    base = state["base"]
    cuts = {}
    for s in range(SERIES):
        ids = [(t - base) // 1000 for t, _ in got.get(str(s), [])]
        assert ids == list(range(len(ids))), f"series {s}: not a gap-free prefix: {ids[:5]}...{ids[-5:]}"
        assert all(v == (t - base) // 1000 for t, v in got[str(s)]), f"series {s}: wrong values"
        cuts[s] = len(ids)
    assert min(cuts.values()) >= len(acked_before), (min(cuts.values()), len(acked_before))
    assert max(cuts.values()) <= sent_before_end + 1, (max(cuts.values()), sent_before_end)
    assert len(set(cuts.values())) <= SHARDS, f"more cut points than shards: {sorted(set(cuts.values()))}"
    partial = range(min(cuts.values()), max(cuts.values()))
    print(f"restored: {min(cuts.values())}..{max(cuts.values())} batches per series "
          f"({len(acked_before)} acked before the backup, {len(partial)} in flight during it, "
          f"{len(set(cuts.values()))} distinct cut points)")


def flip_byte(path):
    with open(path, "r+b") as f:
        f.seek(os.path.getsize(path) - 100)
        b = f.read(1)
        f.seek(-1, os.SEEK_CUR)
        f.write(bytes([b[0] ^ 0x5A]))


def check_restore_failures(env, bdir, name, occupied, live):
    # A corrupt file (in a copy of the backup, so the hard-linked originals stay intact).
    bad = os.path.join(env.dir, "bad-backups")
    shutil.copytree(os.path.join(bdir, name), os.path.join(bad, name))
    victim = os.path.join(bad, name, "shard-003", "data.mdb")
    flip_byte(victim)
    target = os.path.join(env.dir, "never-written")
    rc, out, err = vigil(env, "restore", "--from", bad, "--data-dir", target)
    assert rc == 1, (rc, out, err)
    assert victim in err and "checksum mismatch" in err, err
    assert not os.path.exists(target), "a failed verification wrote the target"
    # A non-empty target without --force.
    before = sorted(os.listdir(occupied))
    rc, out, err = vigil(env, "restore", "--from", bdir, "--data-dir", occupied)
    assert rc == 1 and "not empty" in err and "--force" in err, (rc, err)
    assert sorted(os.listdir(occupied)) == before
    # --force into the data dir of a running node: refused (the node holds its lock).
    before = sorted(os.listdir(live))
    rc, out, err = vigil(env, "restore", "--from", bdir, "--data-dir", live, "--force")
    assert rc == 1 and "a running vigil node is using" in err and "stop the node first" in err, (rc, err)
    assert sorted(os.listdir(live)) == before


def test(env):
    bdir = os.path.join(env.dir, "backups")
    node = env.node("live", f"storage:\n  shards: {SHARDS}\n").start()
    now_ms = int(time.time() * 1000)
    state = {"base": now_ms - 1_800_000, "next": 0, "sent": -1, "acked": [], "errors": []}
    push_filler(node, now_ms - 3_600_000)
    stop = threading.Event()
    th = threading.Thread(target=writer, args=(node, state, stop))
    th.start()
    time.sleep(1.5)
    acked_before = list(state["acked"])
    first, copied, reused, err = backup(env, node, bdir)
    sent_before_end = state["sent"]
    time.sleep(0.5)
    stop.set()
    th.join(timeout=30)
    assert not state["errors"], state["errors"]
    assert copied == ENVS and reused == 0, (copied, reused)
    assert len(acked_before) > 10, "the load acknowledged too few batches before the backup"
    print(f"backup {first} taken under load ({len(acked_before)} batches acked before it, "
          f"{len(state['acked'])} in total)")

    # Restore into a new data dir; a second node serves it.
    restored = env.node("restored")
    rc, out, err = vigil(env, "restore", "--from", bdir, "--data-dir", restored.data_dir)
    assert rc == 0, (rc, err)
    assert f"restore of backup {first} complete: {ENVS} environments ({SHARDS} shards), {ENVS} files" in out, out
    assert "restore: verifying" in err and "restore: shard-000/data.mdb ok" in err, err
    assert "restore: shard-000/data.mdb restored" in err and "[100%]" in err, err
    restored.start()
    assert f"vigil: {SHARDS} shards (recorded in shard-" in restored.log(), restored.log()
    at_s = (state["base"] + state["next"] * 1000) / 1000 + 1
    check_restored(state, samples(restored, "bk_load", at_s), acked_before, sent_before_end)
    filler = samples(node, "bk_filler", now_ms / 1000)
    assert len(filler) == FILLER_SERIES and all(len(v) == FILLER_SAMPLES for v in filler.values())
    assert samples(restored, "bk_filler", now_ms / 1000) == filler, "history differs after restore"
    restored.stop()

    # Incremental: the load changed the shards since, not alerts/notify; then nothing changed;
    # then one series changed (one shard).
    second, copied, reused, err = backup(env, node, bdir)
    assert f"alerts reused from {first} (unchanged)" in err, err
    print(f"backup {second}: {copied} copied, {reused} reused")
    for _ in range(10):  # nothing writes now; should a background commit land, the next try settles
        third, copied, reused, err = backup(env, node, bdir)
        if (copied, reused) == (0, ENVS):
            break
        time.sleep(1)
    assert (copied, reused) == (0, ENVS), (copied, reused, err)
    r = node.push_json([{"name": "bk_load", "value": -1, "labels": {"s": "0"}, "timestamp": now_ms}])
    assert r.status == 200, r.body
    fourth, copied, reused, err = backup(env, node, bdir)
    assert (copied, reused) == (1, ENVS - 1), (copied, reused, err)
    assert len(re.findall(rf"reused from {third} \(unchanged\)", err)) == ENVS - 1, err
    print(f"backups {third}: all reused; {fourth}: 1 copied, {ENVS - 1} reused")

    # The newest (incremental) backup restores to exactly the live data.
    again = env.node("again")
    rc, out, err = vigil(env, "restore", "--from", bdir, "--data-dir", again.data_dir)
    assert rc == 0 and f"restore of backup {fourth}" in out, (rc, out, err)
    again.start()
    assert samples(again, "bk_load", at_s + 1) == samples(node, "bk_load", at_s + 1)
    assert samples(again, "bk_filler", now_ms / 1000) == filler
    again.stop()
    check_restore_failures(env, bdir, fourth, again.data_dir, node.data_dir)
    node.stop()


run(test)
