#!/usr/bin/env python3
"""Checks trackd's alerting rules against what promtool cannot (issue 14): every alert has a
TrackdXxx name, a severity of critical or warning, a one-line summary naming the labels that
matter, a description, and a runbook_url pointing at its own `### TrackdXxx` section of
docs/operations.md; every alert is tested both firing (with its annotations) and not firing in
the promtool unit tests; every metric the rules read is listed in docs/operations.md's Metrics
table; the file holds no Helm templating (the chart embeds it unchanged).

usage: check_alerts.py --rules RULES.yaml --tests TESTS.yaml --docs operations.md

Prints every failed check and a summary line, and exits 1 if a check failed; stdlib and
PyYAML only.
"""
import argparse
import os
import re
import sys

import yaml

from checker import Checker

SEVERITIES = {"critical", "warning"}
ALERTS_SECTION = "## Alerts and runbooks"
METRICS_SECTION = "## Metrics"
# PromQL words that look like metric names (operators, modifiers, literals).
KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left",
            "group_right", "bool", "offset", "inf", "nan", "atan2", "topk", "bottomk"}


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading: lower case, punctuation but - and _
    dropped, spaces to -."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def headings(markdown):
    """(level, text, anchor) of each heading outside fenced code; repeated anchors get -1, -2."""
    out, seen, fenced = [], {}, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            continue
        m = None if fenced else re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if m:
            anchor = github_anchor(m.group(2))
            n = seen.get(anchor, 0)
            seen[anchor] = n + 1
            out.append((len(m.group(1)), m.group(2), anchor if n == 0 else f"{anchor}-{n}"))
    return out


def section(markdown, title):
    """The text of the `## title...` section up to the next level-2 heading."""
    m = re.search(r"^" + re.escape(title) + r".*$", markdown, re.M)
    if not m:
        return ""
    end = re.search(r"^## ", markdown[m.end():], re.M)
    return markdown[m.end(): m.end() + end.start()] if end else markdown[m.end():]


def documented_metrics(markdown):
    """Metric names in the first column of the Metrics section's table."""
    names = set()
    for line in section(markdown, METRICS_SECTION).splitlines():
        cells = line.split("|")
        if line.startswith("|") and len(cells) > 2:
            for name in re.findall(r"`([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^`]*\})?`", cells[1]):
                names.add(name)
    return names


