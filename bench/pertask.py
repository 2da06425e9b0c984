# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Per task and host: what the gate and its audit cost in CPU for each task a host runs (issue 22, item 2).

A real ``ansible-playbook`` over N hosts on the local connection (an inventory of N names with
``ansible_connection=local``, ``forks`` = N, every host writing below its own temporary directory), with two plays
of the benchmark playbook's ordinary kinds (file, copy content, lineinfile, replace, stat, an allowlisted command
and one that is not on the allowlist but reads): one task, and twenty. The per-task figure is the slope between
them, so start-up (arming, imports, the run's first and last audit records) cancels out:

    per task and host = ((cpu(20) - cpu(1))_gated - (cpu(20) - cpu(1))_ungated) / (19 tasks x N hosts)

CPU is user + sys of ansible-playbook and every process below it (controller, the forked workers, the modules
they start), read from ``RUSAGE_CHILDREN`` of a wrapper process whose only child is the run: wall time would
measure the other engineers' load on this 2-core machine, CPU time much less so.

Trees: each ``--tree NAME=REF`` is a copy of this checkout's ``.venv`` with the gate of that git ref (or ``WORKTREE``
for the working tree, uncommitted edits included) installed into it, so a before and an after run in the same
sitting, interleaved: every round runs ungated, then each tree gated, in a rotated order, for both plays. The
gated runs share one state directory per tree, made by an unmeasured warm-up run (keys, log, ruleset cache).

``--probe`` adds a breakdown instead of the totals: a ``sitecustomize`` (bench/_pertask_probe/) times the gate's
parts inside every forked worker (request building, decide with evaluation and the audit append, the outcome
record) with CPU time and minor page faults (copy-on-write shows up there), and the worker's and controller's own
CPU. Probed runs are slower; their totals are not the figure.

    python bench/pertask.py --tree before=1246e07 --tree after=WORKTREE --hosts 4 --rounds 7
    python bench/pertask.py --tree after=WORKTREE --hosts 4 --rounds 3 --probe
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from _common import REPO_ROOT, log, summary

_TASKS = [
    ("Root", "ansible.builtin.file", {"path": "{{ root }}", "state": "directory", "mode": "0755"}),
    ("Look at the root", "ansible.builtin.stat", {"path": "{{ root }}"}),
    ("Conf dir", "ansible.builtin.file", {"path": "{{ root }}/conf", "state": "directory", "mode": "0755"}),
    ("Main configuration", "ansible.builtin.copy",
     {"dest": "{{ root }}/conf/app.conf", "content": "# managed\nname=benchapp\nport=8080\nlog_level=debug\n",
      "mode": "0644"}),
    ("Message of the day", "ansible.builtin.copy",
     {"dest": "{{ root }}/conf/motd", "content": "{{ inventory_hostname }} runs benchapp\n", "mode": "0644"}),
    ("Connection limit", "ansible.builtin.lineinfile", {"path": "{{ root }}/conf/app.conf", "line": "max_conn=100"}),
    ("Log level", "ansible.builtin.lineinfile",
     {"path": "{{ root }}/conf/app.conf", "regexp": "^log_level=", "line": "log_level=info"}),
    ("Port", "ansible.builtin.replace",
     {"path": "{{ root }}/conf/app.conf", "regexp": "^port=.*$", "replace": "port=9090"}),
    ("Data dir", "ansible.builtin.file", {"path": "{{ root }}/data", "state": "directory", "mode": "0755"}),
    ("Pid file", "ansible.builtin.file",
     {"path": "{{ root }}/data/app.pid", "state": "touch", "mode": "0644", "modification_time": "preserve",
      "access_time": "preserve"}),
    ("Restrict the configuration", "ansible.builtin.file", {"path": "{{ root }}/conf/app.conf", "mode": "0640"}),
    ("Look at the configuration", "ansible.builtin.stat",
     {"path": "{{ root }}/conf/app.conf", "checksum_algorithm": "sha256"}),
    ("Kernel", "ansible.builtin.command", {"cmd": "uname -a"}),
    ("User id", "ansible.builtin.command", {"argv": ["id", "-u"]}),
    ("Load", "ansible.builtin.command", {"cmd": "cat /proc/loadavg"}),
    ("Disks", "ansible.builtin.shell", {"cmd": "df -h"}),
    ("Uptime", "ansible.builtin.command", {"cmd": "uptime"}),
    ("Settings", "ansible.builtin.copy",
     {"dest": "{{ root }}/conf/settings.ini", "content": "[main]\nworkers = 4\n", "mode": "0644"}),
    ("Workers", "ansible.builtin.replace",
     {"path": "{{ root }}/conf/settings.ini", "regexp": "^workers = .*$", "replace": "workers = 8"}),
    ("Look at the settings", "ansible.builtin.stat", {"path": "{{ root }}/conf/settings.ini"}),
]  # fmt: skip
TASK_COUNTS = (1, len(_TASKS))
POLICY = "version: 1\ncommand_allowlist:\n  - uname -a\n  - id -u\n  - cat /proc/loadavg\n  - df -h\n  - uptime\n"

