# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the praxis.gatekeeper demo: a gated playbook against a private sshd on loopback, then the audit trail.

The lab lives under ~/.cache (not /tmp) so that deleting its files counts as irreversible (T3) to the gate, which
is what the demo's refused task shows.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.integration.harness import BIN_DIR, AnsibleLab, SshTarget


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mode", default="guarded", choices=["open", "guarded", "readonly"])
    parser.add_argument("--keep", action="store_true", help="keep the lab directory afterwards")
    options = parser.parse_args()

    base = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "praxis-gatekeeper-demo"
    root = base / time.strftime("%Y%m%d-%H%M%S")
    demo_dir = root / "host-files"
    demo_dir.mkdir(parents=True)
    (demo_dir / "precious.txt").write_text("this file must survive the demo\n")

    operator = root / "operator"
    with SshTarget.start(root / "sshd") as target:
        lab = AnsibleLab(
            root=root / "controller",
            targets={"demo": target},
            mode=options.mode,
            env_overrides={"PRAXIS_APPROVERS": str(operator / "approvers"), "PRAXIS_OPERATOR_DIR": str(operator)},
        )
        env = lab.env(PRAXIS_DEMO_DIR=str(demo_dir))
        gate = [str(BIN_DIR / "praxis-gate")]
        print(f"== praxis.gatekeeper demo: mode {options.mode}, state directory {lab.state_dir}\n", flush=True)
        _run([*gate, "operator", "init", "--name", "demo-operator", "--no-passphrase"], env)
        play = _run([str(BIN_DIR / "ansible-playbook"), "praxis.gatekeeper.demo"], env, cwd=root)
        print("\n== an operator reviews the pending approval request and approves it\n", flush=True)
        listing = _run([*gate, "approvals", "list", "--json"], env, capture=True)
        request = json.loads(listing.stdout)[0]["request"]
        _run([*gate, "approvals", "show", request], env)
        approve = _run([*gate, "approvals", "approve", request, "--as", "demo-operator"], env, capture=True)
        token_file = operator / "token"
        token_file.write_text(approve.stdout.strip())
        token_file.chmod(0o600)
        print("\n== the run presents the token (PRAXIS_APPROVAL_FILE); the approved task runs, once\n", flush=True)
        approved_env = {**env, "PRAXIS_APPROVAL_FILE": str(token_file)}
        second = _run([str(BIN_DIR / "ansible-playbook"), "praxis.gatekeeper.demo", "--tags", "approval"],
                      approved_env, cwd=root)  # fmt: skip
        approved = (demo_dir / "approved-change").exists()
        (demo_dir / "approved-change").unlink(missing_ok=True)
        print("\n== the same token again: refused (single use)\n", flush=True)
        _run([str(BIN_DIR / "ansible-playbook"), "praxis.gatekeeper.demo", "--tags", "approval"], approved_env,
             cwd=root)  # fmt: skip
        reused = (demo_dir / "approved-change").exists()
        print("\n== the audit trail (decisions and outcomes; no output bodies, no tokens)\n", flush=True)
        _run([*gate, "audit", "show", "--run", "all"], env)
        print("\n== verifying the hash chain, the signed checkpoints and the anchor\n", flush=True)
        verify = _run([*gate, "audit", "verify"], env)
        lab.close()  # end the ssh control masters and remove their socket directory under /tmp
    canary = (demo_dir / "canary").exists()
    precious = (demo_dir / "precious.txt").exists()
    print(
        f"\ncanary created by the deny-listed task: {canary}; precious.txt still present: {precious}; "
        f"approved change made: {approved}; made again with the used token: {reused}"
    )
    ok = play.returncode == 0 and second.returncode == 0 and verify.returncode == 0
    ok = ok and not canary and precious and approved and not reused
    print("demo: OK" if ok else "demo: FAILED", flush=True)
    return 0 if ok else 1


def _run(
    command: list[str], env: dict[str, str], *, cwd: Path | None = None, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, env=env, cwd=cwd, check=False, text=True, capture_output=capture)


if __name__ == "__main__":
    sys.exit(main())
