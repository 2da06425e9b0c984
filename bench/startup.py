# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Start-up: what the gate adds to the smallest run an agent makes, a one-task play on the local connection.

Variants, interleaved round by round in a rotated order (every one the same ansible-playbook, the same task):

    ungated     plain ansible-playbook
    gated       PRAXIS_GATE=enforce with a state directory that already exists (keys, log, store and ruleset
                cache made by an unmeasured warm-up run): the case issue 22 bounds (<= 50 ms CPU and wall, <= 10 MiB
                peak memory over ungated)
    first_use   the same with a new, empty state directory each run: keys made, store created, rules derived
    ara         ARA's callback (offline client, SQLite), for scale

Two plays: ``stat`` (a module that reads) and ``command`` (an allowlisted command line, so the shell analyser
runs). Each run is started through a small wrapper process whose only child is ansible-playbook, so its
``RUSAGE_CHILDREN`` is that run's own: CPU (user+sys of the controller and every worker) and peak RSS (the largest
single process of the run, the controller). Nothing is asserted; the numbers go to the results file.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path
from typing import Any

from _common import BIN_DIR, log, summary

_PLAY = "- hosts: localhost\n  gather_facts: false\n  tasks:\n"
PLAYS = {
    "stat": _PLAY + "    - ansible.builtin.stat:\n        path: /etc/hostname\n",
    "command": _PLAY + "    - ansible.builtin.command: uptime\n",
}
POLICY = "version: 1\ncommand_allowlist:\n  - uptime\n"

# Runs one command and prints its resource use as JSON: the wrapper's children are that command alone.
_WRAPPER = textwrap.dedent(
    """
    import json, resource, subprocess, sys, time
    started = time.perf_counter()
    done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(json.dumps({"rc": done.returncode, "wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime,
                      "peak_rss_kb": usage.ru_maxrss, "stderr": done.stderr.decode(errors="replace")[-2000:]}))
    """
)


def _loadavg() -> str:
    return Path("/proc/loadavg").read_text().strip()


