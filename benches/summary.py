#!/usr/bin/env python3
"""Writes the measured table of docs/BENCHMARKS.md from criterion's results
(target/criterion/**/new/estimates.json, medians) and the figures the benches print to the
log of `benches/run-all.sh`. Usage: summary.py LOG BENCHMARKS.md"""
import json
import os
import re
import sys

LOG, DOC = sys.argv[1], sys.argv[2]
ROOT = os.path.join(os.path.dirname(__file__), "..", "target", "criterion")

med = {}
for dirpath, _, files in os.walk(ROOT):
    if os.path.basename(dirpath) == "new" and "benchmark.json" in files:
        with open(os.path.join(dirpath, "benchmark.json")) as f:
            bid = json.load(f)["full_id"]
        with open(os.path.join(dirpath, "estimates.json")) as f:
            med[bid] = json.load(f)["median"]["point_estimate"] / 1e9  # seconds
log = open(LOG, encoding="utf-8", errors="replace").read()


def fmt(s):
    if s is None:
        return "—"
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} µs"


def ratio(a, b):
    if a is None or not b:
        return "—"
    r = a / b
    return f"{r:.2f}×" if r >= 0.1 else f"{r:.2g}×"


def verdict(ok):
    return "met" if ok else "**missed**"


rows = []


def row(measure, target, value, anchor_name, anchor, ok, command):
    rows.append(
        f"| {measure} | {target} | {fmt(value) if isinstance(value, float) or value is None else value} "
        f"| {anchor_name}: {fmt(anchor) if isinstance(anchor, float) or anchor is None else anchor} "
        f"| {ratio(value, anchor) if isinstance(value, float) and isinstance(anchor, float) else '—'} "
        f"| {verdict(ok) if ok is not None else '—'} | `{command}` |"
    )


g = med.get
# Content
lv, bp = g("bundled/load_validate"), g("bundled/bare_yaml_parse")
if lv:
    row("load + validate the 4 bundled playbooks", "< 20 ms, ≤ 3× parse", lv, "bare YAML parse", bp,
        lv < 0.020 and lv <= 3 * bp, "cargo bench --bench load")
cd = g("bundled/check_draft")
if cd:
    row("authoring view: check a draft (the workspace with the edited file, scripts compiled)", "< 100 ms",
        cd, "load + validate bundled", lv, cd < 0.100, "cargo bench --bench load")
va = g("bundled/validate_every_check")
if va:
    row("validate the bundled playbooks with every check (scripts compiled, every hook run on every turn)",
        "< 50 ms", va, "load + validate", lv, va < 0.050, "cargo bench --bench load")
gr = g("bundled/graph_200_turns_mermaid")
if gr:
    row("graph of a 200-turn scenario, built and written as Mermaid", "< 16 ms", gr, "target", 0.016,
        gr < 0.016, "cargo bench --bench load")
for n in (10, 100, 1000):
    v, a = g(f"generated/load_validate/{n}"), g(f"generated/bare_yaml_parse/{n}")
    if v:
        per = v / n
        row(f"load + validate {n} generated playbooks ({fmt(per)} each)", "linear in n", v,
            "bare YAML parse", a, None, "cargo bench --bench load")
# Scoring
s, nat = g("score_one_reply/engine_rules_script_guide"), g("score_one_reply/native_rust")
if s:
    row("score one reply (rules + score script + guide script, cached)", "< 200 µs, ≤ 10× native",
        s, "same rubric in Rust", nat, s < 200e-6 and s <= 10 * nat, "cargo bench --bench scoring")
ro = g("score_one_reply/engine_rules_only")
if ro:
    row("score one reply, rules only", "—", ro, "same rubric in Rust", nat, None, "cargo bench --bench scoring")
wl = g("word_list/load")
if wl:
    row("load the Chinese word list (once per process, on first use)", "< 100 ms", wl, "target", 0.100,
        wl < 0.100, "cargo bench --bench scoring")
m = re.search(r"rescore: (\d+) replies \((\d+) attempts\) in ([\d.]+) s on (\d+) threads", log)
one = g("rescore_10k_replies/one_thread_anchor")
par = g("rescore_10k_replies/parallel")
if m:
    n, secs, threads = int(m.group(1)), float(m.group(3)), m.group(4)
    row(f"re-score all {n:,} stored replies of the demo db ({threads} threads)", "< 60 s (1 M replies)",
        secs, "one thread, projected from 10 k", one / 10_000 * n if one else None, secs < 60 * n / 1e6,
        "cargo bench --bench rescore")
if par:
    row("re-score a slice of 10 000 replies, all cores", "—", par, "one thread", one, None,
        "cargo bench --bench rescore")
# Durable writes
d, da = g("durable_write/one_reply"), g("durable_write/one_reply_anchor_bare_insert")
if d:
    row("durable write of one reply (WAL, synchronous=FULL)", "< 5 ms", d, "bare INSERT, same settings",
        da, d < 0.005, "cargo bench --bench durable")
b, ba = g("durable_write/burst_1000_replies"), g("durable_write/burst_1000_anchor_bare_inserts")
if b:
    row("burst of 1 000 replies, one transaction each", "—", b, "1 000 bare INSERTs", ba, None,
        "cargo bench --bench durable")
