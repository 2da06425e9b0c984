# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run the praxis.gatekeeper demo: a gated playbook against a private sshd on loopback, then the audit trail.

The lab lives under ~/.cache (not /tmp) so that deleting its files counts as irreversible (T3) to the gate, which
is what the demo's refused task shows.
"""

from __future__ import annotations

import argparse
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

    with SshTarget.start(root / "sshd") as target:
        lab = AnsibleLab(root=root / "controller", targets={"demo": target}, mode=options.mode)
        env = {"PRAXIS_DEMO_DIR": str(demo_dir)}
        print(f"== praxis.gatekeeper demo: mode {options.mode}, state directory {lab.state_dir}\n", flush=True)
        play = subprocess.run(
            [str(BIN_DIR / "ansible-playbook"), "praxis.gatekeeper.demo"], env=lab.env(**env), cwd=root, check=False
        )
        print("\n== the audit trail this run left (decisions and outcomes; no output bodies)\n", flush=True)
        gate_env = lab.env()
        subprocess.run([str(BIN_DIR / "praxis-gate"), "audit", "show"], env=gate_env, check=False)
        print("\n== verifying the hash chain\n", flush=True)
        verify = subprocess.run([str(BIN_DIR / "praxis-gate"), "audit", "verify"], env=gate_env, check=False)
    canary = (demo_dir / "canary").exists()
    precious = (demo_dir / "precious.txt").exists()
    print(f"\ncanary created by the deny-listed task: {canary}; precious.txt still present: {precious}")
    ok = play.returncode == 0 and verify.returncode == 0 and not canary and precious
    print("demo: OK" if ok else "demo: FAILED", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
