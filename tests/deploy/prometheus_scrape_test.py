#!/usr/bin/env python3
"""A real Prometheus scraping a real trackd (issue 14), run by prometheus_scrape_test.sh.

1. Self-tests: the naming checker below, and `promtool check metrics`, are given a crafted
   family list and exposition that break the conventions (a counter without _total, a gauge
   x_milliseconds, ...) and must report each problem; a well-named list must pass.
2. trackd starts on loopback (ports 0, read back from its "serving" log line) with bearer
   tokens and the default file sink; Debian's Prometheus starts on a free loopback port,
   scraping trackd's admin port every second.
3. trackctl sends a known sequence, each call's exit status and answer checked: accepted
   events, duplicates, rejected events, an unauthenticated call, a dry run and a TrackBatch.
   The first call is sent alone and Prometheus is waited for until a scrape of it is stored,
   so a rate() over the rest has two samples to compare.
4. After the last call, the test waits (bounded) for a scrape that started later, then queries
   /api/v1/query at that scrape's time and requires the exact values the sequence implies,
   a finite p99 from the latency histogram, and process_* values within what the test knows.
5. Prometheus' view of the names: every family this configuration has is in
   /api/v1/metadata with its type; those types, /api/v1/label/__name__/values and the
   series' label names follow Prometheus' naming conventions; the raw /metrics text
   passes `promtool check metrics` with nothing reported.

Every wait is bounded; nothing listens or connects beyond 127.0.0.1; both servers are stopped
on the way out, whatever happened. Stdlib only.

usage: prometheus_scrape_test.py --trackd BIN --trackctl BIN --prometheus_dir DIR
"""
import argparse
import hashlib
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

WAIT_SECONDS = 60  # The longest any single wait may take.
QUEUE_CAPACITY = 4321  # trackd's --max_queued_events, not its default: the gauge must follow.

# ------------------------------------------------------------------ naming conventions

# Prometheus' data model: metric names [a-zA-Z_:][a-zA-Z0-9_:]*; we also require lower case.
METRIC_NAME = re.compile(r"^[a-z_:][a-z0-9_:]*$")
# snake_case: lower-case words joined by single underscores, no leading or trailing one.
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
# Units that are not Prometheus' base units (seconds, bytes, ratios), as a name's word.
NON_BASE_UNITS = {
    "ms", "msec", "millis", "milliseconds", "millisecond", "us", "usec", "microseconds",
    "microsecond", "ns", "nanoseconds", "nanosecond", "minutes", "minute", "hours", "hour",
    "days", "day", "weeks", "kb", "kib", "mb", "mib", "gb", "gib", "kilobytes", "megabytes",
    "gigabytes", "bits", "percent", "percentage",
}
HISTOGRAM_UNITS = ("_seconds", "_bytes")
# Series Prometheus makes itself for every target; not trackd's.
SYNTHETIC_SERIES = {"up", "scrape_duration_seconds", "scrape_samples_scraped",
                    "scrape_samples_post_metric_relabeling", "scrape_series_added"}
OWN_PREFIXES = ("trackd_", "process_")


