#!/usr/bin/env python3
"""bench/query_bench.py - the query half of vigil's benchmark (bench/run.sh).

Talks to vigil, Prometheus and VictoriaMetrics that hold the same dataset
(bench/load_dataset) through the Prometheus HTTP API. Python 3 stdlib only.

  query_bench.py wait  --start-ms T0 --end-ms T --series N --samples M [--timeout S] NAME=URL...
      waits (bounded) until every system answers with the whole dataset:
      count({__name__=~".+"}) == N and the samples per metric name summed
      over 6 h windows == M; for a system named "prometheus" also until its
      TSDB has finished compacting the backfilled head. Prints one table.

  query_bench.py run   --end-ms T [--reps N] [--warm W] [--json FILE] NAME=URL...
      1. runs every benchmark query once on every system and compares the
         answers: the first system (vigil) strictly against "prometheus"
         (same series, same timestamps, values within a relative 1e-6);
         VictoriaMetrics' differences are reported, never fatal;
      2. cold latency: N repetitions per query, interleaved across systems
         (A B C, B C A, ...), each repetition at its own time (a distinct
         phase of the step, see COLD_SHIFT) so no result cache can answer
         it, with nocache=1 (VictoriaMetrics' switch; the others ignore it);
      3. warm latency (range queries): one first run, then W identical
         repeats, without nocache, so result caches may answer.
      Exit status 1 when vigil's answers differ from Prometheus' or a
      query failed on vigil or Prometheus.

The first NAME=URL is the system under test (vigil); ratios are its median
over each other system's median.
"""
import argparse
import http.client
import json
import math
import socket
import statistics
import sys
import time
import urllib.parse

SECOND = 1000

# The dashboard-like query set: (name, expression).
QUERIES = [
    ("rate_by_job", 'sum by (job) (rate(http_requests_total[5m]))'),
    ("p99_by_job", 'histogram_quantile(0.99, sum by (le, job) (rate(http_request_duration_seconds_bucket[5m])))'),
    ("topk_cpu", 'topk(5, sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m])))'),
    ("error_ratio", 'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / sum by (job) (rate(http_requests_total[5m]))'),
    ("mean_latency", 'sum by (job) (rate(http_request_duration_seconds_sum[5m])) / sum by (job) (rate(http_request_duration_seconds_count[5m]))'),
    ("mem_used", '1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes'),
    ("count_all", 'count({__name__=~".+"})'),
]
# Kinds: instant at the end; range over the last 1 h (step 15 s) and 24 h
# (step 5 m), the steps Grafana picks for those ranges on a wide panel.
KINDS = [("instant", 0, 0), ("1h", 3600, 15), ("24h", 86400, 300)]

RTOL, ATOL = 1e-6, 1e-9

# Cold repetition k (0-based) runs at end - (k + 1) x 0.7 s: for every step of
# KINDS (15 s, 300 s) these times have distinct phases (step-aligned result
# caches such as vigil's key on the phase) for up to 149 repetitions, none
# equal to the answer check's (end) or the warm runs' (end - 0.25 s).
COLD_SHIFT, WARM_SHIFT, MAX_REPS = 0.7, 0.25, 149


def cold_time(end_s, k):
    return end_s - (k + 1) * COLD_SHIFT


