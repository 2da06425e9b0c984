#!/usr/bin/env bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Interleaved before/after: bash ab.sh BASE_TREE PLAN_TREE ITERATIONS ROUNDS OUT_DIR [PYTHON]
# Each round runs plainlat.py on the base tree, then on the plan tree, both with the plan tree's bench/latency.py.
set -eu
base=$1 plan=$2 iterations=$3 rounds=$4 out=$5 python=${6:-$2/.venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for round in $(seq 1 "$rounds"); do
    "$python" "$here/plainlat.py" "$base" "$iterations" "$out/base-$round.json" "$plan/bench" >/dev/null 2>&1
    "$python" "$here/plainlat.py" "$plan" "$iterations" "$out/plan-$round.json" "$plan/bench" >/dev/null 2>&1
done
"$python" "$here/summ.py" "$out"