# Runs one command and prints its resource use as JSON: the wrapper's children are that command alone.
_WRAPPER = textwrap.dedent(
    """
    import json, resource, subprocess, sys
    done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rc": done.returncode, "cpu_s": usage.ru_utime + usage.ru_stime, "user_s": usage.ru_utime,
                      "sys_s": usage.ru_stime, "minflt": usage.ru_minflt,
                      "output": done.stdout.decode(errors="replace")[-3000:]}))
    """
)
PROBE_DIR = Path(__file__).resolve().parent / "_pertask_probe"


def playbook(tasks: int) -> str:
    lines = ["- hosts: targets", "  gather_facts: false", "  vars:",
             "    root: '{{ bench_root }}/{{ inventory_hostname }}'", "  tasks:"]  # fmt: skip
    for name, module, args in _TASKS[:tasks]:
        lines.append(f"    - name: {name}")
        lines.append(f"      {module}: {json.dumps(args)}")
        if module.endswith(("command", "shell")):
            lines.append("      changed_when: false")
    return "\n".join(lines) + "\n"


def make_tree(scratch: Path, name: str, ref: str) -> Path:
    """A copy of this checkout's .venv with the gate of ``ref`` (a git ref, or WORKTREE) installed into it."""
    venv = scratch / f"venv-{name}"
    log(f"tree {name}: copying .venv, installing {ref}")
    shutil.copytree(REPO_ROOT / ".venv", venv, symlinks=True)
    source = REPO_ROOT
    if ref != "WORKTREE":
        source = scratch / f"src-{name}"
        source.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", ref], check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(source)], input=archive, check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--force-reinstall", str(source)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    program = venv / "bin" / "ansible-playbook"
    lines = program.read_text().splitlines(keepends=True)
    program.write_text(f"#!{python}\n" + "".join(lines[1:]))
    return venv


class Lab:
    def __init__(self, root: Path, hosts: int, trees: dict[str, Path]) -> None:
        self.root, self.trees = root, trees
        root.mkdir()
        self.work = root / "work"
        self.work.mkdir()
        self.policy = root / "policy.yml"
        self.policy.write_text(POLICY)
        names = [f"h{number:03d}" for number in range(hosts)]
        self.inventory = root / "inventory.ini"
        self.inventory.write_text("[targets]\n" + "".join(f"{n} ansible_connection=local\n" for n in names)
                                  + "[targets:vars]\nansible_python_interpreter={{ ansible_playbook_python }}\n"
                                  f"bench_root={self.work}\n")  # fmt: skip
        self.cfg = root / "ansible.cfg"
        self.cfg.write_text(f"[defaults]\nforks = {hosts}\nretry_files_enabled = False\n"
                            f"local_tmp = {root / 'ansible-local'}\n")  # fmt: skip
        self.plays = {}
        for count in TASK_COUNTS:
            path = root / f"play{count}.yml"
            path.write_text(playbook(count))
            self.plays[count] = path
        self.states = {}
        for name in trees:
            state = root / f"state-{name}"
            state.mkdir(mode=0o700)
            self.states[name] = state

    def run(self, tree: str, gated: bool, tasks: int, probe: Path | None = None) -> dict[str, Any]:
        venv = self.trees[tree]
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_", "VIRTUAL_ENV"))}
        env.update(ANSIBLE_CONFIG=str(self.cfg), ANSIBLE_NOCOLOR="1", ANSIBLE_LOCALHOST_WARNING="False",
                   PRAXIS_PRINCIPAL="bench@pertask", PATH=f"{venv / 'bin'}:{os.environ.get('PATH', '')}")  # fmt: skip
        if gated:
            env.update(PRAXIS_GATE="enforce", PRAXIS_STATE_DIR=str(self.states[tree]), PRAXIS_POLICY=str(self.policy))
        else:
            env.update(PRAXIS_STATE_DIR=str(self.root / "state-unarmed"))
        if probe is not None:
            env.update(PYTHONPATH=str(PROBE_DIR), PXB_PROBE_OUT=str(probe))
        command = [str(venv / "bin" / "python"), "-c", _WRAPPER, str(venv / "bin" / "ansible-playbook"), "-i",
                   str(self.inventory), str(self.plays[tasks])]  # fmt: skip
        done = subprocess.run(command, env=env, cwd=self.root, capture_output=True, text=True, check=False)
        try:
            result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise RuntimeError(f"{tree}/{gated}/{tasks}: no result: {done.stdout}{done.stderr}") from exc
        if result["rc"] != 0 or "failed=0" not in result["output"]:
            raise RuntimeError(f"{tree} gated={gated} {tasks} tasks failed (rc {result['rc']}): {result['output']}")
        unarmed = self.root / "state-unarmed"
        if not gated and unarmed.exists() and any(unarmed.iterdir()):
            raise RuntimeError(f"the gate armed in an ungated run ({unarmed})")
        result.pop("output")
        return result


