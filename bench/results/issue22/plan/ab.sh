#!/usr/bin/env bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# Interleaved before/after: bash ab.sh BASE_TREE PLAN_TREE ITERATIONS ROUNDS OUT_DIR [PYTHON]
# Each round runs plainlat.py on both trees, both with the plan tree's bench/latency.py, base first in odd rounds and
# plan first in even ones (the order within a round moves the figures by a few microseconds on this machine).
set -eu
base=$1 plan=$2 iterations=$3 rounds=$4 out=$5 python=${6:-$2/.venv/bin/python}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
one() {
    "$python" "$here/plainlat.py" "$1" "$iterations" "$out/$2-$round.json" "$plan/bench" >/dev/null 2>&1
}
for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
        one "$base" base
        one "$plan" plan
    else
        one "$plan" plan
        one "$base" base
    fi
done
"$python" "$here/summ.py" "$out"
