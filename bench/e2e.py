# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End-to-end and drift benchmarks: the same playbook, the same hosts, interleaved variants.

Variants (every one runs ansible-playbook inside the controller namespace against the same sshd hosts, with the same
operator ansible.cfg apart from the one line that enables the gate's callback):

    ungated   plain ansible-playbook: PRAXIS_GATE unset, the gate's callback not enabled, no ARA
    gated     PRAXIS_GATE=enforce, callbacks_enabled = praxis.gatekeeper.gate, guarded mode, the operator policy
              (bench/playbook/policy.yml) pins five read-only command lines to T0; the default audit durability
    ara       ARA's callback (ANSIBLE_CALLBACK_PLUGINS from ``python -m ara.setup.callback_plugins``) with the
              offline API client and a SQLite database in a private ARA_BASE_DIR; the gate not armed

Each run gets a fresh target directory (so every run does the same, full amount of work) and a fresh ssh
ControlPath directory whose ControlMaster processes are closed after the run (so no run inherits a warm
connection from the one before). Rounds run every variant once, in an order rotated each round.
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import BENCH_DIR, BIN_DIR, log, summary
from netlab import NetLab

PLAYBOOK_DIR = BENCH_DIR / "playbook"
_RECAP = re.compile(
    r"^(?P<host>\S+)\s*:\s*ok=(?P<ok>\d+)\s+changed=(?P<changed>\d+)\s+unreachable=(?P<unreachable>\d+)\s+"
    r"failed=(?P<failed>\d+)\s+skipped=(?P<skipped>\d+)\s+rescued=(?P<rescued>\d+)\s+ignored=(?P<ignored>\d+)",
    re.MULTILINE,
)


class RunFailed(RuntimeError):
    pass


@dataclass
class Lab:
    """The operator side of the benchmark: configs, inventory, state and ARA directories, around a NetLab."""

    net: NetLab
    root: Path
    forks: int = 5
    counter: int = 0
    ara_callbacks: str = ""
    extra_args: list[str] = field(default_factory=list)  # e.g. ["--tags", "quick"] for the smoke test
    runs: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.operator = self.root / "operator"
        self.operator.mkdir(parents=True, exist_ok=True)
        self.state_dir = self.root / "state"  # the gated runs' audit log and keys
        self.sentinel_state = self.root / "state-unarmed"  # must stay empty: proves the other runs were not gated
        self.ara_dir = self.root / "ara"
        self.work = self.root / "work"
        self.logs = self.root / "logs"
        for path in (self.work, self.logs, self.ara_dir):
            path.mkdir(parents=True, exist_ok=True)
        self.policy = self.operator / "policy.yml"
        shutil.copy(PLAYBOOK_DIR / "policy.yml", self.policy)
        self.inventory = self.operator / "inventory.ini"
        self.inventory.write_text(
            "[targets]\n"
            + "".join(
                f"{h.name} ansible_host={h.address} ansible_user=root "
                f"ansible_ssh_private_key_file={self.net.client_key}\n"
                for h in self.net.hosts
            )
        )
        self.cfg_plain = self.operator / "ansible.cfg"
        self.cfg_gated = self.operator / "ansible-gated.cfg"
        self.cfg_plain.write_text(self._cfg(gated=False))
        self.cfg_gated.write_text(self._cfg(gated=True))
        self.ara_callbacks = subprocess.run(
            [sys.executable, "-m", "ara.setup.callback_plugins"], capture_output=True, text=True, check=True
        ).stdout.strip()

    def _cfg(self, *, gated: bool) -> str:
        ssh_args = (
            "-o ControlMaster=auto -o ControlPersist=60s "
            f"-o UserKnownHostsFile={self.net.known_hosts} -o StrictHostKeyChecking=yes"
        )
        return textwrap.dedent(
            f"""\
            [defaults]
            inventory = {self.inventory}
            {"callbacks_enabled = praxis.gatekeeper.gate" if gated else "# callbacks_enabled: none"}
            host_key_checking = True
            retry_files_enabled = False
            interpreter_python = {sys.executable}
            forks = {self.forks}
            local_tmp = {self.root / "ansible-local"}
            nocolor = True

            [ssh_connection]
            pipelining = True
            ssh_args = {ssh_args}
            """
        )

    # ------------------------------------------------------------------------------------------------ env
    def env(self, variant: str, control_dir: Path) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_", "ARA_"))}
        env.update(
            ANSIBLE_SSH_CONTROL_PATH_DIR=str(control_dir),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            HOME=os.environ.get("HOME", "/root"),
        )
        if variant == "gated":
            env.update(
                ANSIBLE_CONFIG=str(self.cfg_gated),
                PRAXIS_GATE="enforce",
                PRAXIS_MODE="guarded",
                PRAXIS_STATE_DIR=str(self.state_dir),
                PRAXIS_POLICY=str(self.policy),
            )
        else:
            # Not armed: PRAXIS_GATE unset and the callback not enabled. The state directory points at a sentinel
            # folder that must still be empty afterwards, which proves the gate did not arm.
            env.update(ANSIBLE_CONFIG=str(self.cfg_plain), PRAXIS_STATE_DIR=str(self.sentinel_state))
        if variant == "ara":
            env.update(
                ANSIBLE_CALLBACK_PLUGINS=self.ara_callbacks,
                ARA_API_CLIENT="offline",
                ARA_BASE_DIR=str(self.ara_dir),
            )
        return env

    # ------------------------------------------------------------------------------------------------ runs
    def run(
        self,
        variant: str,
        *,
        playbook: Path = PLAYBOOK_DIR / "site.yml",
        check: bool = False,
        diff: bool = False,
        target: Path | None = None,
        label: str = "",
        capture: Path | None = None,
        measured: bool = True,
        limit: str = "",
        expect_hosts: int | None = None,
    ) -> dict[str, Any]:
        self.counter += 1
        run_id = f"{self.counter:03d}-{variant}{'-check' if check else ''}{'-diff' if diff else ''}"
        target = target or self.work / run_id
        control_dir = Path(tempfile.mkdtemp(prefix="cp-", dir=self.root))
        args = [str(playbook), "-e", f"bench_root={target}"]
        if playbook.name == "site.yml":
            args.extend(self.extra_args)
        if limit:
            args.extend(["--limit", limit])
        if check:
            args.append("--check")
        if diff:
            args.append("--diff")
        if capture is not None:
            command = [sys.executable, str(BENCH_DIR / "capture.py"), *args]
        else:
            command = [str(BIN_DIR / "ansible-playbook"), *args]
        env = self.env(variant, control_dir)
        if capture is not None:
            env["PRAXIS_BENCH_CAPTURE"] = str(capture)
        audit_before = _lines(self.state_dir / "audit.jsonl")
        load_before, busy_before = _loadavg(), _cpu_ticks()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        done = subprocess.run(
            self.net.netns_exec(command),
            check=False,
            cwd=str(playbook.parent),
            env=env,
            capture_output=True,
            text=True,
            timeout=1800,
        )
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        busy_after = _cpu_ticks()
        self.net.close_control_masters(control_dir)
        shutil.rmtree(control_dir, ignore_errors=True)
        log_path = self.logs / f"{run_id}.log"
        log_path.write_text(
            f"$ {' '.join(command)}\nrc={done.returncode}\n{done.stdout}\n--- stderr ---\n{done.stderr}"
        )
        recap = {m["host"]: {k: int(v) for k, v in m.groupdict().items() if k != "host"}
                 for m in _RECAP.finditer(done.stdout)}  # fmt: skip
        result = {
            "id": run_id,
            "variant": variant,
            "label": label,
            "check": check,
            "diff": diff,
            "measured": measured,
            "wall_s": round(wall, 4),
            "cpu_user_s": round(after.ru_utime - before.ru_utime, 3),
            "cpu_sys_s": round(after.ru_stime - before.ru_stime, 3),
            "machine_cpu_busy_s": round((busy_after[0] - busy_before[0]) / _HZ, 2),
            "machine_cpu_steal_s": round((busy_after[1] - busy_before[1]) / _HZ, 2),
            "loadavg_1m_at_start": load_before,
            "rc": done.returncode,
            "recap": recap,
            "audit_records_written": _lines(self.state_dir / "audit.jsonl") - audit_before,
            "log": str(log_path),
        }
        self.runs.append(result)
        failed = (
            done.returncode != 0
            or len(recap) != (len(self.net.hosts) if expect_hosts is None else expect_hosts)
            or any(r["failed"] or r["unreachable"] for r in recap.values())
        )
        if failed:
            raise RunFailed(f"{run_id} failed (rc {done.returncode}); see {log_path}:\n{done.stdout[-3000:]}"
                            f"\n{done.stderr[-3000:]}")  # fmt: skip
        if variant != "gated" and self.sentinel_state.exists() and any(self.sentinel_state.iterdir()):
            raise RunFailed(f"{run_id}: the gate armed in a run that must be ungated ({self.sentinel_state})")
        if variant == "gated" and result["audit_records_written"] == 0:
            raise RunFailed(f"{run_id}: a gated run wrote no audit records")
        log(
            f"  {run_id:<28} {wall:7.2f} s  cpu {result['cpu_user_s'] + result['cpu_sys_s']:6.2f} s  "
            f"machine busy {result['machine_cpu_busy_s']:6.1f} s  load {load_before:5.2f}  "
            f"audit +{result['audit_records_written']}"
        )
        return result


_HZ = os.sysconf("SC_CLK_TCK")


def _cpu_ticks() -> tuple[int, int]:
    """(busy, steal) clock ticks of the whole machine since boot, from /proc/stat."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    except (OSError, ValueError, IndexError):
        return 0, 0
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return user + nice + system + irq + softirq + steal, steal


def _loadavg() -> float:
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return -1.0


def _lines(path: Path) -> int:
    try:
        with path.open("rb") as handle:
            return sum(1 for _line in handle)
    except FileNotFoundError:
        return 0


def _rotated(items: Sequence[str], by: int) -> list[str]:
    by %= len(items)
    return [*items[by:], *items[:by]]


def _ratio(a: float, b: float) -> float:
    return round(a / b, 4) if b else float("nan")


def warm_up(lab: Lab, *, full: bool, capture: Path | None) -> list[dict[str, Any]]:
    """Unmeasured: ARA's database migrations and the gate's key creation happen once per installation, not per run;
    a full warm-up round also warms the page cache. The gated warm-up can capture the gate's requests."""
    tiny = lab.root / "tiny.yml"
    tiny.write_text("- hosts: targets\n  gather_facts: false\n  tasks:\n    - ansible.builtin.ping:\n")
    variants = ("ara", "gated", "ungated") if full else ("ara",)
    runs = [lab.run(v, playbook=tiny, label="warm-up (tiny)", measured=False) for v in variants]
    if full:
        for variant in ("ungated", "gated", "ara"):
            runs.append(lab.run(variant, label="warm-up", measured=False,
                                capture=capture if variant == "gated" else None))  # fmt: skip
    return runs


def end_to_end(lab: Lab, rounds: int) -> dict[str, Any]:
    variants = ["ungated", "gated", "ara"]
    raw: dict[str, list[float]] = {v: [] for v in variants}
    per_round: list[dict[str, Any]] = []
    for number in range(rounds):
        order = _rotated(variants, number)
        log(f"end to end, round {number + 1}/{rounds}: {' -> '.join(order)}")
        row: dict[str, Any] = {"round": number + 1, "order": order}
        for variant in order:
            result = lab.run(variant, label=f"e2e round {number + 1}")
            raw[variant].append(result["wall_s"])
            row[variant] = result
        per_round.append(row)
    medians = {v: summary(raw[v])["median"] for v in variants}
    paired = [r["gated"]["wall_s"] / r["ungated"]["wall_s"] for r in per_round]
    paired_ara = [r["ara"]["wall_s"] / r["ungated"]["wall_s"] for r in per_round]
    example = per_round[0]["gated"]
    return {
        "rounds": rounds,
        "hosts": len(lab.net.hosts),
        "tasks_in_playbook": _count_tasks(PLAYBOOK_DIR / "site.yml"),
        "task_results_per_host": example["recap"],
        "audit_records_per_gated_run": example["audit_records_written"],
        "raw_wall_s": raw,
        "summary": {v: summary(raw[v]) for v in variants},
        "median_wall_s": medians,
        "ratio_gated_over_ungated": _ratio(medians["gated"], medians["ungated"]),
        "ratio_ara_over_ungated": _ratio(medians["ara"], medians["ungated"]),
        "paired_round_ratios_gated": [round(x, 4) for x in paired],
        "paired_round_ratios_ara": [round(x, 4) for x in paired_ara],
        "median_paired_ratio_gated": round(sorted(paired)[len(paired) // 2], 4)
        if len(paired) % 2
        else round(sum(sorted(paired)[len(paired) // 2 - 1 : len(paired) // 2 + 1]) / 2, 4),
        "cpu_s": {v: summary([r[v]["cpu_user_s"] + r[v]["cpu_sys_s"] for r in per_round]) for v in variants},
        "runs": per_round,
    }


def drift(lab: Lab, rounds: int, *, both_diffs: bool = True) -> dict[str, Any]:
    """Converge once (ungated), introduce drift on every host, then interleave check-mode scans of that state."""
    converged = lab.work / "drift-target"
    lab.run("ungated", target=converged, label="drift: converge", measured=False)
    for index, host in enumerate(lab.net.hosts):
        base = converged / host.name
        kind = index % 3
        if kind == 0:
            conf = base / "conf" / "app.conf"
            conf.write_text(conf.read_text().replace("log_level=info", "log_level=trace"))
        elif kind == 1:
            (base / "data" / "quotas.json").unlink()
        else:
            (base / "conf" / "app.ini").chmod(0o666)
    variants = {"gated_check_diff": ("gated", True), "ungated_check_diff": ("ungated", True),
                "ungated_check": ("ungated", False)}  # fmt: skip
    if not both_diffs:  # the smoke test skips the like-for-like ungated --check --diff
        del variants["ungated_check_diff"]
    names = list(variants)
    raw: dict[str, list[float]] = {n: [] for n in names}
    runs: list[dict[str, Any]] = []
    for number in range(rounds):
        order = _rotated(names, number)
        log(f"drift, round {number + 1}/{rounds}: {' -> '.join(order)}")
        for name in order:
            variant, diff = variants[name]
            result = lab.run(variant, check=True, diff=diff, target=converged, label=f"drift round {number + 1}")
            raw[name].append(result["wall_s"])
            runs.append({"name": name, **result})
    medians = {n: summary(raw[n])["median"] for n in names}
    changed = {r["name"]: {h: v["changed"] for h, v in r["recap"].items()} for r in runs[: len(names)]}
    return {
        "rounds": rounds,
        "drift_introduced": "host1: a line edited; host2: a file deleted; host3: a file mode changed",
        "changed_reported_per_host": changed,
        "raw_wall_s": raw,
        "summary": {n: summary(raw[n]) for n in names},
        "median_wall_s": medians,
        "ratio_gated_check_diff_over_ungated_check": _ratio(medians["gated_check_diff"], medians["ungated_check"]),
        "ratio_gated_check_diff_over_ungated_check_diff": _ratio(
            medians["gated_check_diff"], medians["ungated_check_diff"]
        )
        if "ungated_check_diff" in medians
        else None,
        "runs": runs,
    }


def audit_summary(lab: Lab) -> dict[str, Any]:
    """What the gated runs left behind: verified chain, verdicts and tiers (proof the gate decided every task)."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.checkpoint import (
        load_public_key,
        read_anchor,
    )
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.verify import iter_records, verify_log

    path = lab.state_dir / "audit.jsonl"
    report = verify_log(path, public_key=load_public_key(lab.state_dir / "audit-signing.pub"),
                        anchor=read_anchor(lab.state_dir / "audit.anchor"))  # fmt: skip
    verdicts: dict[str, int] = {}
    tiers: dict[str, int] = {}
    events: dict[str, int] = {}
    for record in iter_records(path):
        events[record.get("event", "?")] = events.get(record.get("event", "?"), 0) + 1
        if record.get("event") == "decision":
            verdicts[record["decision"]] = verdicts.get(record["decision"], 0) + 1
            tiers[record["tier"]] = tiers.get(record["tier"], 0) + 1
    return {"verify": report.as_dict(), "events": events, "verdicts": verdicts, "tiers": tiers,
            "bytes": path.stat().st_size}  # fmt: skip


def _count_tasks(path: Path) -> int:
    return sum(1 for line in path.read_text().splitlines() if line.startswith("    - name:"))


def run_all(root: Path, *, hosts: int, rounds: int, drift_rounds: int, full_warmup: bool,
            capture: Path | None, extra_args: Sequence[str] = (), drift_both_diffs: bool = True,
            ) -> dict[str, Any]:  # fmt: skip
    with NetLab.create(root / "net", hosts=hosts) as net:
        lab = Lab(net=net, root=root / "lab", extra_args=list(extra_args))
        log(f"warm-up ({'full round' if full_warmup else 'database and keys only'})")
        warm = warm_up(lab, full=full_warmup, capture=capture)
        e2e = end_to_end(lab, rounds)
        log(f"end to end: medians {json.dumps(e2e['median_wall_s'])}, gated/ungated {e2e['ratio_gated_over_ungated']}"
            f", ara/ungated {e2e['ratio_ara_over_ungated']}")  # fmt: skip
        drift_result = drift(lab, drift_rounds, both_diffs=drift_both_diffs) if drift_rounds else {}
        if drift_result:
            log(f"drift: medians {json.dumps(drift_result['median_wall_s'])}")
        audit = audit_summary(lab)
        return {
            "setup": {
                "hosts": [{"name": h.name, "address": h.address, "netns": h.netns} for h in net.hosts],
                "controller_netns": net.controller_ns,
                "forks": lab.forks,
                "playbook_args": lab.extra_args,
                "ansible_cfg_gated": lab.cfg_gated.read_text(),
                "ansible_cfg_plain": lab.cfg_plain.read_text(),
                "policy": lab.policy.read_text(),
                "ara_callback_plugins": lab.ara_callbacks,
                "warm_up_runs": warm,
            },
            "end_to_end": e2e,
            "drift": drift_result,
            "gated_audit_log": audit,
        }


def pyspy_profile(root: Path, *, hosts: int, extra_args: Sequence[str], out_dir: Path) -> dict[str, Any]:
    """One gated and one ungated run under py-spy (all processes: controller and forked workers), unmeasured.

    Summarises the collapsed stacks: the share of samples with a gate frame on the stack, where those samples
    enter the gate (hook), and the functions with the most self time beneath a gate frame."""
    results: dict[str, Any] = {}
    with NetLab.create(root / "net-pyspy", hosts=hosts) as net:
        lab = Lab(net=net, root=root / "lab-pyspy", extra_args=list(extra_args))
        lab.run("gated", measured=False, label="py-spy warm-up")
        for variant in ("gated", "ungated"):
            raw = out_dir / f"pyspy-{variant}.collapsed"
            control_dir = Path(tempfile.mkdtemp(prefix="cp-", dir=lab.root))
            target = lab.work / f"pyspy-{variant}"
            command = [
                _pyspy(), "record", "--subprocesses", "--nonblocking", "--rate", "250", "--format",
                "raw", "--full-filenames", "--output", str(raw), "--", str(BIN_DIR / "ansible-playbook"),
                str(PLAYBOOK_DIR / "site.yml"), "-e", f"bench_root={target}", *lab.extra_args,
            ]  # fmt: skip
            started = time.perf_counter()
            done = subprocess.run(
                lab.net.netns_exec(command),
                check=False,
                cwd=str(PLAYBOOK_DIR),
                env=lab.env(variant, control_dir),
                capture_output=True,
                text=True,
                timeout=1800,
            )
            wall = time.perf_counter() - started
            lab.net.close_control_masters(control_dir)
            (out_dir / f"pyspy-{variant}.log").write_text(done.stdout[-5000:] + "\n" + done.stderr[-5000:])
            results[variant] = {"wall_s_under_profiler": round(wall, 2), "rc": done.returncode,
                                **_collapsed_summary(raw)}  # fmt: skip
            log(
                f"py-spy {variant}: {results[variant]['samples']} samples, gate share "
                f"{results[variant]['gate_share']:.3f}"
            )
    return results


def _pyspy() -> str:
    for candidate in (BIN_DIR / "py-spy", Path(sys.base_prefix) / "bin" / "py-spy"):
        if candidate.is_file():
            return str(candidate)
    return shutil.which("py-spy") or "py-spy"


def _frame_name(frame: str) -> str:
    return frame.replace("/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/", "").replace(
        "ansible_collections/praxis/gatekeeper/", ""
    )


def _collapsed_summary(path: Path, top: int = 20) -> dict[str, Any]:
    total = 0
    gate_samples = 0
    idle = 0
    entry: dict[str, int] = {}
    self_time: dict[str, int] = {}
    if not path.is_file():
        return {"samples": 0, "gate_share": 0.0, "error": "no py-spy output"}
    for line in path.read_text(errors="replace").splitlines():
        stack, _separator, count_text = line.rpartition(" ")
        try:
            count = int(count_text)
        except ValueError:
            continue
        total += count
        frames = stack.split(";")
        if any(("select" in f or "poll" in f or "wait" in f) for f in frames[-1:]):
            idle += count
        gate_index = next((i for i, f in enumerate(frames) if "praxis/gatekeeper" in f), None)
        if gate_index is None:
            continue
        gate_samples += count
        first = _frame_name(frames[gate_index])
        entry[first] = entry.get(first, 0) + count
        leaf = _frame_name(frames[-1])
        self_time[leaf] = self_time.get(leaf, 0) + count

    def ranked(table: dict[str, int]) -> list[dict[str, Any]]:
        return [{"frame": k, "samples": v, "share_of_all": round(v / total, 4) if total else 0}
                for k, v in sorted(table.items(), key=lambda kv: kv[1], reverse=True)[:top]]  # fmt: skip

    return {
        "samples": total,
        "gate_samples": gate_samples,
        "gate_share": round(gate_samples / total, 4) if total else 0.0,
        "gate_entry_points": ranked(entry),
        "gate_self_time": ranked(self_time),
        "raw": str(path.name),
    }