# Reports
for bid in sorted(k for k in med if k.startswith("report/") and k.endswith("/salesdojo")):
    name = bid[len("report/"):-len("/salesdojo")]
    v, sh = med[bid], med.get(f"report/{name}/sqlite3_shell")
    ok = v < 0.100 and (sh is None or v <= 1.2 * sh)
    if sh is None:
        # Several queries in Rust, no single SQL for the shell: the ratio is to the target.
        row(f"report: {name.replace('_', ' ')} (several queries)", "< 100 ms", v, "target", 0.100, ok,
            "cargo bench --bench reports")
        continue
    row(f"report: {name.replace('_', ' ')}", "< 100 ms, ≤ 1.2× shell", v, "sqlite3 shell", sh, ok,
        "cargo bench --bench reports")
# Assignments
af, at = g("assignments/funnel_everyone"), g("assignments/trainee_list")
if af:
    row("assignments: the funnel for everyone (50 assignments, every standing, per team, who is behind)",
        "< 100 ms", af, "target", 0.100, af < 0.100, "cargo bench --bench assignments")
if at:
    row("assignments: a trainee's assigned list (home screen)", "< 10 ms", at, "target", 0.010,
        at < 0.010, "cargo bench --bench assignments")
# The manager's week
mq, mr, ma, mc = (g("manager/queue_30_days"), g("manager/readiness_grid_everyone"),
                  g("manager/readiness_every_playbook"), g("manager/certificates_one_playbook"))
if mq:
    row("manager: the review queue, last 30 days (every reason)", "< 50 ms", mq, "target", 0.050,
        mq < 0.050, "cargo bench --bench manager")
if mr:
    row("manager: the readiness grid for everyone (the busiest playbook: 500 trainees × its criteria, teams now and by week)",
        "< 100 ms", mr, "target", 0.100, mr < 0.100, "cargo bench --bench manager")
if ma:
    row("manager: readiness of every playbook at once (`salesdojo readiness`)", "—", ma, "—", None, None,
        "cargo bench --bench manager")
if mc:
    row("manager: one playbook's certificates for everyone", "—", mc, "—", None, None,
        "cargo bench --bench manager")
# App
for m in re.finditer(r"frame (\S+): p50 ([\d.]+) ms, p99 ([\d.]+) ms", log):
    p99 = float(m.group(3)) / 1e3
    row(f"app frame, {m.group(1).replace('_', ' ')} (p99; p50 {m.group(2)} ms)", "p99 < 16 ms", p99,
        "budget", 0.016, p99 < 0.016, "cargo bench --bench frame")
for m in re.finditer(r"frame author typing \((\d+) lines\): p50 ([\d.]+) ms, p99 ([\d.]+) ms", log):
    p99 = float(m.group(3)) / 1e3
    row(f"app frame, authoring view, a keystroke in a {m.group(1)}-line playbook (p99; p50 {m.group(2)} ms)",
        "p99 < 16 ms", p99, "budget", 0.016, p99 < 0.016, "cargo bench --bench frame")
m = re.search(r"author error shown: median ([\d.]+) ms, max ([\d.]+) ms over (\d+)", log)
if m:
    row(f"authoring view: a typed error to the problems list (max {m.group(2)} ms of {m.group(3)})", "—",
        float(m.group(1)) / 1e3, "the pause checks wait for", 0.300, None, "cargo bench --bench frame")
for m in re.finditer(r"review filter (.+?): median ([\d.]+) ms, max ([\d.]+) ms over (\d+) changes \((\d+) rows\)", log):
    med_s, max_s = float(m.group(2)) / 1e3, float(m.group(3)) / 1e3
    row(f"review view, filter change to results on screen: {m.group(1)} (max {max_s * 1e3:.0f} ms of {m.group(4)})",
        "< 200 ms", med_s, "budget", 0.200, max_s < 0.200, "cargo bench --bench frame")
cs, ver = g("startup/app_to_first_frame"), g("startup/version_anchor")
if cs:
    row("app cold start to first frame (Xvfb, warm page cache)", "< 500 ms", cs, "`salesdojo --version`",
        ver, cs < 0.5, "xvfb-run -a cargo bench --bench startup")
for m in re.finditer(r"startup: peak RSS, (.+): (\d+) KiB", log):
    kib = int(m.group(2))
    demo = "demo" in m.group(1)
    rows.append(
        f"| peak RSS, {m.group(1)} | {'< 200 MB' if demo else '—'} | {kib / 1024:.0f} MiB "
        f"| target for the app: 200 MB | {kib / 1024 / 200:.2f}× "
        f"| {verdict(kib < 200 * 1024) if demo else '—'} "
        f"| `xvfb-run -a cargo bench --bench startup` |"
    )

table = "| measure | target | median | anchor | ratio | target | reproduce |\n|---|---|---|---|---|---|---|\n"
table += "\n".join(rows) + "\n"
doc = open(DOC, encoding="utf-8").read()
start, end = "<!-- measured:start -->\n", "<!-- measured:end -->"
i, j = doc.index(start) + len(start), doc.index(end)
open(DOC, "w", encoding="utf-8").write(doc[:i] + table + doc[j:])
print(table)
