# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fleet scale: 100 hosts (network namespaces, one sshd each) x 20 tasks with ``forks = 20``, interleaved variants.

Variants of one measured round (order rotated each round; every run starts with fresh SSH control sockets):

    ungated            plain ansible-playbook
    gated              the gate armed, the SQLite store, default audit durability (its 20 concurrent workers share
                       the audit writer's group commit)
    gated_postgres     the same with the PostgreSQL store (PRAXIS_STORE_DSN, a private cluster started here)
    ara                ARA's callback, offline client, SQLite

and, when ``approvals`` is on, two runs whose every task needs a human approval (T2 command lines in guarded mode):
an unmeasured ``--check`` run plans them, ``praxis-gate approvals approve`` signs the plan, and the measured run
presents the token (PRAXIS_APPROVAL_FILE), redeeming one item per task and host in one store transaction each:

    approved_sqlite    the redemption run on the SQLite store
    approved_postgres  the same on PostgreSQL

The fleet playbook (``fleet.yml``, written here) holds the kinds of task a configuration run is made of; the
approval playbook (``fleet-approval.yml``) holds command lines no policy allowlists. Nothing is asserted.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _common import BIN_DIR, log, summary
from e2e import Lab, _ratio, _rotated
from netlab import NetLab, free_port

FLEET_PLAY = """\
- name: fleet
  hosts: targets
  gather_facts: false
  vars:
    dir: "{{ bench_root }}/{{ inventory_hostname }}"
  tasks:
    - ansible.builtin.file: {path: "{{ dir }}", state: directory, mode: "0755"}
    - ansible.builtin.file: {path: "{{ dir }}/conf", state: directory, mode: "0755"}
    - ansible.builtin.copy: {dest: "{{ dir }}/conf/app.conf", content: "port=8080\\nworkers=4\\n", mode: "0644"}
    - ansible.builtin.lineinfile: {path: "{{ dir }}/conf/app.conf", line: "log=info"}
    - ansible.builtin.stat: {path: "{{ dir }}/conf/app.conf"}
    - ansible.builtin.command: uname -a
    - ansible.builtin.command: id -u
    - ansible.builtin.copy: {dest: "{{ dir }}/motd", content: "managed\\n", mode: "0644"}
    - ansible.builtin.replace: {path: "{{ dir }}/conf/app.conf", regexp: "workers=4", replace: "workers=8"}
    - ansible.builtin.stat: {path: "{{ dir }}/motd"}
    - ansible.builtin.file: {path: "{{ dir }}/data", state: directory, mode: "0750"}
    - ansible.builtin.copy: {dest: "{{ dir }}/data/seed", content: "seed\\n", mode: "0640"}
    - ansible.builtin.blockinfile: {path: "{{ dir }}/conf/app.conf", block: "cache=on"}
    - ansible.builtin.command: uptime
    - ansible.builtin.slurp: {src: "{{ dir }}/motd"}
    - ansible.builtin.find: {paths: "{{ dir }}/conf"}
    - ansible.builtin.set_fact: {fleet_seen: true}
    - ansible.builtin.assert: {that: [fleet_seen]}
    - ansible.builtin.command: cat /proc/loadavg
    - ansible.builtin.debug: {msg: done}
"""

APPROVAL_PLAY = """\
- name: fleet tasks that need approval
  hosts: targets
  gather_facts: false
  tasks:
""" + "".join(
    f"    - ansible.builtin.command: touch {{{{ bench_root }}}}/{{{{ inventory_hostname }}}}-{n:02d}\n"
    for n in range(1, 21)
)


@contextmanager
def postgres_cluster() -> Iterator[str]:
    """A private PostgreSQL cluster (unix socket only, default durability), as the store tests start one."""
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), reverse=True)
    initdb = shutil.which("initdb") or (str(candidates[0]) if candidates else None)
    if initdb is None:
        raise SystemExit("PostgreSQL server programs are missing: apt-get install postgresql")
    bindir = Path(initdb).parent
    base = Path(tempfile.mkdtemp(prefix="pxb-pg-", dir="/tmp"))  # its own: the postgres user must reach it
    run_as: dict[str, Any] = {}
    if os.geteuid() == 0:
        account = pwd.getpwnam("postgres")
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        os.chown(base, account.pw_uid, account.pw_gid)
    data, sockets = base / "data", base / "s"
    sockets.mkdir()
    if run_as:
        os.chown(sockets, run_as["user"], run_as["group"])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C"}
    subprocess.run([str(bindir / "initdb"), "-D", str(data), "-U", "praxis", "--auth=trust", "-E", "UTF8",
                    "--no-locale"], cwd=base, env=env, capture_output=True, check=True, **run_as)  # fmt: skip
    port = free_port()
    options = f"-p {port} -k {sockets} -c listen_addresses='' -c max_connections=200"
    subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(base / "server.log"), "-w", "-o", options,
                    "start"], cwd=base, env=env, capture_output=True, check=True, **run_as)  # fmt: skip
    try:
        yield f"host={sockets} port={port} user=praxis dbname=postgres"
    finally:
        subprocess.run([str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "stop"], cwd=base, env=env,
                       capture_output=True, check=False, **run_as)  # fmt: skip
        shutil.rmtree(base, ignore_errors=True)


