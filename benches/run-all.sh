#!/bin/sh
# Regenerates every figure of docs/BENCHMARKS.md: runs every benchmark (under Xvfb, for the
# app's startup), then writes the measured table from criterion's results and the figures the
# benches print. Needs xvfb-run, sqlite3 and /usr/bin/time (Debian: xvfb sqlite3 time).
# The first run also generates the 500-trainee demo database (about 6 minutes).
set -eu
cd "$(dirname "$0")/.."
mkdir -p target/bench-data
rm -rf target/criterion
xvfb-run -a -s "-screen 0 1280x800x24" cargo bench 2>&1 | tee target/bench-data/bench-all.log
python3 benches/summary.py target/bench-data/bench-all.log docs/BENCHMARKS.md
