# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import importlib
import sys
import time
import tempfile
import os
from pathlib import Path

tree = Path(sys.argv[1]).resolve()
shim = Path(tempfile.mkdtemp(prefix="impshim-"))
(shim / "ansible_collections" / "praxis").mkdir(parents=True)
(shim / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(tree)
sys.path.insert(0, str(shim))
import json

# the stdlib both trees need, loaded before the clock starts
for preloaded in ("re", "dataclasses", "enum", "hashlib"):
    importlib.import_module(preloaded)

c0 = time.process_time_ns()
importlib.import_module("ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate")  # the import measured

c1 = time.process_time_ns()
talos = any(
    m.endswith("_talos_tables") or (m.endswith("policy._talos") and "_VERBS" in vars(sys.modules[m]))
    for m in list(sys.modules)
)
print(json.dumps({"import_gate_cpu_ms": (c1 - c0) / 1e6, "talos_tables_loaded": talos}))
os.unlink(shim / "ansible_collections" / "praxis" / "gatekeeper")
