# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import json
import os
import sys
import time
import gc
import importlib

sys.path.insert(0, sys.argv[1])
# what ansible-playbook has imported before it loads the callback, loaded before the clock starts
importlib.import_module("ansible.cli.playbook")
from ansible.plugins.loader import init_plugin_loader

init_plugin_loader()
os.environ["PRAXIS_GATE"] = "enforce"
c0 = time.process_time()
if sys.argv[2] == "freeze":
    gc.freeze()
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.bytecode import use_bytecode_cache

use_bytecode_cache()
from ansible_collections.praxis.gatekeeper.plugins.callback import gate as callback

c1 = time.process_time()
if sys.argv[2] == "freeze-arm":
    gc.freeze()
armed = callback.arm(via="x")
c2 = time.process_time()
print(
    json.dumps(
        {
            "import": (c1 - c0) * 1000,
            "arm": (c2 - c1) * 1000,
            "total": (c2 - c0) * 1000,
            "gc": gc.get_stats()[2]["collections"],
        }
    )
)
