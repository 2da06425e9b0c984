# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How often each trifecta trigger fires on the collection's example playbooks (playbooks/), run by an agent.

Each playbook runs through the agent entry point (agents/runner.py) in a fresh session, against a loopback sshd
with strict host keys, in guarded and in open mode, twice: as written (a held task fails its host and ends the play
there, as it would for an agent), and with ``ignore_errors`` on every task, so that every task of the playbook meets
the gate once and each trigger is counted over all of them. From the audit log it counts, per run: decisions, actuations
(T1 and above, not a dry run), the latch arming (which trigger, at which task), actuations held by the latch, and
for the data-tag rule both readings: the conservative one (an argument lacks ansible-core's TrustedAsTemplate tag:
``computed``) and the one the gate enforces (the argument's template reads host output: ``host_derived``).

    python bench/agent_triggers.py [--awx-collections DIR]

``create_templates.yml`` needs the awx.awx collection (the community ``ansible`` wheel carries it); without
``--awx-collections`` it is reported as not run. Measures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
sys.path.insert(0, str(REPO_ROOT))

from tests.integration.harness import AnsibleLab, SshTarget  # noqa: E402

PLAYBOOKS = ("demo.yml", "awx/create_templates.yml")


def continuing_copy(project: Path) -> Path:
    """The example playbooks with ``ignore_errors: true`` on every task (written with Ansible's own YAML, which
    keeps ``!unsafe``), in a project of their own."""
    import yaml
    from ansible.parsing.yaml.dumper import AnsibleDumper
    from ansible.parsing.yaml.loader import AnsibleLoader

    target = Path(tempfile.mkdtemp(prefix="pxb-agent-continue-", dir="/tmp"))
    shutil.copytree(project, target, dirs_exist_ok=True)
    for playbook in PLAYBOOKS:
        plays = yaml.load((project / playbook).read_text(), Loader=AnsibleLoader)
        for play in plays:
            for task in play.get("tasks", []):
                task["ignore_errors"] = True
        (target / playbook).write_text(yaml.dump(plays, Dumper=AnsibleDumper, sort_keys=False, width=200))
    return target


def measure(lab: AnsibleLab, playbook: str, mode: str, extra: dict[str, str]) -> dict[str, Any]:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents.runner import (
        AgentRunner,
        AgentRunRequest,
    )

    lab.mode = mode
    session = f"bench-{mode}-{Path(playbook).stem}-{os.urandom(3).hex()}"
    before = len(lab.audit_records())
    runner = AgentRunner(session=session, environ=lab.env(**extra))
    result = runner.run(AgentRunRequest(playbook=playbook, extra_vars={"demo_hosts": "target1"}))
    records = [r for r in lab.audit_records()[before:] if r.get("session") == session]
    decisions = [r for r in records if r.get("event") == "decision" and r.get("kind") == "task"]
    actuations = [r for r in decisions if r.get("tier") not in ("T0", None) and not r.get("dry_run")]
    armed = [r for r in records if r.get("event") == "agent-latch-armed"]
    rules = Counter(r.get("rule") for r in decisions)
    computed = [r for r in actuations if (r.get("provenance") or {}).get("computed")]
    derived = [r for r in actuations if (r.get("provenance") or {}).get("host_derived")]
    return {
        "playbook": playbook,
        "variant": "continuing" if "continue" in extra.get("PRAXIS_AGENT_PROJECTS", "") else "as written",
        "mode": mode,
        "status": result.status,
        "gated": result.gated,
        "decisions": len(decisions),
        "actuations": len(actuations),
        "latch": [{"kind": r.get("kind"), "reason": r.get("reason")} for r in armed],
        "latch_armed_by_task": next(
            (d.get("task") for d in decisions if armed and d.get("decision_id") == armed[0].get("decision_id")), None
        ),
        "rules": dict(rules),
        "held_by_latch": rules.get("agent.latch", 0),
        "held_by_host_derived": rules.get("agent.host-derived", 0),
        "tag_only_would_hold": len(computed),
        "tag_only_tasks": sorted({str(r.get("task")) for r in computed}),
        "host_derived_actuations": len(derived),
        "vaulted": sum(1 for r in decisions if (r.get("provenance") or {}).get("vaulted")),
        "problems": result.problems,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--awx-collections", help="a collections path holding awx.awx")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    root = Path(tempfile.mkdtemp(prefix="pxb-agent-", dir="/tmp"))
    continuing = continuing_copy(REPO_ROOT / "playbooks")
    try:
        with SshTarget.start(root / "sshd") as target:
            for mode in ("guarded", "open"):
                lab = AnsibleLab(root=root / f"lab-{mode}", targets={"target1": target}, mode=mode)
                demo_dir = root / f"demo-{mode}"
                demo_dir.mkdir()
                (demo_dir / "precious.txt").write_text("keep\n")
                for project in (REPO_ROOT / "playbooks", continuing):
                    extra = {"PRAXIS_AGENT_PROJECTS": str(project), "PRAXIS_DEMO_DIR": str(demo_dir)}
                    for playbook in PLAYBOOKS:
                        if playbook.startswith("awx/") and not args.awx_collections:
                            rows.append({"playbook": playbook, "mode": mode, "status": "not run (no awx.awx)"})
                            continue
                        env = dict(extra)
                        if args.awx_collections:
                            env["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([args.awx_collections, *sys.path])
                        rows.append(measure(lab, playbook, mode, env))
    finally:
        shutil.rmtree(root, ignore_errors=True)
        shutil.rmtree(continuing, ignore_errors=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = BENCH_DIR / "results" / f"agent-triggers-{stamp}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": stamp, "rows": rows}, indent=2))
    print("| playbook | variant | mode | decisions | actuations | latch armed by | held: latch | held: host-derived "
          "| tag-only would hold |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        if "decisions" not in row:
            print(f"| {row['playbook']} | | {row['mode']} | {row['status']} | | | | | |")
            continue
        latch = row["latch"][0]["kind"] + f" ({row['latch_armed_by_task']})" if row["latch"] else "-"
        counts = (row["decisions"], row["actuations"], latch, row["held_by_latch"], row["held_by_host_derived"],
                  row["tag_only_would_hold"])  # fmt: skip
        print(f"| {row['playbook']} | {row['variant']} | {row['mode']} | " + " | ".join(map(str, counts)) + " |")
    print(f"\nraw: {out.relative_to(REPO_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