def naming_problems(types, series_names, label_names):
    """Returns a list of human-readable problems, empty when every name follows the
    conventions. `types` maps each metric family to its type ("counter", "gauge",
    "histogram", ...), as /api/v1/metadata reports it; `series_names` are the stored series'
    names (a histogram's _bucket/_sum/_count among them); `label_names` are every series'
    label names."""
    problems = []

    def check_name(name, what):
        if not METRIC_NAME.match(name):
            problems.append(f"{what} {name}: does not match [a-z_:][a-z0-9_:]*")
        if not SNAKE_CASE.match(name):
            problems.append(f"{what} {name}: is not snake_case")
        bad_units = [w for w in name.lower().split("_") if w in NON_BASE_UNITS]
        if bad_units:
            problems.append(f"{what} {name}: carries a non-base unit ({', '.join(bad_units)}); "
                            "use seconds or bytes")

    for family, kind in sorted(types.items()):
        check_name(family, f"{kind} family")
        if not family.startswith(OWN_PREFIXES):
            problems.append(f"{kind} family {family}: not trackd_* or process_* "
                            "(trackd exports nothing else)")
        if kind == "counter" and not family.endswith("_total"):
            problems.append(f"counter {family}: does not end in _total")
        if kind != "counter" and family.endswith("_total"):
            problems.append(f"{kind} {family}: ends in _total, which only counters may")
        if kind == "histogram" and not family.endswith(HISTOGRAM_UNITS):
            problems.append(f"histogram {family}: does not end in a base unit "
                            f"({' or '.join(HISTOGRAM_UNITS)})")
        if kind not in ("counter", "gauge", "histogram"):
            problems.append(f"family {family}: type {kind!r}, not counter, gauge or histogram")

    for name in sorted(set(series_names) - SYNTHETIC_SERIES):
        check_name(name, "series")
        family = name
        if family not in types:
            for suffix in ("_bucket", "_sum", "_count"):
                if name.endswith(suffix) and types.get(name[: -len(suffix)]) == "histogram":
                    family = name[: -len(suffix)]
        if family not in types:
            problems.append(f"series {name}: no family with a # TYPE names it")

    for label in sorted(set(label_names) - {"__name__"}):
        if label.startswith("__"):
            problems.append(f"label {label}: starts with __ (reserved for Prometheus)")
        elif not SNAKE_CASE.match(label):
            problems.append(f"label {label}: is not snake_case")
    return problems


# ------------------------------------------------------------------ reporting

class Report:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, detail=""):
        if ok:
            self.passed += 1
            print(f"PASS {what}")
        else:
            self.failed += 1
            print(f"FAIL {what}" + (f": {detail}" if detail else ""))
        return ok


class Abort(Exception):
    """A step the rest of the test depends on failed."""


def wait_for(what, probe, seconds=WAIT_SECONDS, interval=0.2):
    """Calls `probe` until it returns something other than None, at most `seconds` long;
    returns that value or raises Abort naming `what`."""
    deadline = time.monotonic() + seconds
    last_error = None
    while True:
        try:
            value = probe()
            if value is not None:
                return value
        except (OSError, ValueError, KeyError) as e:
            last_error = e
        if time.monotonic() >= deadline:
            raise Abort(f"gave up after {seconds} s waiting for {what}"
                        + (f" (last error: {last_error})" if last_error else ""))
        time.sleep(interval)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, lines=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "\n".join(f.read().splitlines()[-lines:])
    except OSError as e:
        return f"({e})"


# ------------------------------------------------------------------ self-tests

def self_test_naming(report):
    """Proves the naming checker catches what it is for, and passes good names."""
    crafted_types = {
        "trackd_demo_requests": "counter",         # no _total
        "trackd_x_milliseconds": "gauge",          # a non-base unit
        "trackd_demo_queue_total": "gauge",        # _total on a gauge
        "trackd_demo_latency": "histogram",        # no unit
        "trackd_DemoCamel_total": "counter",       # not snake_case
        "demo_unprefixed_total": "counter",        # not trackd's
    }
    crafted_series = ["trackd_demo_requests", "trackd_x_milliseconds", "trackd_orphan"]
    crafted_labels = ["__secret", "userId", "method"]
    problems = naming_problems(crafted_types, crafted_series, crafted_labels)
    wanted = [
        "counter trackd_demo_requests: does not end in _total",
        "gauge family trackd_x_milliseconds: carries a non-base unit (milliseconds)",
        "gauge trackd_demo_queue_total: ends in _total",
        "histogram trackd_demo_latency: does not end in a base unit",
        "counter family trackd_DemoCamel_total: does not match",
        "counter family trackd_DemoCamel_total: is not snake_case",
        "counter family demo_unprefixed_total: not trackd_* or process_*",
        "series trackd_orphan: no family",
        "label __secret: starts with __",
        "label userId: is not snake_case",
    ]
    missed = [w for w in wanted if not any(p.startswith(w) for p in problems)]
    report.check(not missed and len(problems) >= len(wanted),
                 "self-test: the naming checker fails a crafted list (a counter without "
                 "_total, a gauge x_milliseconds, _total on a gauge, a histogram without a "
                 "unit, camelCase, a __ label)",
                 f"missed {missed}; reported {problems}")
    good = naming_problems(
        {"trackd_demo_total": "counter", "trackd_demo_seconds": "histogram",
         "process_open_fds": "gauge"},
        ["trackd_demo_total", "trackd_demo_seconds_bucket", "trackd_demo_seconds_count",
         "trackd_demo_seconds_sum", "process_open_fds", "up"],
        ["__name__", "le", "method", "job", "instance"])
    report.check(not good, "self-test: the naming checker passes well-named families",
                 f"reported {good}")


