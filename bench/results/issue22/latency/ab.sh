#!/usr/bin/env bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# usage: ab.sh ITERS ROUNDS OUTDIR [kinds]  -- interleaves base (/tmp/latwt/base) and the worktree
set -e
ITERS=$1; ROUNDS=$2; OUT=$3; KINDS=${4:-explain,evaluate}
mkdir -p "$OUT"
PY=/work/wt-perf-latency/.venv/bin/python
for r in $(seq 1 "$ROUNDS"); do
  $PY /tmp/latwt/ab.py /tmp/latwt/base "$ITERS" "$OUT/base-$r.json" "$KINDS"
  $PY /tmp/latwt/ab.py /work/wt-perf-latency "$ITERS" "$OUT/new-$r.json" "$KINDS"
done
$PY /tmp/latwt/summ.py "$OUT"