def metric_names(expr):
    """The metric names a PromQL expression selects: identifiers not followed by `(`, once
    strings, label matchers, label lists of by/without/on/ignoring/group_*, ranges and numbers
    are taken out."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    names = set()
    for m in re.finditer(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?", e):
        word, call = m.group(1), m.group(2)
        if call or word.lower() in KEYWORDS or re.fullmatch(r"\d+[smhdwy]", word):
            continue
        names.add(word)
    return names


def base_metric(name, documented):
    """A histogram's series (_bucket, _sum, _count) belong to the documented histogram."""
    for suffix in ("_bucket", "_sum", "_count"):
        if name.endswith(suffix) and name[: -len(suffix)] in documented:
            return name[: -len(suffix)]
    return name


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rules", required=True)
    parser.add_argument("--tests", required=True)
    parser.add_argument("--docs", required=True)
    args = parser.parse_args()
    c = Checker("check_alerts.py")

    with open(args.rules, encoding="utf-8") as f:
        rules_text = f.read()
    rules = yaml.safe_load(rules_text)
    with open(args.tests, encoding="utf-8") as f:
        tests = yaml.safe_load(f)
    with open(args.docs, encoding="utf-8") as f:
        docs = f.read()

    # ------------------------------------------------------------ the rules file
    c.check(not re.search(r"\{\{-|-\}\}|\.Values|\.Release|\.Chart\b|\binclude\b|\btpl\b",
                          rules_text),
            f"{args.rules}: Helm templating in a file the chart embeds unchanged")
    groups = (rules or {}).get("groups") or []
    c.check([g.get("name") for g in groups] == ["trackd"],
            f"{args.rules}: expected one group named trackd, got {[g.get('name') for g in groups]}")
    alerts = [r for g in groups for r in g.get("rules") or []]
    c.check(len(alerts) > 0, f"{args.rules}: no rules")
    names = [a.get("alert") for a in alerts]
    c.check(len(set(names)) == len(names), f"{args.rules}: alert names repeat: {names}")

    all_headings = headings(docs)
    anchors = {anchor: (level, text) for level, text, anchor in all_headings}
    runbooks = {text for level, text, _ in headings(section(docs, ALERTS_SECTION)) if level == 3}
    documented = documented_metrics(docs)
    c.check(len(documented) > 10, f"{args.docs}: found only {sorted(documented)} in the Metrics table")

    for rule in alerts:
        name = rule.get("alert")
        if not c.check(name is not None, f"a rule without `alert` (recording rule?): {rule}"):
            continue
        c.check(re.fullmatch(r"Trackd[A-Z][A-Za-z0-9]*", name),
                f"{name}: an alert's name is TrackdXxx (CamelCase)")
        labels = rule.get("labels") or {}
        c.check(labels.get("severity") in SEVERITIES,
                f"{name}: severity {labels.get('severity')!r} is not one of {sorted(SEVERITIES)}")
        ann = rule.get("annotations") or {}
        summary = str(ann.get("summary", "")).strip()
        description = str(ann.get("description", "")).strip()
        c.check(summary, f"{name}: no summary annotation")
        c.check("\n" not in summary, f"{name}: the summary is more than one line")
        c.check("$labels." in summary, f"{name}: the summary names no label ({{{{ $labels.instance }}}})")
        c.check(description, f"{name}: no description annotation")
        c.check("$labels." in description,
                f"{name}: the description names no label ({{{{ $labels.instance }}}})")
        expected_url = f"docs/operations.md#{github_anchor(name)}"
        url = ann.get("runbook_url")
        c.check(url == expected_url, f"{name}: runbook_url is {url!r}, expected {expected_url!r}")
        anchor = str(url or "").partition("#")[2]
        c.check(anchor in anchors,
                f"{name}: runbook_url anchor #{anchor} is no heading of {args.docs}")
        c.check(name in runbooks,
                f"{name}: no `### {name}` runbook section under '{ALERTS_SECTION}' in {args.docs}")
        expr = str(rule.get("expr", ""))
        c.check("{{" not in expr, f"{name}: template braces in expr")
        for metric in sorted(metric_names(expr)):
            c.check(base_metric(metric, documented) in documented,
                    f"{name}: metric {metric} is not in the Metrics table of {args.docs}")

    # The section's table: one row per alert, with the rule's severity.
    rows = {}
    for line in section(docs, ALERTS_SECTION).splitlines():
        m = re.match(r"^\|\s*`(Trackd\w+)`\s*\|\s*(\w+)\s*\|", line)
        if m:
            rows[m.group(1)] = m.group(2)
    for rule in alerts:
        name, severity = rule.get("alert"), (rule.get("labels") or {}).get("severity")
        c.check(rows.get(name) == severity,
                f"{name}: the table of '{ALERTS_SECTION}' gives severity {rows.get(name)!r}, "
                f"the rule {severity!r}")
    for name in sorted(set(rows) - set(names)):
        c.check(False, f"{args.docs}: the table of '{ALERTS_SECTION}' lists {name}, no alert")

    # The section's links to other sections resolve (GitHub anchors).
    docs_dir = os.path.dirname(os.path.abspath(args.docs))
    for target, anchor in re.findall(r"\]\(([\w./-]*)#([\w-]+)\)", section(docs, ALERTS_SECTION)):
        other = docs
        if target:
            try:
                with open(os.path.join(docs_dir, target), encoding="utf-8") as f:
                    other = f.read()
            except OSError:
                other = ""
        c.check(anchor in {a for _, _, a in headings(other)},
                f"{args.docs}: the link {target}#{anchor} in '{ALERTS_SECTION}' leads nowhere")

    # Runbook sections without an alert are stale.
    for heading in sorted(runbooks - set(names)):
        c.check(False, f"{args.docs}: runbook section `### {heading}` has no alert")

    # ------------------------------------------------------------ the unit tests
    rule_files = (tests or {}).get("rule_files") or []
    here = os.path.dirname(os.path.abspath(args.tests))
    c.check([os.path.realpath(os.path.join(here, p)) for p in rule_files]
            == [os.path.realpath(args.rules)],
            f"{args.tests}: rule_files {rule_files} is not (only) {args.rules}")
    firing, firing_with_annotations, silent = set(), set(), set()
    for test in (tests or {}).get("tests") or []:
        for case in test.get("alert_rule_test") or []:
            alertname = case.get("alertname")
            c.check(alertname in names,
                    f"{args.tests}: test '{test.get('name')}' checks unknown alert {alertname}")
            exp = case.get("exp_alerts") or []
            if not exp:
                silent.add(alertname)
                continue
            firing.add(alertname)
            rule = next((r for r in alerts if r.get("alert") == alertname), {})
            severity = (rule.get("labels") or {}).get("severity")
            for alert in exp:
                c.check((alert.get("exp_labels") or {}).get("severity") == severity,
                        f"{args.tests}: {alertname} at {case.get('eval_time')} expects severity "
                        f"{(alert.get('exp_labels') or {}).get('severity')!r}, the rule says {severity!r}")
                if alert.get("exp_annotations"):
                    firing_with_annotations.add(alertname)
    for name in names:
        c.check(name in firing, f"{name}: no unit test where it fires (exp_alerts)")
        c.check(name in firing_with_annotations,
                f"{name}: no unit test that checks its rendered annotations")
        c.check(name in silent, f"{name}: no unit test where it does not fire (exp_alerts: [])")

    return c.report(f"{len(names)} alerts, {len(documented)} documented metrics")


if __name__ == "__main__":
    sys.exit(main())