def promtool_check_metrics(promtool, text):
    """Returns (exit status, what promtool printed) for `text` on its stdin."""
    result = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                            text=True, timeout=WAIT_SECONDS)
    return result.returncode, (result.stdout + result.stderr).strip()


def self_test_promtool(report, promtool):
    crafted = ("# HELP demo_requests Calls.\n# TYPE demo_requests counter\ndemo_requests 1\n"
               "# HELP x_milliseconds Latency.\n# TYPE x_milliseconds gauge\nx_milliseconds 5\n")
    code, out = promtool_check_metrics(promtool, crafted)
    report.check(code != 0 and "demo_requests" in out and "x_milliseconds" in out,
                 "self-test: promtool check metrics fails a counter without _total and a "
                 "gauge x_milliseconds", f"exit {code}, said {out!r}")


# ------------------------------------------------------------------ the servers

class Servers:
    """trackd and Prometheus, started on loopback; stop() ends whichever were started."""

    def __init__(self, args, scratch):
        self.args = args
        self.scratch = scratch
        self.procs = []
        self.logs = []

    def _spawn(self, name, command):
        out = os.path.join(self.scratch, f"{name}.log")
        with open(out, "wb") as log:
            proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT,
                                    cwd=self.scratch)
        self.procs.append(proc)
        self.logs.append((name, out))
        return proc, out

    def start_trackd(self, tokens_file):
        command = [self.args.trackd, "--listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
                   f"--data_dir={os.path.join(self.scratch, 'data')}",
                   f"--auth_tokens_file={tokens_file}", "--log_summary_interval=0",
                   f"--max_queued_events={QUEUE_CAPACITY}"]
        self.trackd_spawned = time.time()
        proc, log = self._spawn("trackd", command)

        def serving():
            if proc.poll() is not None:
                raise Abort(f"trackd exited with {proc.returncode}:\n{tail(log)}")
            with open(log, encoding="utf-8", errors="replace") as f:
                for line in f:
                    if '"msg":"serving"' in line:
                        return json.loads(line)
            return None
        line = wait_for("trackd's serving log line", serving)
        self.grpc_port, self.admin_port = int(line["port"]), int(line["admin_port"])
        print(f"trackd serving: gRPC 127.0.0.1:{self.grpc_port}, "
              f"admin 127.0.0.1:{self.admin_port}, auth {line['auth']}, sink {line['sink']}")

    def start_prometheus(self):
        config = os.path.join(self.scratch, "prometheus.yml")
        with open(config, "w", encoding="utf-8") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: trackd\n    static_configs:\n"
                    f"      - targets: ['127.0.0.1:{self.admin_port}']\n")
        # Prometheus cannot report a port it picked itself; a port free a moment ago may be
        # taken by the time it binds, so a start that fails that way is tried again (3 times).
        for attempt in range(3):
            port = free_port()
            tsdb = os.path.join(self.scratch, f"tsdb{attempt}")
            proc, log = self._spawn(f"prometheus{attempt}", [
                os.path.join(self.args.prometheus_dir, "prometheus"),
                f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}",
                f"--storage.tsdb.path={tsdb}", "--log.level=warn"])
            self.prometheus = f"http://127.0.0.1:{port}"

            def ready():
                if proc.poll() is not None:
                    return False
                try:
                    with urllib.request.urlopen(self.prometheus + "/-/ready", timeout=2) as r:
                        return True if r.status == 200 else None
                except urllib.error.HTTPError:
                    return None  # 503 while starting.
            if wait_for("Prometheus /-/ready", ready):
                print(f"Prometheus ready at {self.prometheus}, scraping trackd every 1 s")
                return
            if "address already in use" not in tail(log, 50):
                break
        raise Abort(f"Prometheus did not start:\n{tail(log)}")

    def stop(self):
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def show_logs(self):
        for name, path in self.logs:
            print(f"--- last lines of {name}'s log\n{tail(path)}")


