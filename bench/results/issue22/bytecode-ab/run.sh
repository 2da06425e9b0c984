# shellcheck shell=bash
# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# The alternating start-up passes behind bench/results/issue22/bytecode-ab (run with bash): "before" is a worktree
# at f2d5738 with its own .venv, "after" is main at d1e7f71, each measuring its own installed copy.
for pass in 1 2 3; do
  for side in before after; do
    if [ "$side" = before ]; then dir=/work/wt-before; else dir=/work/main; fi
    (cd "$dir/bench" && ../.venv/bin/python startup.py --rounds 3 --out "/tmp/ab/$side-$pass.json" > "/tmp/ab/$side-$pass.log" 2>&1)
    (cd "$dir/bench" && ../.venv/bin/python startup.py --arm-only 5 > "/tmp/ab/arm-$side-$pass.log" 2>&1)
  done
done
echo finished > /tmp/ab/finished
