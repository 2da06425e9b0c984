# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What arming the gate imports, and what each runner module costs to import (issue 22 item 1).

Each sample is a fresh interpreter that does what ansible-playbook has done when the start-up hook arms the gate
(``import ansible.cli.playbook``, ``init_plugin_loader()``), then installs the runner's bytecode finder and arms
the gate the way the start-up hook does (import the callback, ``arm``), with a state directory made by an unmeasured
first arming. Two kinds of sample, interleaved round by round and, with several versions, rotated across them:

    cpu        CPU time of arming (``time.process_time``), modules imported: no ``-X importtime``, whose own
               bookkeeping would inflate it
    importtime ``-X importtime`` of arming only (lines after a marker): every module arming imports, with its own
               ("self") import time; ansible-core's modules imported before the marker are excluded

With ``--gc-off`` the importtime samples run with the cyclic garbage collector disabled: where a collection pass
lands depends on every allocation before it, so with it on, a module's self time can carry a collection pass over
the whole heap that another module's allocations made due (CPU samples always keep it on).

Reported per version: CPU best of N; per module, the best (smallest) self time over the N importtime samples; the
sum of those minima for the runner's modules and for the rest (ansible-core and the standard library that arming
imports first). Best-of-N in fresh interpreters because the machine is shared: other load only ever adds time.

    python bench/arm_imports.py --rounds 9 --version before=a53d5dd --version after=WORKTREE --out FILE

A version is ``LABEL=REF`` (a git ref, exported with ``git archive``) or ``LABEL=WORKTREE`` (this checkout as it
is). Sources are imported from the checkout (a collection shim on sys.path), not from the pip-installed copy.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
PKG = "ansible_collections.praxis.gatekeeper"
MARK = "@@praxis-arm-begins@@"