class StartupLab:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.state = root / "state"
        self.state.mkdir(mode=0o700, exist_ok=True)
        self.policy = root / "policy.yml"
        self.policy.write_text(POLICY)
        self.ara_dir = root / "ara"
        self.ara_dir.mkdir(exist_ok=True)
        self.ara_callbacks = subprocess.run([sys.executable, "-m", "ara.setup.callback_plugins"],
                                            capture_output=True, text=True, check=False).stdout.strip()  # fmt: skip
        self.plays = {}
        for name, text in PLAYS.items():
            path = root / f"{name}.yml"
            path.write_text(text)
            self.plays[name] = path
        self.cfg = root / "ansible.cfg"
        self.cfg.write_text(f"[defaults]\ninterpreter_python = {sys.executable}\nretry_files_enabled = False\n"
                            f"local_tmp = {root / 'ansible-local'}\n")  # fmt: skip

    def env(self, variant: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_", "ARA_"))}
        env.update(ANSIBLE_CONFIG=str(self.cfg), ANSIBLE_NOCOLOR="1", HOME=os.environ.get("HOME", "/root"),
                   ANSIBLE_LOCALHOST_WARNING="False", PRAXIS_PRINCIPAL="bench@startup")  # fmt: skip
        if variant in ("gated", "first_use"):
            state = self.state
            if variant == "first_use":
                state = Path(tempfile.mkdtemp(prefix="state-", dir=self.root))
                os.chmod(state, 0o700)
            env.update(PRAXIS_GATE="enforce", PRAXIS_STATE_DIR=str(state), PRAXIS_POLICY=str(self.policy))
        else:
            env.update(PRAXIS_STATE_DIR=str(self.root / "state-unarmed"))
        if variant == "ara":
            env.update(ANSIBLE_CALLBACK_PLUGINS=self.ara_callbacks, ARA_API_CLIENT="offline",
                       ARA_BASE_DIR=str(self.ara_dir))  # fmt: skip
        return env

    def run(self, variant: str, play: str) -> dict[str, Any]:
        env = self.env(variant)
        command = [sys.executable, "-c", _WRAPPER, str(BIN_DIR / "ansible-playbook"), "-i", "localhost,", "-c",
                   "local", str(self.plays[play])]  # fmt: skip
        load = _loadavg()
        done = subprocess.run(command, env=env, cwd=self.root, capture_output=True, text=True, check=False)
        if variant == "first_use":
            shutil.rmtree(env["PRAXIS_STATE_DIR"], ignore_errors=True)
        try:
            result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
        except (ValueError, IndexError) as exc:
            raise RuntimeError(f"{variant}/{play}: no result: {done.stdout}{done.stderr}") from exc
        if result["rc"] != 0:
            raise RuntimeError(f"{variant}/{play} failed (rc {result['rc']}): {result['stderr']}")
        unarmed = self.root / "state-unarmed"
        if variant in ("ungated", "ara") and unarmed.exists() and any(unarmed.iterdir()):
            raise RuntimeError(f"the gate armed in an ungated run ({unarmed})")
        result.pop("stderr")
        result["loadavg_at_start"] = load
        return result


def run(
    root: Path, *, rounds: int, variants: tuple[str, ...] = ("ungated", "gated", "first_use", "ara")
) -> dict[str, Any]:
    lab = StartupLab(root)
    if "ara" in variants and not lab.ara_callbacks:
        # Without ARA the "ara" runs would be ungated runs under another name (ANSIBLE_CALLBACK_PLUGINS empty).
        log("ARA is not installed in this Python (bench/setup installs it): the ara variant is left out")
        variants = tuple(v for v in variants if v != "ara")
    for play in PLAYS:  # warm-up, unmeasured: the state directory exists for "gated", the page cache is warm
        for variant in variants:
            lab.run(variant, play)
    raw: dict[str, dict[str, list[dict[str, Any]]]] = {p: {v: [] for v in variants} for p in PLAYS}
    for number in range(rounds):
        order = [*variants[number % len(variants) :], *variants[: number % len(variants)]]
        for play in PLAYS:
            for variant in order:
                raw[play][variant].append(lab.run(variant, play))
        log(f"start-up round {number + 1}/{rounds} done (load {_loadavg()})")
    out: dict[str, Any] = {"rounds": rounds, "variants": list(variants), "raw": raw, "plays": {}}
    for play in PLAYS:
        medians = {v: {k: summary([r[k] for r in raw[play][v]])["median"] for k in ("wall_s", "cpu_s", "peak_rss_kb")}
                   for v in variants}  # fmt: skip
        # Paired per round (each gated run against the ungated run of the same round), then the median.
        paired = {}
        for variant in variants:
            if variant == "ungated":
                continue
            paired[variant] = {
                key: summary([g[key] - u[key] for g, u in zip(raw[play][variant], raw[play]["ungated"], strict=True)])[
                    "median"]
                for key in ("wall_s", "cpu_s", "peak_rss_kb")
            }  # fmt: skip
        out["plays"][play] = {"median": medians, "median_paired_difference_over_ungated": paired}
    return out


_ARM = textwrap.dedent(
    """
    import json, os, resource, sys, time
    import ansible.cli.playbook  # what ansible-playbook has imported when its plugin loader starts
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()  # PRAXIS_GATE is not set yet: the start-up hook stays out of the way
    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    os.environ["PRAXIS_GATE"] = "enforce"
    before_modules, rss0 = len(sys.modules), hwm()
    c0, w0 = time.process_time(), time.perf_counter()
    # as the start-up hook does before it imports the callback (boot/_praxis_gatekeeper_boot.py)
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.bytecode import use_bytecode_cache
    use_bytecode_cache()
    from ansible_collections.praxis.gatekeeper.plugins.callback import gate as callback
    armed = callback.arm(via="benchmark")
    c1, w1 = time.process_time(), time.perf_counter()
    assert armed is not None
    print(json.dumps({"arm_cpu_ms": (c1 - c0) * 1000, "arm_wall_ms": (w1 - w0) * 1000,
                      "peak_rss_growth_kb": hwm() - rss0, "modules_imported": len(sys.modules) - before_modules}))
    """
)


def arm_cost(root: Path, *, runs: int) -> dict[str, Any]:
    """The gate's own start-up in one process, the way the start-up hook arms it: import the callback, arm (hooks,
    settings, ruleset, audit log, run-start record), with the state directory made by a first, unmeasured arming.
    CPU time of that process only, so other load on the machine inflates it far less than a whole run's."""
    lab = StartupLab(root)
    env = lab.env("gated")
    env.pop("PRAXIS_GATE")  # set by the script after the plugin loader starts: the start-up hook would arm first
    samples = []
    for index in range(runs + 1):
        done = subprocess.run([sys.executable, "-c", _ARM], env=env, cwd=root, capture_output=True, text=True,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            raise RuntimeError(f"arming failed: {done.stderr[-2000:]}")
        if index:
            samples.append(json.loads(done.stdout.strip().splitlines()[-1]))
    keys = ("arm_cpu_ms", "arm_wall_ms", "peak_rss_growth_kb", "modules_imported")
    return {"runs": samples, "min": {k: min(s[k] for s in samples) for k in keys},
            "median": {k: summary([s[k] for s in samples])["median"] for k in keys}}  # fmt: skip


def print_summary(result: dict[str, Any]) -> list[str]:
    lines = []
    for play, data in result["plays"].items():
        for variant, diff in data["median_paired_difference_over_ungated"].items():
            cpu, wall, rss = diff["cpu_s"] * 1000, diff["wall_s"] * 1000, diff["peak_rss_kb"] / 1024
            lines.append(f"start-up {play}: {variant} over ungated: CPU {cpu:+.0f} ms, wall {wall:+.0f} ms, "
                         f"peak RSS {rss:+.1f} MiB")  # fmt: skip
    return lines


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--out", type=Path, help="write the whole result (every run) to this JSON file")
    parser.add_argument("--arm-only", type=int, metavar="RUNS", help="only the in-process arming cost, RUNS times")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pxb-startup-", dir="/tmp"))
    try:
        if args.arm_only:
            cost = arm_cost(scratch, runs=args.arm_only)
            print(json.dumps({k: v for k, v in cost.items() if k != "runs"}))
            raise SystemExit(0)
        outcome = run(scratch, rounds=args.rounds)
        if args.out:
            args.out.write_text(json.dumps({"loadavg_at_end": _loadavg(), **outcome}, indent=1))
        print(json.dumps(outcome["plays"], indent=2))
        print("\n".join(print_summary(outcome)))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
