#!/usr/bin/env python3
"""Checks of the Grafana dashboard deploy/grafana/trackd-dashboard.json (issue 14), run by
tests/deploy/check_dashboard.sh. Standard library only.

  metrics --trackd PATH [--trackctl PATH] --work DIR --out FILE
      Starts the real trackd on loopback (ports chosen by the kernel, a data directory under
      DIR) in two configurations, so that every family shows up: (a) the HTTP sink, pointed at
      a loopback port nothing listens on, with a tokens file and a rate limit; (b) the default
      file sink. With trackctl it first makes calls (accepted, rejected, rate-limited,
      unauthenticated, a dry run) so that the labelled families have series. Writes one "name
      type configuration" line per `# TYPE` of GET /metrics to FILE and every sample to
      FILE.series.json. Stops each server with SIGTERM and a bounded wait.
  check --dashboard FILE --promtool PATH --metrics FILE --work DIR [--docs FILE]
      1. structure: the JSON parses; uid and title "trackd"; the datasource, job and instance
         variables; every panel has a title, a description, the datasource ${datasource}, a
         gridPos inside the 24 columns that overlaps no other panel, a unique id, and targets
         with an expr on ${datasource}; every selector carries
         {job=~"$job", instance=~"$instance"}; every range is [$__rate_interval].
      2. promql: every expr, Grafana's variables substituted, becomes a recording rule
         (dashboard:panel_<id>_<n>) of a generated rules file that `promtool check rules`
         must accept. The variables' label_values() selectors go in too.
      3. metrics: every metric name an expr uses exists in FILE (histogram series by their
         family's name).
      4. docs: the table of docs/operations.md, "## The dashboard", lists every row and panel
         in order, each with the metric families its exprs use.
      5. data (when FILE.series.json exists): every expr returns data from series shaped like
         trackd's: each becomes an alert on absent(expr) that `promtool test rules` must see
         stay silent.
      Prints one PASS or FAIL line per finding; exits 1 on any FAIL.
  break KIND --dashboard FILE --out FILE
      Writes a copy of the dashboard broken one way (see BREAKS), for the proof that the checks
      fail.
"""

import argparse
import copy
import hashlib
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request

DATASOURCE = "${datasource}"
GRID_COLUMNS = 24
RATE_INTERVAL = "$__rate_interval"

# Grafana's variables, as promtool sees them: the dashboard's own (All is ".*") and the
# built-in intervals.
SUBSTITUTIONS = {
    "__rate_interval": "1m",
    "__interval": "1m",
    "__range": "1h",
    "job": ".*",
    "instance": ".*",
}
VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\[\[(\w+)(?::\w+)?\]\]|\$(\w+)")

# PromQL words that are neither metric names nor functions.
KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and",
            "or", "unless", "offset", "inf", "nan", "atan2"}
AGGREGATIONS = {"sum", "min", "max", "avg", "group", "stddev", "stdvar", "count",
                "count_values", "bottomk", "topk", "quantile"}
