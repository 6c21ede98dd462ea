#!/bin/sh
# Instructions per reply scored, counted by callgrind: a figure that does not move with the
# machine's pace (the timings of `cargo bench --bench scoring` moved by half between sessions
# on the same code). Needs valgrind (Debian: valgrind) and python3.
#
#   benches/instructions.sh            # builds the scoring bench, counts every case
#   benches/instructions.sh BINARY     # counts a bench binary already built (an older build)
set -eu
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
    bin=$1
else
    bin=$(cargo bench --bench scoring --no-run --message-format=json 2>/dev/null |
        python3 -c 'import json,sys
for l in sys.stdin:
    m = json.loads(l)
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] == "scoring":
        print(m["executable"])')
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# One case: the bench `name`, counting the calls of `function` that criterion times.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out/cg" --toggle-collect="$2" \
        "$bin" --bench "$1" --profile-time 1 >"$out/log" 2>&1
    python3 - "$1" "$2" "$out/cg" <<'PY'
import re, sys
name, function, path = sys.argv[1:]
lines = open(path).read().split("\n")
names = {}
for l in lines:
    m = re.match(r"c?fn=\((\d+)\)(?: (.*))?", l)
    if m and m.group(2):
        names[m.group(1)] = m.group(2)
ids = {k for k, v in names.items() if v == function}
caller = None
for i, l in enumerate(lines):
    m = re.match(r"fn=\((\d+)\)", l)
    if m:
        caller = names.get(m.group(1), "")
    m = re.match(r"cfn=\((\d+)\)", l)
    if m and m.group(1) in ids and "Bencher" in caller:
        calls = int(lines[i + 1].split()[0].split("=")[1])
        cost = int(lines[i + 2].split()[1])
        print(f"{name:28} {cost / calls:>12,.0f} instructions ({calls} calls)")
        break
PY
}
count engine_rules_script_guide salesdojo::practice::session::score_turn
count engine_rules_only salesdojo::practice::session::score_turn
count native_rust 'scoring::Native::score'
for odd in longest_10000_chars punctuation_only emoji_only mixed_scripts traditional pinyin; do
    count "$odd" salesdojo::practice::score::score
done
