# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import sys
import json
import tempfile
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
iters = int(sys.argv[2])
out = sys.argv[3]
shim = Path(tempfile.mkdtemp(prefix="latshim-"))
(shim / "ansible_collections" / "praxis").mkdir(parents=True)
(shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
sys.path.insert(0, str(shim))
sys.path.append(sys.argv[4] if len(sys.argv) > 4 else str(tree / "bench"))
import latency as L

res = L.run(
    iterations=iters,
    decide_iterations=max(100, iters // 5),
    warmup=min(2000, iters // 5),
    capture=None,
    policy=tree / "bench/playbook/policy.yml",
)
res.pop("policy", None)
Path(out).write_text(json.dumps(res, indent=1))