_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, sys.argv[1])
    import ansible.cli.playbook  # what ansible-playbook has imported when its plugin loader starts
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()  # PRAXIS_GATE is not set yet: a pip-installed start-up hook stays out of the way
    os.environ["PRAXIS_GATE"] = "enforce"
    before = set(sys.modules)
    if os.environ.get("ARM_IMPORTS_GC_OFF"):
        import gc
        gc.disable()  # per-module self times without the cyclic collector's passes landing in whichever module
    sys.stderr.write("MARK\\n")
    sys.stderr.flush()
    c0 = time.process_time()
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.bytecode import use_bytecode_cache
    use_bytecode_cache()
    from ansible_collections.praxis.gatekeeper.plugins.callback import gate as callback
    armed = callback.arm(via="arm_imports benchmark")
    c1 = time.process_time()
    assert armed is not None, "the gate did not arm"
    new = sorted(set(sys.modules) - before)
    print(json.dumps({"cpu_ms": (c1 - c0) * 1000, "modules": new}))
    """
).replace("MARK", MARK)

_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)\s*$")


class Version:
    def __init__(self, label: str, ref: str, scratch: Path) -> None:
        self.label, self.ref = label, ref
        if ref == "WORKTREE":
            tree = REPO_ROOT
            self.commit = "working tree at " + _git("rev-parse", "--short", "HEAD") + _dirty()
        else:
            tree = scratch / f"src-{label}"
            tree.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", ref], check=True,
                                     capture_output=True).stdout  # fmt: skip
            subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
            self.commit = _git("rev-parse", "--short", ref)
        self.shim = scratch / f"shim-{label}"
        link = self.shim / "ansible_collections" / "praxis" / "gatekeeper"
        link.parent.mkdir(parents=True)
        link.symlink_to(tree)
        self.state = scratch / f"state-{label}"
        self.state.mkdir(mode=0o700)
        self.home = scratch / f"home-{label}"
        self.home.mkdir()

    def env(self) -> dict[str, str]:
        # PYTHONDONTWRITEBYTECODE dropped: a pip-installed runner has its __pycache__, so this one gets it too
        env = {k: v for k, v in os.environ.items()
               if not k.startswith(("PRAXIS_", "ANSIBLE_")) and k != "PYTHONDONTWRITEBYTECODE"}  # fmt: skip
        env.update(PRAXIS_STATE_DIR=str(self.state), HOME=str(self.home), XDG_CONFIG_HOME=str(self.home / "config"),
                   PRAXIS_PRINCIPAL="bench@arm-imports")  # fmt: skip
        return env

    def sample(self, *, importtime: bool, gc_off: bool = False) -> dict[str, Any]:
        command = [sys.executable, *(["-X", "importtime"] if importtime else []), "-c", _SCRIPT, str(self.shim)]
        env = self.env()
        if gc_off:
            env["ARM_IMPORTS_GC_OFF"] = "1"
        done = subprocess.run(command, env=env, cwd=self.home, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{self.label}: arming failed:\n{done.stderr[-3000:]}")
        result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        if importtime:
            _before, _mark, after = done.stderr.partition(MARK + "\n")
            selfs: dict[str, int] = {}
            for line in after.splitlines():
                match = _LINE.match(line)
                if match:
                    selfs[match.group(4)] = int(match.group(1))
            result["self_us"] = selfs
        return result


def _git(*args: str) -> str:
    return subprocess.run(["git", "-C", str(REPO_ROOT), *args], check=True, capture_output=True,
                          text=True).stdout.strip()  # fmt: skip


def _dirty() -> str:
    return " (with uncommitted changes)" if _git("status", "--porcelain", "--untracked-files=no") else ""


def measure(versions: list[Version], rounds: int, *, gc_off: bool = False) -> dict[str, Any]:
    for version in versions:  # unmeasured: state directory, keys, ruleset cache, __pycache__ made
        version.sample(importtime=False)
    cpu: dict[str, list[float]] = {v.label: [] for v in versions}
    modules: dict[str, list[str]] = {}
    selfs: dict[str, dict[str, list[int]]] = {v.label: {} for v in versions}
    for number in range(rounds):
        order = versions[number % len(versions) :] + versions[: number % len(versions)]
        for version in order:
            plain = version.sample(importtime=False)
            cpu[version.label].append(plain["cpu_ms"])
            modules[version.label] = plain["modules"]
            timed = version.sample(importtime=True, gc_off=gc_off)
            for name, micros in timed["self_us"].items():
                selfs[version.label].setdefault(name, []).append(micros)
        print(f"round {number + 1}/{rounds} done, load {Path('/proc/loadavg').read_text().split()[:3]}",
              file=sys.stderr)  # fmt: skip
    out: dict[str, Any] = {"rounds": rounds, "python": sys.version.split()[0], "importtime_gc_off": gc_off,
                           "versions": {}}  # fmt: skip
    for version in versions:
        best = {name: min(values) for name, values in selfs[version.label].items()}
        runner = {name: us for name, us in best.items() if name.startswith(PKG)}
        out["versions"][version.label] = {
            "ref": version.ref,
            "commit": version.commit,
            "arm_cpu_ms_best": min(cpu[version.label]),
            "arm_cpu_ms_all": cpu[version.label],
            "modules_imported": len(modules[version.label]),
            "runner_modules_imported": sorted(m for m in modules[version.label] if m.startswith(PKG)),
            "other_modules_imported": sorted(m for m in modules[version.label] if not m.startswith(PKG)),
            "runner_self_ms_sum_of_best": sum(runner.values()) / 1000,
            "other_self_ms_sum_of_best": sum(us for name, us in best.items() if name not in runner) / 1000,
            "self_us_best": dict(sorted(best.items(), key=lambda item: -item[1])),
        }
    return out


def table(result: dict[str, Any], top: int) -> str:
    labels = list(result["versions"])
    data = result["versions"]
    lines = [f"{'':24}" + "".join(f"{label:>14}" for label in labels)]
    rows = [
        ("arm CPU ms, best", "arm_cpu_ms_best"),
        ("modules imported", "modules_imported"),
        ("runner self ms (sum)", "runner_self_ms_sum_of_best"),
        ("other self ms (sum)", "other_self_ms_sum_of_best"),
    ]
    for title, key in rows:
        lines.append(f"{title:24}" + "".join(f"{data[label][key]:>14.1f}" for label in labels))
    lines.append(f"\nrunner modules, self time (us, best of {result['rounds']}), ordered by {labels[0]}:")
    first = data[labels[0]]["self_us_best"]
    names = [n for n in first if n.startswith(PKG)]
    names += sorted({n for label in labels[1:] for n in data[label]["self_us_best"] if n.startswith(PKG)} - set(names))
    for name in names[:top]:
        short = name.removeprefix(PKG + ".plugins.plugin_utils.").removeprefix(PKG + ".")
        lines.append(f"  {short:44}" + "".join(f"{data[label]['self_us_best'].get(name, '-'):>10}" for label in labels))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--version", action="append", metavar="LABEL=REF", help="a git ref or WORKTREE (repeatable)")
    parser.add_argument("--out", type=Path, help="write every sample to this JSON file")
    parser.add_argument("--top", type=int, default=200, help="runner modules listed in the table")
    parser.add_argument("--gc-off", action="store_true",
                        help="importtime samples with the cyclic collector off: where a collection pass lands depends "
                             "on every allocation before it, so with it on one module's self time can carry another's "
                             "garbage collection (CPU samples keep it on)")  # fmt: skip
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pxb-arm-imports-", dir="/tmp"))
    try:
        versions = [Version(*spec.split("=", 1), scratch) for spec in (args.version or ["current=WORKTREE"])]
        result = measure(versions, args.rounds, gc_off=args.gc_off)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(table(result, args.top))


if __name__ == "__main__":
    main()