class FleetLab(Lab):
    """The end-to-end lab with the fleet's forks and the store and approval variants."""

    dsn: str = ""
    token_file: Path | None = None

    def env(self, variant: str, control_dir: Path) -> dict[str, str]:
        armed = variant.startswith(("gated", "approved", "plan"))
        env = super().env("gated" if armed else variant, control_dir)
        if armed:
            env.update(PRAXIS_OPERATOR_DIR=str(self.root / "operators"), PRAXIS_APPROVERS=str(self.root / "approvers"),
                       PRAXIS_PRINCIPAL="agent@fleet")  # fmt: skip
        if variant.endswith("_postgres"):
            env["PRAXIS_STORE_DSN"] = self.dsn
        if variant.startswith("approved") and self.token_file is not None:
            env["PRAXIS_APPROVAL_FILE"] = str(self.token_file)
        return env

    def praxis_gate(self, variant: str, *args: str) -> subprocess.CompletedProcess[str]:
        env = self.env(variant, self.root)
        return subprocess.run([str(BIN_DIR / "praxis-gate"), *args], env=env, capture_output=True, text=True,
                              timeout=900, check=False)  # fmt: skip


def _approve(lab: FleetLab, variant: str, playbook: Path, target: Path) -> float:
    """Plan (unmeasured --check run), approve the plan, leave the token in a file; returns the approval's seconds."""
    store = "plan_postgres" if variant.endswith("_postgres") else "plan_sqlite"
    lab.token_file = None
    with contextlib.suppress(RuntimeError):  # the plan run fails by design: every task waits for an approval
        lab.run(store, playbook=playbook, check=True, target=target, label="approval plan", measured=False)
    listed = lab.praxis_gate(store, "approvals", "list", "--json")
    rows = [r for r in json.loads(listed.stdout or "[]") if r.get("requester") in (None, "agent@fleet")]
    if not rows:
        raise RuntimeError(f"no approval request to approve: {listed.stdout}{listed.stderr}")
    request = str(rows[0]["request"])
    started = time.perf_counter()
    approved = lab.praxis_gate(store, "approvals", "approve", request, "--as", "bench")
    seconds = time.perf_counter() - started
    if approved.returncode != 0:
        raise RuntimeError(f"approve failed: {approved.stderr}")
    target.mkdir(parents=True, exist_ok=True)  # the check run created nothing
    token_file = lab.root / "token"
    token_file.write_text(approved.stdout.strip() + "\n")
    token_file.chmod(0o600)
    lab.token_file = token_file
    return seconds