def measure(lab: Lab, *, rounds: int, hosts: int) -> dict[str, Any]:
    variants = [("ungated", next(iter(lab.trees)), False)] + [(name, name, True) for name in lab.trees]
    for _label, tree, gated in variants:  # warm-up: state directories exist, page cache warm
        for tasks in TASK_COUNTS:
            lab.run(tree, gated, tasks)
    raw: dict[str, dict[int, list[dict[str, Any]]]] = {
        label: {t: [] for t in TASK_COUNTS} for label, _t, _g in variants
    }
    for number in range(rounds):
        shift = number % len(variants)
        order = variants[shift:] + variants[:shift]
        for tasks in TASK_COUNTS:
            for label, tree, gated in order:
                raw[label][tasks].append(lab.run(tree, gated, tasks))
        log(f"per-task round {number + 1}/{rounds} done (load {Path('/proc/loadavg').read_text().split()[0]})")
    per_host_task = (TASK_COUNTS[1] - TASK_COUNTS[0]) * hosts

    def slope(label: str, index: int, key: str = "cpu_s") -> float:
        return (raw[label][TASK_COUNTS[1]][index][key] - raw[label][TASK_COUNTS[0]][index][key]) / per_host_task

    out: dict[str, Any] = {"rounds": rounds, "hosts": hosts, "tasks": list(TASK_COUNTS), "raw": raw, "figures": {}}
    for label, _tree, gated in variants:
        figure: dict[str, Any] = {
            "cpu_ms_per_task_host": summary([slope(label, i) * 1000 for i in range(rounds)])["median"],
            "one_task_cpu_s": summary([r["cpu_s"] for r in raw[label][TASK_COUNTS[0]]])["median"],
            "many_task_cpu_s": summary([r["cpu_s"] for r in raw[label][TASK_COUNTS[1]]])["median"],
        }
        if gated:
            # Paired per round: this tree's slope against the ungated slope of the same round, then the median.
            diffs = [(slope(label, i) - slope("ungated", i)) * 1000 for i in range(rounds)]
            figure["gate_cpu_ms_per_task_host"] = summary(diffs)["median"]
            figure["gate_cpu_ms_per_task_host_all"] = sorted(round(d, 3) for d in diffs)
            figure["minflt_per_task_host_over_ungated"] = summary(
                [slope(label, i, "minflt") - slope("ungated", i, "minflt") for i in range(rounds)]
            )["median"]
        out["figures"][label] = figure
    # Tree against tree, paired per round (e.g. after - before).
    names = list(lab.trees)
    for other in names[1:]:
        diffs = [(slope(other, i) - slope(names[0], i)) * 1000 for i in range(rounds)]
        out["figures"][f"{other}-minus-{names[0]}"] = {
            "cpu_ms_per_task_host": summary(diffs)["median"],
            "all": sorted(round(d, 3) for d in diffs),
        }
    return out