LABEL_LIST_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right"}
TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)
  | (?P<braces>\{(?:[^{}"'`]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)*\})
  | (?P<range>\[[^\]]*\])
  | (?P<duration>\d+(?:ms|[smhdwy])(?![\w:]))
  | (?P<number>(?:0x[0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?))
  | (?P<ident>[a-zA-Z_:][\w:]*)
  | (?P<punct>==|!=|>=|<=|=~|!~|[-+*/%^(),<>=@])
""", re.VERBOSE)
MATCHER = re.compile(r"""\s*([a-zA-Z_]\w*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*")\s*""")
REQUIRED_MATCHERS = {("job", "=~", '"$job"'), ("instance", "=~", '"$instance"')}
LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*$")


class Report:
    def __init__(self):
        self.failed = 0

    def ok(self, step, text):
        print("PASS %s: %s" % (step, text))

    def fail(self, step, text):
        self.failed += 1
        print("FAIL %s: %s" % (step, text))


def lex(expr):
    """The tokens of a PromQL expression as (kind, text); raises ValueError on a character
    PromQL has no token for (a variable left over outside a string or range, say)."""
    tokens, pos = [], 0
    while pos < len(expr):
        m = TOKEN.match(expr, pos)
        if not m:
            raise ValueError("cannot read %r at offset %d" % (expr[pos:pos + 20], pos))
        if m.lastgroup != "space":
            tokens.append((m.lastgroup, m.group()))
        pos = m.end()
    return tokens


def selectors(expr):
    """The vector selectors of expr as (metric name, matchers text or None)."""
    tokens = lex(expr)
    found, i = [], 0
    while i < len(tokens):
        kind, text = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else (None, None)
        if kind == "ident" and text in LABEL_LIST_KEYWORDS and nxt[1] == "(":
            # Skip the label list: its names are not metrics.
            i += 2
            while i < len(tokens) and tokens[i][1] != ")":
                i += 1
        elif kind == "ident" and (nxt[1] == "(" or text in AGGREGATIONS):
            pass  # a function or an aggregation
        elif kind == "ident" and text.lower() not in KEYWORDS:
            found.append((text, nxt[1][1:-1] if nxt[0] == "braces" else None))
        elif kind == "braces" and (i == 0 or tokens[i - 1][0] != "ident"):
            found.append((None, text[1:-1]))  # {__name__=...}: a selector without a name
        i += 1
    return found


def ranges(expr):
    return [text for kind, text in lex(expr) if kind == "range"]


def substitute(expr):
    """expr with Grafana's variables replaced as promtool should see them; raises KeyError
    naming a variable this check does not know."""
    def repl(m):
        name = m.group(1) or m.group(2) or m.group(3)
        return SUBSTITUTIONS[name]
    return VARIABLE.sub(repl, expr)


def uses_datasource_variable(ds):
    if isinstance(ds, str):
        return ds == DATASOURCE
    return isinstance(ds, dict) and ds.get("uid") == DATASOURCE


def all_panels(dashboard):
    """Every panel, those inside collapsed rows included, in order."""
    out = []
    for panel in dashboard.get("panels", []):
        out.append(panel)
        out.extend(panel.get("panels", []) if panel.get("type") == "row" else [])
    return out


def exprs_of(dashboard):
    """(rule name, where, expr) for every target and every variable's label_values()."""
    out = []
    for panel in all_panels(dashboard):
        if panel.get("type") == "row":
            continue
        for n, target in enumerate(panel.get("targets", [])):
            if isinstance(target.get("expr"), str) and target["expr"].strip():
                out.append(("dashboard:panel_%s_%d" % (panel.get("id"), n),
                            "panel %s %r target %s" % (panel.get("id"), panel.get("title"),
                                                       target.get("refId", n)),
                            target["expr"]))
    for var in dashboard.get("templating", {}).get("list", []):
        if var.get("type") != "query":
            continue
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        m = LABEL_VALUES.match(query or "")
        if m:
            out.append(("dashboard:variable_%s" % var.get("name"),
                        "variable %s" % var.get("name"), m.group(1)))
    return out


# ---------------------------------------------------------------- step 1: structure
def check_structure(dashboard, report):
    step = "structure"
    before = report.failed
    for key, want in (("uid", "trackd"), ("title", "trackd")):
        if dashboard.get(key) != want:
            report.fail(step, "%s is %r, not %r" % (key, dashboard.get(key), want))
    schema = dashboard.get("schemaVersion")
    if not isinstance(schema, int) or not 36 <= schema <= 41:
        report.fail(step, "schemaVersion %r is not one of Grafana 10/11 (36..41)" % (schema,))
    if "__inputs" in dashboard or "__requires" in dashboard:
        report.fail(step, "has __inputs/__requires: the sidecar imports the file as it is")
    if dashboard.get("id") is not None:
        report.fail(step, "dashboard id %r is set: an import would overwrite that database row"
                    % dashboard.get("id"))

    variables = {v.get("name"): v for v in dashboard.get("templating", {}).get("list", [])}
    ds = variables.get("datasource", {})
    if ds.get("type") != "datasource" or ds.get("query") != "prometheus":
        report.fail(step, "no variable 'datasource' of type datasource, query prometheus")
    for name in ("job", "instance"):
        var = variables.get(name, {})
        query = var.get("query")
        query = query.get("query") if isinstance(query, dict) else query
        if var.get("type") != "query" or not LABEL_VALUES.match(query or ""):
            report.fail(step, "no variable %r with a label_values() query" % name)
        elif LABEL_VALUES.match(query).group(2) != name:
            report.fail(step, "variable %r lists the values of %r" % (
                name, LABEL_VALUES.match(query).group(2)))
        elif not uses_datasource_variable(var.get("datasource")):
            report.fail(step, "variable %r does not query %s" % (name, DATASOURCE))
    unknown = set(variables) - set(SUBSTITUTIONS) - {"datasource"}
    if unknown:
        report.fail(step, "variables this check cannot substitute: %s" % sorted(unknown))

    ids, boxes = {}, []
    panels = all_panels(dashboard)
    for panel in panels:
        pid, title = panel.get("id"), panel.get("title")
        where = "panel %s %r" % (pid, title)
        if not isinstance(pid, int):
            report.fail(step, "%s: id is not an integer" % where)
        elif pid in ids:
            report.fail(step, "%s: id %d is also panel %r's" % (where, pid, ids[pid]))
        else:
            ids[pid] = title
        if not isinstance(title, str) or not title.strip():
            report.fail(step, "%s: no title" % where)
        grid = panel.get("gridPos")
        if not isinstance(grid, dict) or not all(isinstance(grid.get(k), int) for k in "hwxy"):
            report.fail(step, "%s: no gridPos with integer h, w, x, y" % where)
        elif grid["x"] < 0 or grid["y"] < 0 or grid["w"] < 1 or grid["h"] < 1 \
                or grid["x"] + grid["w"] > GRID_COLUMNS:
            report.fail(step, "%s: gridPos %s is outside the %d columns" % (
                where, grid, GRID_COLUMNS))
        else:
            for other, box in boxes:
                if grid["x"] < box["x"] + box["w"] and box["x"] < grid["x"] + grid["w"] \
                        and grid["y"] < box["y"] + box["h"] and box["y"] < grid["y"] + grid["h"]:
                    report.fail(step, "%s: gridPos overlaps %s" % (where, other))
            boxes.append((where, grid))
        if panel.get("type") == "row":
            continue
        if not isinstance(panel.get("description"), str) or not panel["description"].strip():
            report.fail(step, "%s: no description (the question it answers)" % where)
        if not uses_datasource_variable(panel.get("datasource")):
            report.fail(step, "%s: datasource %r is not %s" % (where, panel.get("datasource"),
                                                               DATASOURCE))
        targets = panel.get("targets") or []
        if not any(isinstance(t.get("expr"), str) and t["expr"].strip() for t in targets):
            report.fail(step, "%s: no target with an expr" % where)
        for target in targets:
            if not uses_datasource_variable(target.get("datasource")):
                report.fail(step, "%s target %s: datasource %r is not %s" % (
                    where, target.get("refId"), target.get("datasource"), DATASOURCE))

    exprs = [(where, expr) for _, where, expr in exprs_of(dashboard) if where.startswith("panel")]
    for where, expr in exprs:
        try:
            substitute(expr)
            found = selectors(expr)
            expr_ranges = ranges(expr)
        except (KeyError, ValueError) as e:
            report.fail(step, "%s: %s in %s" % (where, e, expr))
            continue
        for name, matchers in found:
            have = set(MATCHER.findall(matchers or ""))
            missing = REQUIRED_MATCHERS - have
            if missing:
                report.fail(step, "%s: selector %s{%s} lacks %s" % (
                    where, name or "", matchers or "",
                    ", ".join("%s%s%s" % m for m in sorted(missing))))
        for r in expr_ranges:
            if r != "[%s]" % RATE_INTERVAL:
                report.fail(step, "%s: range %s is not [%s]" % (where, r, RATE_INTERVAL))
    if report.failed == before:
        report.ok(step, "%d panels (%d rows), unique ids, gridPos, title, description and %s "
                  "on each; %d exprs, every selector with "
                  "{job=~\"$job\", instance=~\"$instance\"}, every range [%s]" % (
                      len(panels), sum(p.get("type") == "row" for p in panels), DATASOURCE,
                      len(exprs), RATE_INTERVAL))


# ---------------------------------------------------------------- step 2: promql
def check_promql(dashboard, promtool, work, report):
    step = "promql"
    rules, records = [], set()
    for record, where, expr in exprs_of(dashboard):
        # Unique ids are step 1's to check; here a repeated one must not read as bad PromQL.
        while record in records:
            record += "_again"
        records.add(record)
        try:
            rules.append({"record": record, "expr": substitute(expr)})
        except KeyError as e:
            report.fail(step, "%s: unknown variable %s" % (where, e))
            return False
    path = os.path.join(work, "dashboard-rules.yaml")
    # JSON is YAML: promtool reads the file as it would a hand-written rules file.
    with open(path, "w") as f:
        json.dump({"groups": [{"name": "dashboard", "rules": rules}]}, f, indent=2)
    run = subprocess.run([promtool, "check", "rules", path], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=60)
    if run.returncode == 0 and "SUCCESS: %d rules found" % len(rules) in run.stdout:
        ok = True
        report.ok(step, "promtool check rules: %d exprs as recording rules in %s" % (
            len(rules), path))
    else:
        ok = False
        report.fail(step, "promtool check rules %s (exit %d):\n%s" % (
            path, run.returncode, run.stdout.rstrip()))
    return ok


# ---------------------------------------------------------------- step 3: metrics
def check_metrics(dashboard, metrics_file, report):
    step = "metrics"
    exported = {}
    with open(metrics_file) as f:
        for line in f:
            name, kind, config = line.split()
            exported.setdefault(name, [kind, set()])[1].add(config)

    def family(name):
        if name in exported:
            return name
        for suffix, kinds in (("_bucket", {"histogram"}), ("_sum", {"histogram", "summary"}),
                              ("_count", {"histogram", "summary"})):
            base = name[:-len(suffix)]
            if name.endswith(suffix) and exported.get(base, [None])[0] in kinds:
                return base
        return None

    used, before = {}, report.failed
    for _, where, expr in exprs_of(dashboard):
        try:
            found = selectors(expr)
        except ValueError as e:
            report.fail(step, "%s: %s" % (where, e))
            continue
        for name, _ in found:
            if name is None:
                report.fail(step, "%s: a selector without a metric name" % where)
            elif not (name.startswith("trackd_") or name.startswith("process_")):
                report.fail(step, "%s: %s is not a trackd_ or process_ metric" % (where, name))
            elif family(name) is None:
                report.fail(step, "%s: %s is not in trackd's /metrics" % (where, name))
            else:
                used.setdefault(family(name), set()).add(where)
    if report.failed == before:
        report.ok(step, "%d metric families used, each in trackd's /metrics" % len(used))
        print("     %s" % ", ".join("%s (%s)" % (n, "+".join(sorted(exported[n][1])))
                                    for n in sorted(used)))
    unused = sorted(n for n in exported if n not in used)
    if unused:
        print("     exported but on no panel: %s" % ", ".join(unused))


# ---------------------------------------------------------------- step 4: the docs' table
def check_docs(dashboard, docs, report):
    """The table of docs/operations.md, "## The dashboard", has one line per panel in the
    dashboard's order (rows in bold), each naming the metric families its exprs use."""
    step = "docs"
    with open(docs) as f:
        text = f.read()
    m = re.search(r"^## The dashboard\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    if not m:
        report.fail(step, "%s has no section '## The dashboard'" % docs)
        return
    lines = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 3 and cells[0] not in ("panel", "---"):
            lines.append((cells[0], set(re.findall(r"`((?:trackd|process)_\w+)`", cells[2]))))
    want = []
    for panel in all_panels(dashboard):
        if panel.get("type") == "row":
            want.append(("**%s**" % panel.get("title"), set()))
            continue
        families = set()
        for target in panel.get("targets", []):
            try:
                found = selectors(target.get("expr", ""))
            except ValueError:
                continue  # step 1 reports it
            for name, _ in found:
                families.add(re.sub(r"_bucket$", "", name or ""))
        want.append((panel.get("title"), families))
    before = report.failed
    for (title, families), (doc_title, doc_families) in zip(want, lines):
        if title != doc_title:
            report.fail(step, "the table has %r where the dashboard has %r" % (doc_title, title))
            return
        if families != doc_families:
            report.fail(step, "%r: the table names %s, the exprs use %s" % (
                title, sorted(doc_families), sorted(families)))
    if len(want) != len(lines):
        report.fail(step, "the table has %d lines, the dashboard %d panels and rows: %s" % (
            len(lines), len(want),
            ", ".join(t for t, _ in (want[len(lines):] or lines[len(want):]))))
    if report.failed == before:
        report.ok(step, "%s, \"The dashboard\": one line per panel and row (%d), in order, "
                  "each with the metrics its exprs use" % (docs, len(lines)))


# ---------------------------------------------------------------- trackd's metrics
def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, condition, deadline_seconds, proc):
    """Polls condition() until it returns something true, trackd exits, or the deadline
    passes; returns that value or raises RuntimeError."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        if proc.poll() is not None:
            raise RuntimeError("trackd exited %d before %s" % (proc.returncode, what))
        time.sleep(0.05)  # polling a condition, bounded by the deadline
    raise RuntimeError("no %s within %d s" % (what, deadline_seconds))


def serving_line(log_path):
    with open(log_path) as f:
        for line in f:
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if entry.get("msg") == "serving":
                return entry
    return None


def scrape(trackd, trackctl, name, flags, calls, work, deadline_seconds=30):
    """Starts trackd with flags on loopback (ports chosen by the kernel, read from its
    "serving" log line), makes calls with trackctl (each a list of (arguments, environment)),
    reads its /metrics and stops it with SIGTERM and a bounded wait. Returns the exposition's
    text; raises RuntimeError on any failure."""
    data = os.path.join(work, "%s-data" % name)
    log_path = os.path.join(work, "%s.log" % name)
    argv = [trackd, "--listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
            "--data_dir=%s" % data, "--log_summary_interval=0"] + flags
    with open(log_path, "w") as log:
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    failed = True
    try:
        serving = wait_for("'serving' log line", lambda: serving_line(log_path),
                           deadline_seconds, proc)
        target = "--target=127.0.0.1:%s" % serving["port"]
        for args, env in calls:
            run = subprocess.run([trackctl, "track", target, "--deadline=2s"] + args,
                                 env=dict(os.environ, **env), stdout=subprocess.PIPE,
                                 stderr=subprocess.STDOUT, text=True, timeout=30)
            print("     trackctl %s: %s" % (" ".join(args), run.stdout.strip().splitlines()[0]
                                           if run.stdout.strip() else "exit %d" % run.returncode))
        with urllib.request.urlopen("http://127.0.0.1:%s/metrics" % serving["admin_port"],
                                    timeout=10) as r:
            text = r.read().decode()
        failed = False
        return text
    except (OSError, subprocess.TimeoutExpired) as e:
        raise RuntimeError("%s: %s" % (name, e))
    except RuntimeError as e:
        with open(log_path) as f:
            raise RuntimeError("%s: %s; its log:\n%s" % (name, e, f.read()[-2000:]))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
                raise RuntimeError("%s: trackd did not stop within 20 s of SIGTERM" % name)
        if proc.returncode != 0 and not failed:
            raise RuntimeError("%s: trackd exited %d after SIGTERM; log %s" % (
                name, proc.returncode, log_path))


SAMPLE = re.compile(r"^([a-zA-Z_:][\w:]*)(\{.*\})?\s+(\S+)$")


def collect_metrics(trackd, trackctl, work, out):
    """Writes OUT ("name type configuration" per family) and OUT.series.json (every sample
    with its family's type and configuration) from two real trackd runs."""
    os.makedirs(work, exist_ok=True)
    tokens = os.path.join(work, "tokens")
    token = secrets.token_hex(16)
    fd = os.open(tokens, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write("sha256:%s dashboard-check\n" % hashlib.sha256(token.encode()).hexdigest())
    event = ["--user_id=u-1", "--group_id=acct-9", "--role=Developer"]
    bad_event = ["--user_id= u-2", "--group_id=acct-9", "--role=Developer"]
    authorized, wrong = {"TRACKD_TOKEN": token}, {"TRACKD_TOKEN": "not-" + token}
    configs = [
        # Nothing listens on the upstream's port: trackd keeps retrying, which is fine here.
        # The rate limit lets 3 events through and refills one in 1000 s: the fourth call is
        # refused however slow this machine is.
        ("http-auth", "HTTP sink to a closed loopback port, tokens file, rate limit",
         ["--sink=http", "--http_url=http://127.0.0.1:%d/v1/batch" % free_port(),
                       "--auth_tokens_file=%s" % tokens, "--rate_limit_per_client=0.001",
                       "--rate_limit_burst=3"],
         [(event, authorized), (bad_event, authorized), (event, authorized),
          (event, authorized), (event, wrong)]),
        ("file", "the default file sink", [],
         [(event, {}), (bad_event, {}), (["--dry-run"] + event, {})]),
    ]
    lines, series = [], []
    for name, description, flags, calls in configs:
        print("trackd, %s:" % description)
        text = scrape(trackd, trackctl, name, flags, calls if trackctl else [], work)
        types = {m.group(1): m.group(2)
                 for m in re.finditer(r"^# TYPE (\S+) (\S+)$", text, re.MULTILINE)}
        print("     %d metric families" % len(types))
        lines += ["%s %s %s\n" % (n, t, name) for n, t in sorted(types.items())]
        for line in text.splitlines():
            m = SAMPLE.match(line)
            if not line.startswith("#") and m:
                family = re.sub(r"_(bucket|sum|count)$", "", m.group(1))
                kind = types.get(m.group(1)) or types.get(family, "untyped")
                series.append({"name": m.group(1), "labels": m.group(2) or "",
                               "value": m.group(3), "type": kind, "config": name})
    with open(out, "w") as f:
        f.writelines(lines)
    with open(out + ".series.json", "w") as f:
        json.dump(series, f, indent=1)


# ---------------------------------------------------------------- step 5: data
def check_data(dashboard, promtool, series_file, work, report):
    """Every expr returns data from series shaped like trackd's own (its names, labels and
    label values, one instance per configuration; counters and histograms rising, gauges at
    the value scraped): each expr becomes an alert on absent(expr), and promtool test rules
    must see none of them fire. Catches what parses but selects nothing: a label value or
    name trackd does not use, a division whose sides do not match."""
    step = "data"
    with open(series_file) as f:
        samples = json.load(f)
    input_series = []
    for sample in samples:
        labels = sample["labels"][1:-1] if sample["labels"] else ""
        extra = 'job="trackd", instance="%s"' % sample["config"]
        selector = "%s{%s}" % (sample["name"], "%s, %s" % (labels, extra) if labels else extra)
        if sample["type"] in ("counter", "histogram", "summary"):
            values = "0+1x80"  # 20 minutes at 15 s
        else:
            values = "%s+0x80" % sample["value"]
        input_series.append({"series": selector, "values": values})
    rules, names = [], {}
    for record, where, expr in exprs_of(dashboard):
        alert = record.replace("dashboard:", "dashboard_empty_")
        while alert in names:
            alert += "_again"
        names[alert] = (where, expr)
        try:
            rules.append({"alert": alert, "expr": "absent(%s)" % substitute(expr)})
        except KeyError as e:
            report.fail(step, "%s: unknown variable %s" % (where, e))
            return
    rules_path = os.path.join(work, "dashboard-absent-rules.yaml")
    tests_path = os.path.join(work, "dashboard-data-test.yaml")
    with open(rules_path, "w") as f:
        json.dump({"groups": [{"name": "dashboard_data", "rules": rules}]}, f, indent=2)
    with open(tests_path, "w") as f:
        json.dump({"rule_files": [os.path.basename(rules_path)], "evaluation_interval": "15s",
                   "tests": [{"interval": "15s", "input_series": input_series,
                              "alert_rule_test": [{"eval_time": "10m", "alertname": a,
                                                   "exp_alerts": []} for a in names]}]},
                  f, indent=2)
    run = subprocess.run([os.path.abspath(promtool), "test", "rules",
                          os.path.basename(tests_path)], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True, timeout=120, cwd=work)
    empty = [a for a in names if re.search(r"alertname: %s\b" % re.escape(a), run.stdout)]
    if run.returncode == 0 and "SUCCESS" in run.stdout:
        report.ok(step, "promtool test rules: every one of %d exprs returns data from %d series "
                  "shaped like trackd's (%s)" % (len(names), len(input_series), tests_path))
    elif empty:
        for a in empty:
            report.fail(step, "%s returns no data from trackd's series: %s" % names[a])
    else:
        report.fail(step, "promtool test rules %s (exit %d):\n%s" % (
            tests_path, run.returncode, run.stdout.rstrip()[-3000:]))


# ---------------------------------------------------------------- broken copies
def first_target(dashboard):
    return next(t for p in all_panels(dashboard) if p.get("type") != "row"
                for t in p.get("targets", []))


def break_unbalanced_paren(d):
    first_target(d)["expr"] = "sum(" + first_target(d)["expr"]


def break_unknown_metric(d):
    t = first_target(d)
    t["expr"] = re.sub(r"trackd_\w+", "trackd_no_such_metric_total", t["expr"], count=1)


def break_no_description(d):
    next(p for p in all_panels(d) if p.get("type") != "row").pop("description")


def break_duplicate_id(d):
    panels = [p for p in all_panels(d) if p.get("type") != "row"]
    panels[1]["id"] = panels[0]["id"]


def break_fixed_datasource(d):
    next(p for p in all_panels(d) if p.get("type") != "row")["datasource"] = {
        "type": "prometheus", "uid": "prometheus"}


def break_no_job_matcher(d):
    t = first_target(d)
    t["expr"] = t["expr"].replace('job=~"$job", ', "", 1)


def break_fixed_range(d):
    t = next(t for p in all_panels(d) for t in p.get("targets", []) if RATE_INTERVAL in t["expr"])
    t["expr"] = t["expr"].replace(RATE_INTERVAL, "5m", 1)


def break_overlap(d):
    panels = [p for p in all_panels(d) if p.get("type") != "row"]
    panels[1]["gridPos"] = dict(panels[0]["gridPos"])


def break_renamed_panel(d):
    next(p for p in all_panels(d) if p.get("type") != "row")["title"] = "Calls, renamed"


def break_label_value(d):
    t = next(t for p in all_panels(d) for t in p.get("targets", []) if 'code="OK"' in t["expr"])
    t["expr"] = t["expr"].replace('code="OK"', 'code="Ok"')


def break_no_expr(d):
    for t in next(p for p in all_panels(d) if p.get("type") != "row")["targets"]:
        t["expr"] = ""


BREAKS = {
    "no-expr": break_no_expr,
    "label-value": break_label_value,
    "renamed-panel": break_renamed_panel,
    "unbalanced-paren": break_unbalanced_paren,
    "unknown-metric": break_unknown_metric,
    "no-description": break_no_description,
    "duplicate-id": break_duplicate_id,
    "fixed-datasource": break_fixed_datasource,
    "no-job-matcher": break_no_job_matcher,
    "fixed-range": break_fixed_range,
    "overlap": break_overlap,
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("metrics")
    p.add_argument("--trackd", required=True)
    p.add_argument("--trackctl", help="makes calls before each scrape, so labelled series exist")
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p = sub.add_parser("check")
    p.add_argument("--dashboard", required=True)
    p.add_argument("--promtool", required=True)
    p.add_argument("--metrics", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--docs", help="docs/operations.md, whose table must list every panel")
    p = sub.add_parser("break")
    p.add_argument("kind", choices=sorted(BREAKS))
    p.add_argument("--dashboard", required=True)
    p.add_argument("--out", required=True)
    args = parser.parse_args()

    if args.command == "metrics":
        try:
            collect_metrics(args.trackd, args.trackctl, args.work, args.out)
        except RuntimeError as e:
            print("FAIL trackd's metrics: %s" % e)
            return 1
        return 0
    if args.command == "break":
        with open(args.dashboard) as f:
            dashboard = json.load(f)
        broken = copy.deepcopy(dashboard)
        BREAKS[args.kind](broken)
        if broken == dashboard:
            print("break %s changed nothing" % args.kind, file=sys.stderr)
            return 1
        with open(args.out, "w") as f:
            json.dump(broken, f, indent=2)
        return 0

    report = Report()
    try:
        with open(args.dashboard) as f:
            dashboard = json.load(f)
    except (OSError, ValueError) as e:
        report.fail("structure", "%s does not parse: %s" % (args.dashboard, e))
        return 1
    os.makedirs(args.work, exist_ok=True)
    check_structure(dashboard, report)
    promql_ok = check_promql(dashboard, args.promtool, args.work, report)
    check_metrics(dashboard, args.metrics, report)
    if args.docs:
        check_docs(dashboard, args.docs, report)
    if not promql_ok:
        print("SKIP data: needs every expr to parse")
    elif os.path.exists(args.metrics + ".series.json"):
        check_data(dashboard, args.promtool, args.metrics + ".series.json", args.work, report)
    return 1 if report.failed else 0


if __name__ == "__main__":
    sys.exit(main())
