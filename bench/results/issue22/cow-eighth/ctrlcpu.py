# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/
import pertask

hosts = int(sys.argv[1])
rounds = int(sys.argv[2])
scratch = Path(tempfile.mkdtemp(prefix="ctrlcpu-"))
lab = pertask.Lab(scratch / "lab", hosts, {"main": Path(__file__).resolve().parents[4] / ".venv"})
out = scratch / "ctrl.jsonl"
orig_environ = dict(os.environ)
os.environ["PYTHONPATH"] = str(Path(__file__).resolve().parent / "ctrl-site")
os.environ["CTRL_OUT"] = str(out)
res = {}
for r in range(rounds + 1):
    for gated in (False, True) if r % 2 else (True, False):
        for tasks in (1, 20):
            out.write_text("")
            tot = lab.run("main", gated, tasks)
            c = json.loads(out.read_text().splitlines()[0])
            parts = Path(str(out) + ".parts")
            if parts.exists():
                if tasks == 20 and r:
                    print(
                        "gated" if gated else "ungated",
                        {
                            k: (v[0], round(v[1] * 1000 / v[0], 3), round(v[2] / v[0], 1))
                            for k, v in json.loads(parts.read_text().splitlines()[0]).items()
                        },
                    )
                parts.unlink()
            if r:
                res.setdefault((gated, tasks), []).append(
                    (c["u"] + c["s"], c["minflt"], tot["cpu_s"], sorted(c["threads"].values(), reverse=True))
                )
per = hosts * 19
for g in (False, True):
    sl = [(b[0] - a[0]) / per * 1000 for a, b in zip(res[(g, 1)], res[(g, 20)])]
    tl = [(b[2] - a[2]) / per * 1000 for a, b in zip(res[(g, 1)], res[(g, 20)])]
    fl = [(b[1] - a[1]) / per for a, b in zip(res[(g, 1)], res[(g, 20)])]
    print(
        "gated" if g else "ungated",
        "controller ms/task-host",
        [round(x, 2) for x in sl],
        "median",
        round(statistics.median(sl), 2),
        "| tree",
        round(statistics.median(tl), 2),
        "| ctrl minflt/task-host",
        round(statistics.median(fl), 1),
    )
for g in (False, True):
    th = [[round((y - x) / per * 1000, 2) for x, y in zip(a[3], b[3])] for a, b in zip(res[(g, 1)], res[(g, 20)])]
    print("gated" if g else "ungated", "threads ms/task-host", th)
shutil.rmtree(scratch)