# ------------------------------------------------------------------ Prometheus' HTTP API

def api(base, path, params=()):
    url = f"{base}{path}?{urllib.parse.urlencode(list(params))}"
    with urllib.request.urlopen(url, timeout=10) as r:
        body = json.load(r)
    if body.get("status") != "success":
        raise ValueError(f"{path}: {body}")
    return body["data"]


def query(base, expr, at):
    data = api(base, "/api/v1/query", [("query", expr), ("time", repr(at))])
    return [(r["metric"], float(r["value"][1])) for r in data["result"]]


def wait_for_scrape_after(base, t, what):
    """Waits until Prometheus holds a scrape of trackd that started after the Unix time `t`
    (the `up` sample of a scrape carries its start time, and is committed with the scrape's
    samples); returns that scrape's time."""
    def scraped():
        result = query(base, 'timestamp(up{job="trackd"})', time.time())
        return result[0][1] if result and result[0][1] > t else None
    return wait_for(f"a scrape of trackd that started after {what}", scraped)


# ------------------------------------------------------------------ the sequence

def trackctl(args, report, scratch, port, what, flags, want_exit, want_output, token="tok"):
    command = [args.trackctl, "track", f"--target=127.0.0.1:{port}",
               f"--token_file={os.path.join(scratch, token)}"] + flags
    result = subprocess.run(command, capture_output=True, text=True, timeout=WAIT_SECONDS)
    out = (result.stdout + result.stderr).strip()
    ok = result.returncode == want_exit and all(re.search(w, out, re.M) for w in want_output)
    answers = " / ".join(w.strip("^$").replace("\\", "") for w in want_output)
    report.check(ok, f"trackctl {what}: exit {want_exit}, answers {answers}",
                 f"exit {result.returncode}, said {out!r}")


def event_flags(message_id, role="Developer", group="acct-1"):
    flags = ["--user_id=u-scrape", f"--message_id={message_id}"]
    if role:
        flags.append(f"--role={role}")
    if group:
        flags.append(f"--group_id={group}")
    return flags


