# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Summarise ``plainlat.py`` outputs: ``python summ.py DIR`` reads DIR/{base,plan}-N.json and prints, per request and
kind, the median over rounds of each round's p50 and p99 (CPU microseconds), base then plan, with the load."""

from __future__ import annotations

import json
import statistics
import sys
from pathlib import Path


def main(folder: Path) -> None:
    rounds: dict[str, list[dict[str, object]]] = {"base": [], "plan": []}
    for path in sorted(folder.glob("*.json")):
        side = path.stem.split("-", 1)[0]
        if side in rounds:
            rounds[side].append(json.loads(path.read_text()))
    print(f"rounds: base {len(rounds['base'])}, plan {len(rounds['plan'])}")
    for side, runs in rounds.items():
        loads = [run["loadavg_before"].split()[0] + "/" + run["loadavg_after"].split()[0] for run in runs]
        print(f"load (1-min, before/after) {side}: {' '.join(loads)}")
    names = [*rounds["base"][0]["plain_command_lines"]["explain"]["captured_cpu"], "unique lines"]
    print(f"{'request':34s} {'kind':9s} {'base p50':>9s} {'plan p50':>9s} {'base p99':>9s} {'plan p99':>9s}")
    for name in names:
        for kind in ("evaluate", "explain"):
            cells = []
            for stat in ("p50_us", "p99_us"):
                for side in ("base", "plan"):
                    values = []
                    for run in rounds[side]:
                        block = run["plain_command_lines"][kind]
                        figures = block["unique_lines_cpu"] if name == "unique lines" else block["captured_cpu"][name]
                        values.append(figures[stat])
                    cells.append(statistics.median(values))
            print(f"{name:34s} {kind:9s} {cells[0]:9.1f} {cells[1]:9.1f} {cells[2]:9.1f} {cells[3]:9.1f}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
