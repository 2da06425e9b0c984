# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A --check plan of HOSTS x 20 T2 command tasks on local-connection hosts, on a private PostgreSQL cluster and on
SQLite, with the gate installed in the bench virtual environment; prints the CPU (user + system) of the whole
ansible-playbook process tree (controller, forked workers, modules; not the PostgreSQL server) and how many plan
items the store holds afterwards.

usage: BENCH_BIN=/work/bench-venv/bin python plan_lab.py HOSTS LABEL [ROUNDS]
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))  # bench/
from fleet import postgres_cluster  # noqa: E402

BIN = Path(os.environ.get("BENCH_BIN", "/work/bench-venv/bin"))
REPO = Path(__file__).resolve().parents[4]


def plan(hosts: int, dsn: str | None) -> tuple[float, int]:
    root = Path(tempfile.mkdtemp(prefix="pxb-planlab-"))
    try:
        (root / "work").mkdir()
        (root / "tmp").mkdir()
        inventory = "[targets]\n" + "".join(
            f"h{i:03d} ansible_connection=local ansible_python_interpreter={BIN}/python\n" for i in range(hosts)
        )
        (root / "inv.ini").write_text(inventory)
        (root / "ansible.cfg").write_text(
            f"[defaults]\ninventory = {root}/inv.ini\ncallbacks_enabled = praxis.gatekeeper.gate\n"
            f"retry_files_enabled = False\nforks = 20\nlocal_tmp = {root}/tmp\n"
        )
        tasks = "".join(
            f"    - ansible.builtin.command: touch {{{{ bench_root }}}}/{{{{ inventory_hostname }}}}-{n:02d}\n"
            for n in range(1, 21)
        )
        (root / "play.yml").write_text(f"- hosts: targets\n  gather_facts: false\n  tasks:\n{tasks}")
        shutil.copy(REPO / "bench/playbook/policy.yml", root / "policy.yml")
        env = dict(os.environ, ANSIBLE_CONFIG=str(root / "ansible.cfg"), PRAXIS_GATE="enforce",
                   PRAXIS_MODE="guarded", PRAXIS_STATE_DIR=str(root / "state"), PRAXIS_POLICY=str(root / "policy.yml"),
                   PRAXIS_PRINCIPAL="agent@fleet")  # fmt: skip
        env.pop("PRAXIS_STORE_DSN", None)
        if dsn:
            env["PRAXIS_STORE_DSN"] = dsn
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run([str(BIN / "ansible-playbook"), str(root / "play.yml"), "-e", f"bench_root={root}/work",
                               "--check"], env=env, capture_output=True, text=True, check=False)  # fmt: skip
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise SystemExit(done.stdout[-2000:] + done.stderr[-2000:])
        listed = subprocess.run([str(BIN / "praxis-gate"), "approvals", "list", "--json"], env=env,
                                capture_output=True, text=True, check=True)  # fmt: skip
        items = sum(int(plan["items"]) for plan in json.loads(listed.stdout))
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        return cpu, items
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    hosts, label = int(sys.argv[1]), sys.argv[2]
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with postgres_cluster() as dsn:
        for round_ in range(1, rounds + 1):
            for store, target in (("postgres", dsn), ("sqlite", None)):
                cpu, items = plan(hosts, target)
                print(f"{label} round {round_} {store:8s} hosts={hosts} tasks={hosts * 20} cpu={cpu:7.1f} s "
                      f"per task={cpu / (hosts * 20) * 1000:6.1f} ms items={items}", flush=True)


if __name__ == "__main__":
    main()