def send_rest_of_sequence(args, report, scratch, port):
    """Everything after the first accepted event (scrape-1). What it adds up to, with that
    event, is EXPECTED below."""
    def send(what, flags, want_exit, want_output, token="tok"):
        trackctl(args, report, scratch, port, what, flags, want_exit, want_output, token)
    send("a second new event", event_flags("scrape-2"), 0,
         ["^event: accepted message_id=scrape-2$"])
    send("a third new event", event_flags("scrape-3"), 0,
         ["^event: accepted message_id=scrape-3$"])
    send("scrape-1 again", event_flags("scrape-1"), 0, ["^event: duplicate message_id=scrape-1$"])
    send("scrape-2 again", event_flags("scrape-2"), 0, ["^event: duplicate message_id=scrape-2$"])
    send("an event without a role", event_flags("scrape-r1", role=""), 1,
         ["^event: rejected$", "^  --role: is required"])
    send("an event without a group", event_flags("scrape-r2", group=""), 1,
         ["^event: rejected$", "^  --group_id: is required"])
    send("with a wrong token", event_flags("scrape-u1"), 1,
         ["^event: failed: UNAUTHENTICATED: unauthenticated$"], token="wrong-tok")
    send("a dry run of a new event", ["--dry-run"] + event_flags("scrape-d1"), 0,
         ["^event \\(dry run\\): accepted message_id=scrape-d1$", '^\\{"user_id":"u-scrape"'])
    # A file goes as one TrackBatch: one new event, one without properties.user_role.
    batch = os.path.join(scratch, "batch.ndjson")
    with open(batch, "w", encoding="utf-8") as f:
        f.write('{"user_id":"u-batch-1","event":"account_added_user",'
                '"properties":{"user_role":"Admin"},"context":{"group_id":"acct-2"},'
                '"timestamp":"2026-01-01T00:00:00Z"}\n'
                '{"user_id":"u-batch-2","event":"account_added_user","properties":{},'
                '"context":{"group_id":"acct-2"},"timestamp":"2026-01-01T00:00:00Z"}\n')
    send("a file of one new and one rejected event (TrackBatch)", [batch], 1,
         ["^line 1: accepted message_id=", "^line 2: rejected$",
          "^  properties.user_role: is required"])


# What the sequence implies, as (PromQL, {labels that tell the series apart}: value) with every
# series the query returns listed: a missing or extra series fails as a wrong value does.
# Track calls: 3 accepted + 2 duplicates + 1 dry run (OK), 2 rejected (INVALID_ARGUMENT), 1
# with a wrong token (UNAUTHENTICATED, client "anonymous": it never became a client); one
# TrackBatch call (OK: its rejected item is an item's outcome, not the call's).
# Event labels are the request's field paths (trackctl prints the documented JSON's).
EXPECTED = [
    ("trackd_requests_total", ("method", "code", "client"), {
        ("Track", "OK", "scrape"): 6,
        ("Track", "INVALID_ARGUMENT", "scrape"): 2,
        ("Track", "UNAUTHENTICATED", "anonymous"): 1,
        ("TrackBatch", "OK", "scrape"): 1}),
    ("trackd_events_stored_total", (), {(): 4}),
    ("trackd_events_deduplicated_total", (), {(): 2}),
    ("trackd_events_rejected_total", ("field",), {
        ("account_added_user.user_role",): 2,
        ("group_id",): 1}),
    ("trackd_auth_failures_total", (), {(): 1}),
    ("trackd_dry_runs_total", ("rpc", "outcome"), {
        ("Track", "accepted"): 1, ("Track", "duplicate"): 0, ("Track", "rejected"): 0,
        ("TrackBatch", "accepted"): 0, ("TrackBatch", "duplicate"): 0,
        ("TrackBatch", "rejected"): 0}),
    # Every call is timed, refused ones too (the server records before it answers).
    ("trackd_request_duration_seconds_count", ("method",), {("Track",): 9, ("TrackBatch",): 1}),
    ('up{job="trackd"}', (), {(): 1}),
    ("trackd_auth_tokens", (), {(): 1}),
    ("trackd_auth_tokens_file_usable", (), {(): 1}),
    ("trackd_store_failed", (), {(): 0}),
    ("trackd_queue_depth", (), {(): 0}),
    ("trackd_queue_capacity", (), {(): QUEUE_CAPACITY}),
    # One sink write (append and fsync) per call that brought new events, as the calls came
    # one after another: 3 Track, 1 TrackBatch.
    ("trackd_commits_total", (), {(): 4}),
    ("trackd_sink_write_duration_seconds_count", (), {(): 4}),
    ("trackd_fsync_duration_seconds_count", (), {(): 4}),
    ("trackd_sink_write_failures_total", (), {(): 0}),
]

