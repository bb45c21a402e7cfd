"""`vigil rules backtest` against a real `vigil serve`: two hours of
api_latency history with known excursions are pushed with explicit
timestamps (POST /v1/metrics); the backtest of a rule with `for: 5m` prints
exactly the pending/firing/resolved times of that history, with the same
result when the group's interval is short enough that the range is fetched
in several windows, and also against a node whose sample limit rejects a
whole window (the CLI retries in halves); starting inside an excursion
restarts `for` there; an expression the server rejects exits 1 with the
server's message; an unreachable node exits 1 naming it."""
import datetime
import os
import re
import subprocess
import time

from harness import free_port, run

MIN = 60_000

RULES = """groups:
  - name: api
    interval: 1m
    rules:
      - alert: HighLatency
        expr: api_latency > 400
        for: 5m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.service }} latency is {{ $value }} ms"
      - record: api:latency:max
        expr: max(api_latency)
  - name: fine
    interval: 500ms
    rules:
      - alert: HighLatencyFine
        expr: api_latency > 400
        for: 5m
"""

BAD = """groups:
  - name: bad
    rules:
      - alert: RangeVector
        expr: api_latency[5m]
"""

# (start, end) minutes after the base of each excursion above 400, and its value.
EXCURSIONS = [(20, 35, 500), (60, 62, 600), (90, 100, 700)]


def value_at(minute):
    for lo, hi, v in EXCURSIONS:
        if lo <= minute < hi:
            return v
    return 100


def push_history(node, base_ms, end_ms):
    items = []
    t = base_ms - 10 * MIN  # data before --from, so the first evaluation sees a sample
    while t <= end_ms:
        m = (t - base_ms) / MIN
        items.append({"name": "api_latency", "value": value_at(m), "labels": {"service": "api"},
                      "timestamp": t})
        items.append({"name": "api_latency", "value": 120, "labels": {"service": "db"}, "timestamp": t})
        t += 15_000
    r = node.push_json(items)
    assert r.status in (200, 204), (r.status, r.body)


def rfc3339(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def backtest(env, node_url, rules, *args):
    p = subprocess.run([env.args.vigil, "rules", "backtest", "-f", rules, "--server", node_url, *args],
                       capture_output=True, text=True, timeout=120)
    return p


LINE = re.compile(r"^  (\S+)  (\S+\{.*\})  (\w+) -> (\w+)  (?:last )?value=(\S+)$")


def transitions(stdout, alertname):
    """(time, from, to, value) of every timeline line of one alert."""
    out = []
    for line in stdout.splitlines():
        m = LINE.match(line)
        if m and m.group(2).startswith(alertname + "{"):
            assert m.group(2) == alertname + '{service="api"' + (', severity="page"}' if alertname ==
                                                                  "HighLatency" else "}"), line
            out.append((m.group(1), m.group(3), m.group(4), m.group(5)))
    return out


def expected(base_ms, start_min=0):
    at = lambda m: rfc3339(base_ms + m * MIN)  # noqa: E731
    first = max(20, start_min)
    return [(at(first), "inactive", "pending", "500"), (at(first + 5), "pending", "firing", "500"),
            (at(35), "firing", "resolved", "500"),
            (at(60), "inactive", "pending", "600"), (at(62), "pending", "inactive", "600"),
            (at(90), "inactive", "pending", "700"), (at(95), "pending", "firing", "700"),
            (at(100), "firing", "resolved", "700")]


def check_full_range(env, node, rules, base_ms):
    p = backtest(env, node.url, rules, "--from", rfc3339(base_ms), "--to", str((base_ms + 119 * MIN) // 1000))
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    out = p.stdout
    assert f"state before {rfc3339(base_ms)} is unknown" in out, out
    assert transitions(out, "HighLatency") == expected(base_ms), out
    # 500 ms steps: 14,281 evaluations, fetched in two windows; same history.
    assert transitions(out, "HighLatencyFine") == expected(base_ms), out
    assert 'HighLatency{service="api", severity="page"}: went pending 3 times, fired 2 times, ' \
           'firing 15m total' in out, out
    assert "=> HighLatency: fired 2 times, firing 15m total (1 alert, 120 evaluations)" in out, out
    assert "=> HighLatencyFine: fired 2 times, firing 15m total (1 alert, 14281 evaluations)" in out, out
    assert "api:latency:max (group \"api\"): recording rule, skipped" in out, out
    assert 'service="db"' not in out, out


def check_partial_range(env, node, rules, base_ms):
    # From inside the first excursion: `for` starts over there. To inside the
    # last one: still firing at the end.
    p = backtest(env, node.url, rules, "--from", rfc3339(base_ms + 22 * MIN), "--to", rfc3339(base_ms + 97 * MIN))
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    got = transitions(p.stdout, "HighLatency")
    assert got == expected(base_ms, start_min=22)[:-1], p.stdout
    assert "=> HighLatency: fired 2 times, firing 10m total, 1 still firing at the end" in p.stdout, p.stdout


def check_errors(env, node, base_ms):
    bad = os.path.join(env.dir, "bad.yaml")
    with open(bad, "w") as f:
        f.write(BAD)
    p = backtest(env, node.url, bad, "--from", str(base_ms // 1000))
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert 'invalid expression type "range vector" for range query' in p.stderr, p.stderr
    assert "rule RangeVector (line 4)" in p.stderr, p.stderr

    rules = os.path.join(env.dir, "rules.yaml")
    down = f"http://127.0.0.1:{free_port()}"
    p = backtest(env, down, rules, "--from", str(base_ms // 1000))
    assert p.returncode == 1, (p.returncode, p.stdout, p.stderr)
    assert f"cannot reach the node at {down}" in p.stderr, p.stderr
    assert p.stdout == "", p.stdout
    assert len(p.stderr.strip().splitlines()) == 1, p.stderr

    p = backtest(env, node.url, rules, "--from", "yesterday")
    assert p.returncode == 1 and "--from" in p.stderr and "yesterday" in p.stderr, p.stderr
    p = backtest(env, node.url, rules, "--from", str(base_ms // 1000), "--to", str(base_ms // 1000 - 60))
    assert p.returncode == 1 and "is before --from" in p.stderr, p.stderr


def check_halving(env, rules, base_ms, now_ms):
    # A node that cannot answer 11,000 steps of two series at once.
    node = env.node("small", config="query:\n  max_samples: 15000\n").start()
    push_history(node, base_ms, now_ms - 1000)
    r = node.query_range("api_latency > 400", base_ms / 1000, base_ms / 1000 + 10999 * 0.5, "0.5")
    assert r.status == 422 and r.json()["errorType"] == "execution", (r.status, r.body)
    p = backtest(env, node.url, rules, "--from", rfc3339(base_ms), "--to", rfc3339(base_ms + 119 * MIN))
    assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    assert transitions(p.stdout, "HighLatencyFine") == expected(base_ms), p.stdout
    assert "14281 evaluations" in p.stdout, p.stdout
    node.stop()


def test(env):
    node = env.node("node").start()
    now_ms = int(time.time() * 1000)
    base_ms = (now_ms - 125 * MIN) // MIN * MIN
    push_history(node, base_ms, now_ms - 1000)
    rules = os.path.join(env.dir, "rules.yaml")
    with open(rules, "w") as f:
        f.write(RULES)
    check_full_range(env, node, rules, base_ms)
    check_partial_range(env, node, rules, base_ms)
    check_errors(env, node, base_ms)
    check_halving(env, rules, base_ms, now_ms)


if __name__ == "__main__":
    run(test)
