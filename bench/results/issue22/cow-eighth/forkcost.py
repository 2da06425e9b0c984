# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import gc
import importlib
import os
import resource
import sys

sys.path.insert(
    0, sys.argv[2] if len(sys.argv) > 2 else "/tmp/dbg"
)  # a directory holding ansible_collections/praxis/gatekeeper
for _name in (
    "ansible.executor.task_executor",
    "ansible.template",
    "ansible.plugins.action",
    "ansible.plugins.strategy.linear",
):
    importlib.import_module(_name)
if sys.argv[1] == "gate":
    for _name in ("core.gate", "policy.evaluate", "adapter.hooks"):
        importlib.import_module("ansible_collections.praxis.gatekeeper.plugins.plugin_utils." + _name)
if "freeze" in sys.argv:
    gc.freeze()


def rss():
    return int(open("/proc/self/statm").read().split()[1]) * 4


junk = []


def one():
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    # parent touches a bit of its heap like the strategy loop would
    os.waitpid(pid, 0)
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    return (r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime) * 1e6, r1.ru_minflt - r0.ru_minflt


for _repeat in range(20):
    one()
xs = sorted(one() for _repeat in range(300))
print(sys.argv[1:], "rss KiB", rss(), "fork parent cpu us p50", xs[150][0], "minflt p50", sorted(x[1] for x in xs)[150])