# Families this configuration (file sink, bearer tokens) must expose, with their types as
# Prometheus read them.
EXPECTED_TYPES = {
    "trackd_requests_total": "counter", "trackd_request_duration_seconds": "histogram",
    "trackd_events_rejected_total": "counter", "trackd_dry_runs_total": "counter",
    "trackd_auth_failures_total": "counter", "trackd_rate_limited_total": "counter",
    "trackd_events_stored_total": "counter", "trackd_events_deduplicated_total": "counter",
    "trackd_commits_total": "counter", "trackd_queue_depth": "gauge",
    "trackd_store_failed": "gauge", "trackd_personal_data_policy": "gauge",
    "trackd_fsync_duration_seconds": "histogram", "trackd_log_disk_bytes": "gauge",
    "trackd_auth_tokens": "gauge", "trackd_auth_tokens_file_usable": "gauge",
    "trackd_queue_capacity": "gauge", "trackd_sink_write_duration_seconds": "histogram",
    "trackd_sink_write_failures_total": "counter",
    "process_cpu_seconds_total": "counter", "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge", "process_open_fds": "gauge",
    "process_max_fds": "gauge", "process_start_time_seconds": "gauge",
}


def check_process(report, base, at, spawned):
    """The process collector's values, by what they mean: bounds the test itself knows."""
    def value(name):
        got = query(base, name, at)
        return got[0][1] if len(got) == 1 else math.nan
    v = {n: value(n) for n in ("process_start_time_seconds", "process_open_fds",
                               "process_max_fds", "process_resident_memory_bytes",
                               "process_virtual_memory_bytes", "process_cpu_seconds_total")}
    # /proc's boot time is in whole seconds, hence the second of slack before the spawn.
    report.check(spawned - 2 <= v["process_start_time_seconds"] <= at,
                 "Prometheus: process_start_time_seconds lies between trackd's spawn and the "
                 "scrape", f"{v['process_start_time_seconds']!r}, spawned {spawned!r}, "
                 f"scraped {at!r}")
    report.check(0 < v["process_open_fds"] <= v["process_max_fds"],
                 "Prometheus: 0 < process_open_fds <= process_max_fds", f"{v}")
    report.check(0 < v["process_resident_memory_bytes"] <= v["process_virtual_memory_bytes"],
                 "Prometheus: 0 < process_resident_memory_bytes <= process_virtual_memory_bytes",
                 f"{v}")
    report.check(v["process_cpu_seconds_total"] >= 0, "Prometheus: process_cpu_seconds_total "
                 ">= 0", f"{v}")


def check_values(report, base, at):
    for expr, keys, want in EXPECTED:
        got = {tuple(m.get(k, "") for k in keys): v for m, v in query(base, expr, at)}
        wanted = {k: float(v) for k, v in want.items()}
        shown = ", ".join(f"{{{','.join(f'{n}={x}' for n, x in zip(keys, k))}}} {v:g}"
                          for k, v in sorted(want.items())) if keys else f"{want[()]:g}"
        report.check(got == wanted, f"Prometheus: {expr} = {shown}",
                     f"got {sorted(got.items())}")
    expr = ('histogram_quantile(0.99, '
            'rate(trackd_request_duration_seconds_bucket{method="Track"}[1m]))')
    got = query(base, expr, at)
    report.check(len(got) == 1 and math.isfinite(got[0][1]) and got[0][1] >= 0,
                 f"Prometheus: {expr} is a finite number"
                 + (f" ({got[0][1]:g} s)" if len(got) == 1 else ""), f"got {got}")