def probe(lab: Lab, *, rounds: int, hosts: int) -> dict[str, Any]:
    """Breakdown from inside the workers and the controller (bench/_pertask_probe/sitecustomize.py)."""
    out: dict[str, Any] = {}
    for tree in lab.trees:
        for gated in (False, True):
            label = f"{tree}-{'gated' if gated else 'ungated'}"
            lab.run(tree, gated, TASK_COUNTS[1])  # warm-up
            records: dict[int, list[dict[str, Any]]] = {t: [] for t in TASK_COUNTS}
            for _number in range(rounds):
                for tasks in TASK_COUNTS:
                    path = lab.root / f"probe-{label}.jsonl"
                    path.unlink(missing_ok=True)
                    lab.run(tree, gated, tasks, probe=path)
                    records[tasks].extend(json.loads(line) for line in path.read_text().splitlines())
            workers = [r for r in records[TASK_COUNTS[1]] if r["kind"] == "worker"]
            controllers = {t: [r for r in records[t] if r["kind"] == "controller"] for t in TASK_COUNTS}
            parts: dict[str, dict[str, float]] = {}
            for record in workers:
                for name, (calls, cpu, faults) in record["parts"].items():
                    part = parts.setdefault(name, {"calls": 0, "cpu_ms": 0.0, "minflt": 0})
                    part["calls"] += calls
                    part["cpu_ms"] += cpu * 1000
                    part["minflt"] += faults
            count = len(workers)
            controller_cpu = {t: summary([c["self_cpu_s"] for c in controllers[t]])["median"] for t in TASK_COUNTS}
            many, one = TASK_COUNTS[1], TASK_COUNTS[0]
            out[label] = {
                "workers": count,
                "worker_self_cpu_ms": summary([w["self_cpu_s"] * 1000 for w in workers]),
                "worker_self_minflt": summary([w["self_minflt"] for w in workers]),
                "worker_children_cpu_ms": summary([w["children_cpu_s"] * 1000 for w in workers]),
                "worker_minflt_before_run": summary([w["minflt_at_run"] for w in workers]),
                "parts_per_worker": {n: {k: round(v / count, 4) for k, v in p.items()}
                                     for n, p in sorted(parts.items())},
                "controller_self_cpu_s": controller_cpu,
                "controller_self_cpu_ms_per_task_host": (controller_cpu[many] - controller_cpu[one]) * 1000
                / ((many - one) * hosts),
                "controller_parts_many": controllers[many][-1]["parts"] if controllers[many] else {},
                "controller_threads_many": controllers[many][-1].get("threads", {}) if controllers[many] else {},
                "controller_maxrss_kb": summary([c["maxrss_kb"] for c in controllers[many]])["median"],
            }  # fmt: skip
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tree", action="append", default=[], metavar="NAME=REF",
                        help="a gate to measure: a git ref or WORKTREE (default: after=WORKTREE)")  # fmt: skip
    parser.add_argument("--hosts", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--probe", action="store_true", help="the per-component breakdown instead of the totals")
    parser.add_argument("--out", type=Path, help="write the whole result to this JSON file")
    args = parser.parse_args()
    specs = args.tree or ["after=WORKTREE"]
    scratch = Path(tempfile.mkdtemp(prefix="pxb-pertask-", dir="/tmp"))
    try:
        trees = {}
        for spec in specs:
            name, _sep, ref = spec.partition("=")
            trees[name] = make_tree(scratch, name, ref or "WORKTREE")
        lab = Lab(scratch / "lab", args.hosts, trees)
        result: dict[str, Any] = {"trees": dict(s.partition("=")[::2] for s in specs), "hosts": args.hosts,
                                  "loadavg_at_start": Path("/proc/loadavg").read_text().strip()}  # fmt: skip
        if args.probe:
            result["probe"] = probe(lab, rounds=args.rounds, hosts=args.hosts)
            printable = result["probe"]
        else:
            result.update(measure(lab, rounds=args.rounds, hosts=args.hosts))
            printable = result["figures"]
        result["loadavg_at_end"] = Path("/proc/loadavg").read_text().strip()
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(json.dumps(result, indent=1))
        print(json.dumps(printable, indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