def run_fleet(
    root: Path,
    *,
    hosts: int,
    rounds: int,
    forks: int,
    approvals: bool,
    postgres: bool,
    ara: bool = True,
    warmup_hosts: int = 0,
    measured: Sequence[str] = (),
) -> dict[str, Any]:
    """``warmup_hosts``: the unmeasured warm-up of each variant runs on that many hosts only (0: all of them). It
    primes bytecode, the state directory and the stores, which a few hosts do as well as a hundred; on a 2-core
    machine every run of 100 hosts x 20 tasks costs about 2,000 s of CPU, most of it the targets' own module runs."""
    if postgres and importlib.util.find_spec("psycopg") is None:  # a plain gated run never opens the store: it
        # would pass as "PostgreSQL" without touching it, and the approval runs would fail an hour in
        raise SystemExit(f"the PostgreSQL variants need psycopg: {sys.executable} -m pip install 'psycopg[binary]' "
                         "(bench/setup installs it), or --no-postgres")  # fmt: skip
    variants = ["ungated", "gated"] + (["ara"] if ara else []) + (["gated_postgres"] if postgres else [])
    if measured:  # a subset of the rounds' variants (the approval runs still use the PostgreSQL cluster); the
        # ungated baseline always runs, since every ratio is taken against it
        variants = [v for v in variants if v == "ungated" or v in measured]
    approval_variants = (["approved_sqlite"] + (["approved_postgres"] if postgres else [])) if approvals else []
    with NetLab.create(root / "net", hosts=hosts) as net, (
        postgres_cluster() if postgres else _nothing()
    ) as dsn:  # fmt: skip
        lab = FleetLab(net=net, root=root / "lab", forks=forks)
        lab.dsn = dsn or ""
        fleet = lab.root / "fleet.yml"
        fleet.write_text(FLEET_PLAY)
        approval_play = lab.root / "fleet-approval.yml"
        approval_play.write_text(APPROVAL_PLAY)
        lab.policy.write_text("version: 1\ncommand_allowlist: [uname -a, id -u, uptime, cat /proc/loadavg]\n")
        if approvals:
            done = lab.praxis_gate("gated", "operator", "init", "--name", "bench", "--no-passphrase")
            if done.returncode != 0:
                raise RuntimeError(f"operator init failed: {done.stderr}")
        warm = min(warmup_hosts, hosts) if warmup_hosts > 0 else hosts
        log(f"fleet warm-up: {warm} of {hosts} hosts, forks {forks}")
        for variant in variants:
            lab.run(variant, playbook=fleet, label="fleet warm-up", measured=False,
                    limit=f"targets[0:{warm - 1}]" if warm < hosts else "", expect_hosts=warm)  # fmt: skip
        raw: dict[str, list[dict[str, Any]]] = {v: [] for v in variants + approval_variants}
        approve_s: list[float] = []
        for number in range(rounds):
            order = _rotated(variants, number)
            log(f"fleet round {number + 1}/{rounds}: {' -> '.join(order)} (load {os.getloadavg()[0]:.2f})")
            for variant in order:
                raw[variant].append(lab.run(variant, playbook=fleet, label=f"fleet round {number + 1}"))
            for variant in approval_variants:
                target = lab.work / f"approval-{number}-{variant}"
                approve_s.append(_approve(lab, variant, approval_play, target))
                raw[variant].append(lab.run(variant, playbook=approval_play, target=target,
                                            label=f"fleet approvals round {number + 1}"))  # fmt: skip
        walls = {v: [r["wall_s"] for r in raw[v]] for v in raw}
        cpus = {v: [r["cpu_user_s"] + r["cpu_sys_s"] for r in raw[v]] for v in raw}
        medians = {v: summary(walls[v])["median"] for v in raw if walls[v]}
        executions = hosts * 20
        return {
            "hosts": hosts, "tasks": 20, "forks": forks, "rounds": rounds, "warmup_hosts": warm,
            "median_wall_s": medians,
            "median_cpu_s": {v: summary(cpus[v])["median"] for v in raw if cpus[v]},
            "ratio_over_ungated": {v: _ratio(medians[v], medians["ungated"]) for v in medians},
            "paired_ratios_over_ungated": {
                v: [round(r["wall_s"] / u["wall_s"], 4) for r, u in zip(raw[v], raw["ungated"], strict=False)]
                for v in variants if v != "ungated"
            },
            "gate_cpu_ms_per_task_and_host": {
                v: round((summary(cpus[v])["median"] - summary(cpus["ungated"])["median"]) * 1000 / executions, 3)
                for v in ("gated", "gated_postgres") if cpus.get(v)
            },
            "approved_over_gated": {v: _ratio(medians[v], medians["gated"]) for v in approval_variants if v in medians},
            "approve_command_s": approve_s,
            "runs": raw,
        }  # fmt: skip


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--forks", type=int, default=20)
    parser.add_argument("--no-approvals", action="store_true")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-ara", action="store_true")
    parser.add_argument("--warmup-hosts", type=int, default=0, help="warm each variant up on this many hosts (0: all)")
    parser.add_argument("--measured", default="", help="comma-separated variants of the rounds to run (ungated always "
                        "runs; default: all); e.g. gated, to rerun the approval runs beside a gated one")  # fmt: skip
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="pxb-fleet-", dir="/tmp"))
    try:
        outcome = run_fleet(scratch, hosts=args.hosts, rounds=args.rounds, forks=args.forks,
                            approvals=not args.no_approvals, postgres=not args.no_postgres, ara=not args.no_ara,
                            warmup_hosts=args.warmup_hosts,
                            measured=[v for v in args.measured.split(",") if v])  # fmt: skip
        print(json.dumps({k: v for k, v in outcome.items() if k != "runs"}, indent=2))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