def check_names(report, base, promtool, admin_port):
    metadata = api(base, "/api/v1/metadata")
    types = {name: entries[0]["type"] for name, entries in metadata.items()}
    names = api(base, "/api/v1/label/__name__/values")
    series = api(base, "/api/v1/series", [("match[]", '{job="trackd"}')])
    labels = {label for s in series for label in s}
    own = sorted(n for n in names if n.startswith(OWN_PREFIXES))
    print(f"Prometheus knows {len(types)} families, {len(own)} trackd_/process_ series names, "
          f"labels {sorted(labels - {'__name__'})}")
    missing = {n: t for n, t in EXPECTED_TYPES.items() if types.get(n) != t}
    report.check(not missing, "Prometheus' metadata: every family this configuration has, "
                 "with its type", "missing or of another type: "
                 + ", ".join(f"{n} (want {t}, got {types.get(n)})" for n, t in missing.items()))
    problems = naming_problems(types, names, labels)
    report.check(not problems, "naming conventions, read from Prometheus: snake_case, "
                 "counters _total, histograms in seconds/bytes, no _total gauge, no non-base "
                 "unit, labels snake_case without __", "\n  " + "\n  ".join(problems))
    with urllib.request.urlopen(f"http://127.0.0.1:{admin_port}/metrics", timeout=10) as r:
        text = r.read().decode()
    code, out = promtool_check_metrics(promtool, text)
    report.check(code == 0 and not out, "promtool check metrics on trackd's /metrics reports "
                 "nothing", f"exit {code}, said:\n{out}")


# ------------------------------------------------------------------ main

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--trackd", required=True)
    parser.add_argument("--trackctl", required=True)
    parser.add_argument("--prometheus_dir", required=True)
    args = parser.parse_args()
    for name in ("trackd", "trackctl", "prometheus_dir"):  # The servers run in a scratch dir.
        setattr(args, name, os.path.abspath(getattr(args, name)))
    promtool = os.path.join(args.prometheus_dir, "promtool")
    # SIGTERM (ctest's timeout, the wrapper's trap) ends the test as a failure, through
    # `finally`, which stops both servers.
    def terminated(*_):
        raise Abort("interrupted by SIGTERM")
    signal.signal(signal.SIGTERM, terminated)

    report = Report()
    self_test_naming(report)
    self_test_promtool(report, promtool)

    scratch = tempfile.mkdtemp(prefix="trackd-prometheus-")
    servers = Servers(args, scratch)
    try:
        token = "scrape-token-" + os.urandom(8).hex()
        with open(os.path.join(scratch, "tokens"), "w", encoding="utf-8") as f:
            f.write(f"sha256:{hashlib.sha256(token.encode()).hexdigest()} scrape\n")
        with open(os.path.join(scratch, "tok"), "w", encoding="utf-8") as f:
            f.write(token + "\n")
        with open(os.path.join(scratch, "wrong-tok"), "w", encoding="utf-8") as f:
            f.write("not-" + token + "\n")
        servers.start_trackd(os.path.join(scratch, "tokens"))
        servers.start_prometheus()
        port = servers.grpc_port

        # The first event alone, and a scrape that holds it: the baseline rate() needs.
        trackctl(args, report, scratch, port, "a new event", event_flags("scrape-1"), 0,
                 ["^event: accepted message_id=scrape-1$"])
        wait_for_scrape_after(servers.prometheus, time.time(), "the first call")
        send_rest_of_sequence(args, report, scratch, port)
        after_last = time.time()
        at = wait_for_scrape_after(servers.prometheus, after_last, "the last call")
        print(f"Prometheus scraped trackd {at - after_last:.3f} s after the last call; "
              "querying at that scrape's time")
        targets = api(servers.prometheus, "/api/v1/targets")["activeTargets"]
        report.check(len(targets) == 1 and targets[0]["health"] == "up"
                     and not targets[0]["lastError"],
                     "Prometheus: one target, trackd's admin port, healthy", f"{targets}")
        check_values(report, servers.prometheus, at)
        check_process(report, servers.prometheus, at, servers.trackd_spawned)
        check_names(report, servers.prometheus, promtool, servers.admin_port)
    except (Abort, OSError, ValueError, KeyError, subprocess.TimeoutExpired) as e:
        report.check(False, "the test could run to the end", f"{type(e).__name__}: {e}")
    finally:
        servers.stop()
        if report.failed:
            servers.show_logs()
        shutil.rmtree(scratch, ignore_errors=True)
    print(f"{report.passed} passed, {report.failed} failed")
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