class Client:
    """One keep-alive HTTP/1.1 connection to one system.

    A minimal client on a plain socket: the request's bytes are built before
    the clock starts, and the clock stops when the body's last byte is in
    (Content-Length or chunked). http.client spent ~85 us of Python per
    request in its header parsing, the same for every system, which hid
    sub-millisecond differences between them and put a floor under the warm
    repeats. Responses are received into one preallocated buffer (recv_into,
    no allocation or copy per read): receiving into fresh objects cost ~0.3
    ms of a 186 KB body, twice the transfer itself, again for every system
    alike. The body is cut out of the buffer after the clock stops."""

    def __init__(self, name, url):
        self.name = name
        u = urllib.parse.urlsplit(url)
        self.host, self.port = u.hostname, u.port or 80
        self.base = u.path.rstrip("/")
        self.sock = None
        self.rbuf = bytearray(4 << 20)  # grows for larger responses
        self.rmv = memoryview(self.rbuf)
        self.lo = self.hi = 0  # rbuf[lo:hi]: received, not yet consumed

    def _connect(self, timeout):
        self.sock = socket.create_connection((self.host, self.port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.lo = self.hi = 0

    def _close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None

    def _fill(self):
        """Receives more bytes at rbuf[hi:], first moving the unconsumed ones
        to the front (or growing the buffer) when it is full. Positions
        relative to lo stay valid."""
        if self.hi == len(self.rbuf):
            if self.lo > 0:
                n = self.hi - self.lo
                self.rbuf[:n] = self.rbuf[self.lo:self.hi]
                self.lo, self.hi = 0, n
            else:
                self.rmv.release()
                self.rbuf.extend(bytes(len(self.rbuf)))
                self.rmv = memoryview(self.rbuf)
        got = self.sock.recv_into(self.rmv[self.hi:])
        if got == 0:
            raise ConnectionError("connection closed by the server")
        self.hi += got

    def _find(self, what, rel):
        """Position (relative to lo) of `what` at or after `rel`, receiving
        until it is there."""
        while (i := self.rbuf.find(what, self.lo + rel, self.hi)) < 0:
            rel = max(rel, self.hi - self.lo - len(what) + 1)
            self._fill()
        return i - self.lo

    def _need(self, rel_end):
        while self.hi - self.lo < rel_end:
            self._fill()

    def _read_response(self):
        """(status, headers dict with lower-case names, the body's pieces as
        (position, size) relative to lo, the response's length). The body
        stays in the buffer until _take_body()."""
        i = self._find(b"\r\n\r\n", 0)
        lines = bytes(self.rmv[self.lo:self.lo + i]).decode("latin-1").split("\r\n")
        pos = i + 4
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        pieces = []
        if "chunked" in headers.get("transfer-encoding", "").lower():
            while True:
                e = self._find(b"\r\n", pos)
                size = int(bytes(self.rmv[self.lo + pos:self.lo + e]).split(b";")[0], 16)
                self._need(e + 2 + size + 2)  # the chunk's data and its CRLF
                pieces.append((e + 2, size))
                pos = e + 2 + size + 2
                if size == 0:
                    break  # no trailers are sent to us
        else:
            n = int(headers.get("content-length", "0"))
            self._need(pos + n)
            pieces.append((pos, n))
            pos += n
        return status, headers, pieces, pos

    def _take_body(self, pieces, length):
        body = b"".join(self.rmv[self.lo + a:self.lo + a + n].tobytes() for a, n in pieces)
        self.lo += length
        if self.lo == self.hi:
            self.lo = self.hi = 0
        return body

    def get(self, path, params, timeout=150):
        """Returns (seconds, http status, parsed JSON or None, error text)."""
        target = self.base + path + "?" + urllib.parse.urlencode(params)
        req = f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n\r\n".encode()
        for attempt in (0, 1):
            try:
                if self.sock is None:
                    self._connect(timeout)
                t0 = time.perf_counter()
                self.sock.sendall(req)
                status, headers, pieces, length = self._read_response()
                secs = time.perf_counter() - t0
                body = self._take_body(pieces, length)
                if headers.get("connection", "").lower() == "close":
                    self._close()
                break
            except (OSError, ValueError, IndexError) as e:
                self._close()
                if attempt == 1:
                    return 0.0, 0, None, f"{type(e).__name__}: {e}"
        try:
            doc = json.loads(body)
        except ValueError:
            return secs, status, None, body[:200].decode("utf-8", "replace")
        if status != 200 or doc.get("status") != "success":
            return secs, status, doc, f"HTTP {status}: {doc.get('error', body[:200])}"
        return secs, status, doc, None

    def query(self, expr, kind_range, step, at_s, extra=None):
        params = {"query": expr}
        if kind_range == 0:
            params["time"] = fmt_time(at_s)
            path = "/api/v1/query"
        else:
            params.update(start=fmt_time(at_s - kind_range), end=fmt_time(at_s), step=str(step))
            path = "/api/v1/query_range"
        params.update(extra or {})
        return self.get(path, params)


def fmt_time(s):
    return f"{s:.3f}".rstrip("0").rstrip(".")


def parse_systems(args):
    out = []
    for a in args:
        name, _, url = a.partition("=")
        if not url:
            sys.exit(f"expected NAME=URL, got {a!r}")
        out.append(Client(name, url))
    return out


# ---------------------------------------------------------------- answers

def normalize(doc):
    """{sorted label tuple: [(t, value)]} from a query response."""
    data = doc["data"]
    rt, res = data["resultType"], data["result"]
    if rt == "scalar" or rt == "string":
        return {(): [(float(res[0]), res[1])]}
    out = {}
    for s in res:
        key = tuple(sorted(s["metric"].items()))
        pts = [s["value"]] if rt == "vector" else s["values"]
        # A duplicate label set (an invalid answer) keeps both, so it differs.
        out.setdefault(key, []).extend((float(t), v) for t, v in pts)
    return out


def close(a, b):
    x, y = float(a), float(b)
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    if x == y:
        return True
    return abs(x - y) <= max(ATOL, RTOL * max(abs(x), abs(y)))


def label_str(key):
    return "{" + ", ".join(f'{k}="{v}"' for k, v in key) + "}"


def compare(a, b):
    """Differences between two normalized answers: (number of points/series
    that differ, largest relative difference, an example) - (0, 0, None) when
    they agree."""
    diffs, worst, example = 0, 0.0, None
    for key in sorted(set(a) | set(b)):
        if key not in b or key not in a:
            diffs += 1
            example = example or f"series {label_str(key)} only in {'the first' if key in a else 'the second'}"
            continue
        pa, pb = dict(a[key]), dict(b[key])
        if len(pa) != len(a[key]) or len(pb) != len(b[key]):
            diffs += 1
            example = example or f"{label_str(key)}: duplicate series or timestamps"
            continue
        for t in sorted(set(pa) | set(pb)):
            if t not in pa or t not in pb:
                diffs += 1
                example = example or f"{label_str(key)} @{t}: point missing in {'second' if t in pa else 'first'}"
                continue
            if not close(pa[t], pb[t]):
                diffs += 1
                x, y = float(pa[t]), float(pb[t])
                rel = abs(x - y) / max(abs(x), abs(y)) if not (math.isnan(x) or math.isnan(y)) else math.inf
                worst = max(worst, rel)
                example = example or f"{label_str(key)} @{t}: {pa[t]} vs {pb[t]}"
    return diffs, worst, example


def points(ans):
    return sum(len(v) for v in ans.values())


# ---------------------------------------------------------------- wait

def count_samples(c, start_s, end_s):
    """Samples of every metric name between start_s and end_s, summed over
    6 h windows (bounded memory per query in every system)."""
    _, _, doc, err = c.get("/api/v1/label/__name__/values", {})
    if err:
        return None, err
    total = 0
    for name in doc["data"]:
        # Windows end at x.5 s, where no sample lies (dataset.hpp), so
        # [t - 6h, t] holds 6 h of samples whether a system treats its left
        # end as open or closed. Samples lie up to 15 s before start_s.
        for k in range(math.ceil((end_s + 0.5 - (start_s - 15)) / 21600)):
            _, _, d, err = c.get("/api/v1/query", {
                "query": f'sum(count_over_time({{__name__="{name}"}}[6h]))',
                "time": fmt_time(end_s + 0.5 - k * 21600), "nocache": "1"})
            if err:
                return None, err
            for s in d["data"]["result"]:
                total += int(float(s["value"][1]))
    return total, None


def prometheus_settled(c, state):
    """Whether Prometheus has compacted the backfilled head (span <= 3 h)
    and no compaction ran in the last 5 s."""
    try:
        conn = http.client.HTTPConnection(c.host, c.port, timeout=30)
        conn.request("GET", c.base + "/metrics")
        text = conn.getresponse().read().decode()
        conn.close()
    except OSError:
        return False
    m = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            k, _, v = line.rpartition(" ")
            m[k] = v
    span = float(m.get("prometheus_tsdb_head_max_time", 0)) - float(m.get("prometheus_tsdb_head_min_time", 0))
    comp = m.get("prometheus_tsdb_compactions_total")
    now = time.monotonic()
    if comp != state.get("comp"):
        state.update(comp=comp, since=now)
    return span <= 3 * 3600 * SECOND + 1 and now - state["since"] >= 5


def cmd_wait(a):
    systems = parse_systems(a.systems)
    end_s, start_s = a.end_ms / SECOND, a.start_ms / SECOND
    deadline = time.monotonic() + a.timeout
    rows, ok_all = [], True
    for c in systems:
        t0 = time.monotonic()
        series = samples = None
        err = None
        state = {}
        while True:
            _, _, doc, err = c.get("/api/v1/query", {"query": 'count({__name__=~".+"})', "time": fmt_time(end_s),
                                                     "nocache": "1"})
            if not err:
                res = doc["data"]["result"]
                series = int(float(res[0]["value"][1])) if res else 0
                if series == a.series and samples != a.samples:
                    samples, err = count_samples(c, start_s, end_s)
            settled = c.name != "prometheus" or prometheus_settled(c, state)
            if series == a.series and samples == a.samples and settled:
                break
            if time.monotonic() > deadline:
                ok_all = ok_all and series == a.series and samples == a.samples
                break
            time.sleep(1)
        good = series == a.series and samples == a.samples
        check = ("ok" if settled else "ok, still compacting") if good else \
            f"MISMATCH{' (' + err + ')' if err else ''}"
        rows.append((c.name, series, samples, check, time.monotonic() - t0))
    print(f"{'system':<16}{'series':>10}{'samples':>14}  {'check':<10}{'waited s':>9}")
    for name, se, sa, chk, w in rows:
        print(f"{name:<16}{se if se is not None else '-':>10}{sa if sa is not None else '-':>14}  {chk:<10}{w:>9.1f}")
    print(f"expected        {a.series:>10}{a.samples:>14}")
    return 0 if ok_all else 1


# ---------------------------------------------------------------- run

def pct(xs, p):
    """Nearest-rank percentile."""
    s = sorted(xs)
    return s[max(0, math.ceil(p / 100 * len(s)) - 1)]


def fmt_ms(x):
    if x is None:
        return "error"
    ms = x * 1000
    return f"{ms:.0f}" if ms >= 100 else f"{ms:.1f}" if ms >= 1 else f"{ms:.2f}"


SHORT = {"prometheus": "prom", "victoriametrics": "vm"}


def short(name):
    return SHORT.get(name, name)[:8]


def cmd_run(a):
    systems = parse_systems(a.systems)
    sut = systems[0]
    names = [c.name for c in systems]
    ref = next((c for c in systems if c.name == "prometheus"), None)
    if ref is None:
        sys.exit("run: one system must be named prometheus (the reference)")
    others = [c for c in systems if c is not sut and c is not ref]
    end_s = a.end_ms / SECOND
    queries = [(f"{qn} {kn}", expr, rng, step) for qn, expr in QUERIES for kn, rng, step in KINDS]
    failed = False
    report = {"end_ms": a.end_ms, "reps": a.reps, "warm": a.warm, "systems": names, "queries": []}

    # 1. Answers, all at the dataset's end, compared with Prometheus'.
    print(f"== answers at the dataset's end ({short(sut.name)} must match prom: same series and points, "
          f"values within rel {RTOL:g}; others reported)")
    answers, same = {}, {}
    fatal, notes = [], []
    print(f"{'query':<20}{'series':>7}{'points':>8}  " + "".join(f"{short(c.name) + ' vs prom':<22}" for c in [sut] + others))
    for label, expr, rng, step in queries:
        res = {}
        for c in systems:
            _, _, doc, err = c.query(expr, rng, step, end_s, {"nocache": "1"})
            res[c.name] = (normalize(doc), None) if not err else (None, err)
        answers[label] = res
        base, berr = res[ref.name]
        row = f"{label:<20}"
        row += f"{len(base) if base is not None else '-':>7}{points(base) if base is not None else '-':>8}  "
        for c in [sut] + others:
            ans, err = res[c.name]
            into = fatal if c is sut else notes
            if err or berr:
                cell = "error"
                into.append(f"{label}: {c.name if err else ref.name}: {err or berr}")
            else:
                d, worst, ex = compare(ans, base)
                cell = "same" if d == 0 else f"{d} differ" + (
                    f" (rel {worst:.0e})" if worst and worst != math.inf else "")
                if d:
                    into.append(f"{label}: {c.name} vs prometheus: {d} of {points(base)} points differ, e.g. {ex}")
            if c is sut:
                same[label] = cell == "same"
            row += f"{cell:<22}"
        print(row)
    if fatal:
        failed = True
        print(f"{sut.name} DIFFERS from prometheus:")
        for n in fatal:
            print("  " + n)
    if notes:
        print("other systems' differences (not fatal; VictoriaMetrics' MetricsQL rate() does not extrapolate "
              "and uses the sample before the window):")
        for n in notes:
            print("  " + n)

    # 2a. Round-trip floors: what a request costs that does no query work,
    # measured the same way (interleaved, same client): the HTTP exchange
    # alone (buildinfo) and a query through each engine that reads nothing
    # (`1`). A target below the system's own `1` cannot be met by any
    # evaluation; the table marks such misses "(floor)".
    print(f"\n== round-trip floors, ms: {a.reps} reps each, interleaved (buildinfo: HTTP only; query `1`: "
          "through the query path, no data read)")
    floors = {}
    print(f"{'request':<20}" + "".join(f"{short(n) + ' p50':>11}{'p95':>7}" for n in names))
    for label, path, params in (("buildinfo", "/api/v1/status/buildinfo", None), ("query 1", "/api/v1/query", "1")):
        lat = {n: [] for n in names}
        for r in range(a.reps):
            order = systems[r % len(systems):] + systems[:r % len(systems)]
            for c in order:
                q = {} if params is None else {"query": params, "time": fmt_time(cold_time(end_s, r))}
                secs, _, _, err = c.get(path, q)
                if not err:
                    lat[c.name].append(secs)
        row = f"{label:<20}"
        for n in names:
            row += f"{fmt_ms(statistics.median(lat[n]) if lat[n] else None):>11}"
            row += f"{fmt_ms(pct(lat[n], 95) if lat[n] else None):>7}"
        print(row)
        floors[label] = {n: statistics.median(lat[n]) if lat[n] else None for n in names}
        report.setdefault("floors_seconds", {})[label] = lat
    sut_floor = floors["query 1"][sut.name]

    # 2. Cold latency.
    print(f"\n== cold latency, ms: {a.reps} reps per query, interleaved across systems, each rep at its own "
          "time (end - k x 0.7 s), nocache=1")
    cold = {}
    hdr = f"{'query':<20}" + "".join(f"{short(n) + ' p50':>11}{'p95':>7}" for n in names)
    hdr += "".join(f"{short(sut.name)[:1] + '/' + short(n):>8}" for n in names[1:]) + "  target"
    print(hdr)
    met = 0
    for label, expr, rng, step in queries:
        lat = {n: [] for n in names}
        errs = {n: None for n in names}
        for r in range(a.reps):
            order = systems[r % len(systems):] + systems[:r % len(systems)]
            for c in order:
                secs, _, _, err = c.query(expr, rng, step, cold_time(end_s, r), {"nocache": "1"})
                if err:
                    errs[c.name] = errs[c.name] or err
                else:
                    lat[c.name].append(secs)
        cold[label] = lat
        med = {n: statistics.median(lat[n]) if lat[n] and not errs[n] else None for n in names}
        row = f"{label:<20}"
        for n in names:
            row += f"{fmt_ms(med[n]):>11}{fmt_ms(pct(lat[n], 95) if med[n] is not None else None):>7}"
        ratio = {}
        for n in names[1:]:
            ratio[n] = med[sut.name] / med[n] if med[sut.name] is not None and med[n] else None
            row += f"{(f'{ratio[n]:.3f}' if ratio[n] is not None else '-'):>8}"
        miss = []
        if not same[label]:
            miss.append("answers")
        if ratio.get("prometheus") is None or ratio["prometheus"] > 0.5:
            floor_bound = med["prometheus"] is not None and sut_floor is not None and 0.5 * med["prometheus"] < sut_floor
            miss.append("prom (floor)" if floor_bound else "prom")
        if "victoriametrics" in ratio and (ratio["victoriametrics"] is None or ratio["victoriametrics"] > 1.0):
            miss.append("vm")
        met += not miss
        row += "  " + ("ok" if not miss else "miss: " + ",".join(miss))
        print(row, flush=True)
        report["queries"].append({"query": label, "expr": expr, "range_s": rng, "step_s": step,
                                  "answers_equal": same[label], "cold_seconds": lat, "cold_errors": errs})
        for n in names:
            if errs[n]:
                print(f"  {n}: {errs[n]}")
                if n in (sut.name, ref.name):
                    failed = True
    print(f"target (vigil p50 <= 0.5 x prom p50 and <= vm p50, same answers): met by {met}/{len(queries)}")

    # 3. Warm latency: range queries repeated verbatim.
    wmet = wtotal = 0
    if a.warm > 0:
        print(f"\n== warm repeats of range queries, ms: a first run, then the median of {a.warm} identical "
              "repeats (caches allowed); w/c = warm / cold p50")
        print(f"{'query':<20}" + "".join(f"{short(n) + ' 1st':>11}{'warm':>7}{'w/c':>7}" for n in names) + "  target")
        for label, expr, rng, step in queries:
            if rng == 0:
                continue
            at = end_s - WARM_SHIFT  # a step phase no other query of this run used
            first, warm = {}, {n: [] for n in names}
            for c in systems:
                secs, _, _, err = c.query(expr, rng, step, at)
                first[c.name] = None if err else secs
            for r in range(a.warm):
                order = systems[r % len(systems):] + systems[:r % len(systems)]
                for c in order:
                    secs, _, _, err = c.query(expr, rng, step, at)
                    if not err:
                        warm[c.name].append(secs)
            row = f"{label:<20}"
            ratio_sut = None
            for n in names:
                cmed = statistics.median(cold[label][n]) if cold[label][n] else None
                wmed = statistics.median(warm[n]) if warm[n] else None
                ratio = wmed / cmed if wmed is not None and cmed else None
                if n == sut.name:
                    ratio_sut = ratio
                row += f"{fmt_ms(first[n]):>11}{fmt_ms(wmed):>7}{(f'{ratio:.3f}' if ratio is not None else '-'):>7}"
            ok = ratio_sut is not None and ratio_sut <= 0.1
            wtotal += 1
            wmet += ok
            # A repeat answered without query work costs at least the HTTP
            # exchange (buildinfo) plus sending the body.
            http_floor = floors["buildinfo"][sut.name]
            cmed = statistics.median(cold[label][sut.name]) if cold[label][sut.name] else None
            floor_bound = http_floor is not None and cmed is not None and 0.1 * cmed < http_floor
            print(row + "  " + ("ok" if ok else "miss (floor)" if floor_bound else "miss"), flush=True)
            q = next(q for q in report["queries"] if q["query"] == label)
            q.update(first_seconds=first, warm_seconds=warm)
        print(f"target (vigil warm repeat <= 0.1 x its cold p50): met by {wmet}/{wtotal}")

    print(f"\nsummary: answers identical to prometheus {sum(same.values())}/{len(queries)}, "
          f"cold latency target {met}/{len(queries)}" + (f", warm target {wmet}/{wtotal}" if wtotal else ""))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    if failed:
        print("FAILED: vigil's answers differ from Prometheus' or a query failed (see above)")
    return 1 if failed else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    w = sub.add_parser("wait")
    w.add_argument("--start-ms", type=int, required=True, help="the dataset's first grid time")
    w.add_argument("--end-ms", type=int, required=True)
    w.add_argument("--series", type=int, required=True)
    w.add_argument("--samples", type=int, required=True)
    w.add_argument("--timeout", type=float, default=300)
    w.add_argument("systems", nargs="+")
    r = sub.add_parser("run")
    r.add_argument("--end-ms", type=int, required=True)
    r.add_argument("--reps", type=int, default=20, choices=range(1, MAX_REPS + 1), metavar=f"1..{MAX_REPS}")
    r.add_argument("--warm", type=int, default=5)
    r.add_argument("--json")
    r.add_argument("systems", nargs="+")
    a = p.parse_args()
    sys.exit(cmd_wait(a) if a.cmd == "wait" else cmd_run(a))


if __name__ == "__main__":
    main()
