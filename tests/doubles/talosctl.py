# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""TEST DOUBLE for talosctl (no package registry reachable here carries the real one).

It records every call (argv, environment, working directory, process and group ids) as one JSON line, and prints
the canned output of the real CLI's documented formats (siderolabs/talos cmd/talosctl: `version`'s Client/Server
blocks, the tab-aligned tables of `get`, `etcd members`, `etcd status` and `service`, apply-config's dry-run
summary on stderr, `etcd snapshot`'s "saved to" line, ...). It never talks to a network.

Where calls are recorded: $TALOSCTL_DOUBLE_LOG when the environment has it (it will not under the gate, whose
allowlist drops it unless the operator adds it), else talosctl-calls.jsonl beside the path it was invoked by.

Behaviours the tests rely on:
* `logs --follow`/`-f`, `dmesg --follow`, `get --watch`, `events`: start a helper process in the same process
  group, record both ids ("stream-started"), then print a line every 0.1 s until killed;
* node `fail.invalid`: exit 1 with the gRPC error talosctl prints for an unreachable node;
* an unknown command: cobra's `Error: unknown command "x" for "talosctl"` and exit 1.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

VALUE_FLAGS = {
    "-n",
    "--nodes",
    "-e",
    "--endpoints",
    "--talosconfig",
    "--context",
    "-c",
    "--cluster",
    "--siderov1-keys-dir",
    "-f",
    "--file",
    "-m",
    "--mode",
    "-p",
    "--patch",
    "--config-patch",
    "--patch-file",
    "--timeout",
    "-o",
    "--output",
    "-O",
    "--namespace",
    "--tail",
    "--system-labels-to-wipe",
    "--user-disks-to-wipe",
    "--wipe-mode",
    "-i",
    "--image",
    "--to",
    "--from",
    "--cert-fingerprint",
    "--recover-from",
    "-s",
    "--sort",
    "-d",
    "--depth",
    "-t",
    "--type",
}
SWITCHES_THAT_LOOK_LIKE_VALUES = {("logs", "-f"), ("dmesg", "-f"), ("apply-config", "-i"), ("version", "-i"),
                                  ("get", "-i"), ("memory", "-i"), ("support", "-O")}  # fmt: skip
GROUPS = {"etcd", "image", "wipe", "meta", "config", "cluster", "inspect", "conformance", "gen", "machineconfig"}


def log_path() -> Path:
    explicit = os.environ.get("TALOSCTL_DOUBLE_LOG")
    return Path(explicit) if explicit else Path(os.path.abspath(sys.argv[0])).parent / "talosctl-calls.jsonl"


def record(event: str, **fields: object) -> None:
    entry = {"event": event, "argv": sys.argv, "env": dict(os.environ), "cwd": os.getcwd(), "pid": os.getpid(),
             "pgid": os.getpgid(0), "sid": os.getsid(0), "stdin": os.readlink("/proc/self/fd/0"), "time": time.time(),
             **fields}  # fmt: skip
    with open(log_path(), "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, sort_keys=True) + "\n")


def parse(argv: list[str]) -> tuple[list[str], dict[str, list[str]], list[str]]:
    """(verb words, options, operands), close enough to cobra for canned output."""
    words: list[str] = []
    options: dict[str, list[str]] = {}
    operands: list[str] = []
    index = 0
    while index < len(argv):
        token = argv[index]
        index += 1
        if token.startswith("-") and token != "-":
            name, eq, value = token.partition("=")
            verb = words[-1] if words else ""
            takes = name in VALUE_FLAGS and (verb, name) not in SWITCHES_THAT_LOOK_LIKE_VALUES
            if takes and not eq and index < len(argv):
                value = argv[index]
                index += 1
            options.setdefault(name, []).append(value if (eq or takes) else "true")
        elif not operands and (not words or words[-1] in GROUPS or (len(words) == 2 and words[:2] == ["etcd", "alarm"])
                               or words[:2] == ["etcd", "downgrade"]):  # fmt: skip
            words.append(token)
        else:
            operands.append(token)
    return words, options, operands


def table(rows: list[list[str]]) -> str:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "".join("   ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() + "\n" for row in rows)


def stream(label: str, node: str) -> None:
    helper = subprocess.Popen([sys.executable, "-c", "import time\nwhile True: time.sleep(1)"])
    record("stream-started", helper=helper.pid)
    count = 0
    while True:
        count += 1
        print(f"{node}: {label} line {count}", flush=True)
        time.sleep(0.1)


def main() -> int:
    words, options, operands = parse(sys.argv[1:])
    record("call", words=words, options=options, operands=operands)
    nodes = ",".join(options.get("-n", []) + options.get("--nodes", [])).split(",")
    node = nodes[0] or "10.5.0.2"
    verb = " ".join(words)
    follow = any(k in options for k in ("-f", "--follow", "-w", "--watch"))
    dry_run = options.get("--dry-run", ["false"])[-1] != "false"
    if node == "fail.invalid":
        print(f'error getting version from node {node}: rpc error: code = Unavailable desc = connection error',
              file=sys.stderr)  # fmt: skip
        return 1
    if verb == "version":
        print("Client:\n\tTag:         v1.11.5\n\tSHA:         6f1f9a1c\n\tBuilt:       \n\tGo version:  go1.24.9\n"
              "\tOS/Arch:     linux/amd64")  # fmt: skip
        if "--client" not in options:
            print(f"Server:\n\tNODE:        {node}\n\tTag:         v1.11.5\n\tSHA:         6f1f9a1c\n\tBuilt:       \n"
                  "\tGo version:  go1.24.9\n\tOS/Arch:     linux/amd64\n\tEnabled:     RBAC")  # fmt: skip
    elif verb in ("get", "g"):
        kind = operands[0] if operands else "members"
        if follow:
            stream(f"get {kind}", node)
        print(table([["NODE", "NAMESPACE", "TYPE", "ID", "VERSION", "HOSTNAME", "MACHINE TYPE", "OS", "ADDRESSES"],
                     [node, "cluster", "Member", "talos-cp-1", "3", "talos-cp-1", "controlplane", "Talos (v1.11.5)",
                      f'["{node}"]']]), end="")  # fmt: skip
    elif verb == "etcd members":
        print(table([["NODE", "ID", "HOSTNAME", "PEER URLS", "CLIENT URLS", "LEARNER"],
                     [node, "3e0bd6f8a1f5c2d1", "talos-cp-1", f"https://{node}:2380", f"https://{node}:2379",
                      "false"]]), end="")  # fmt: skip
    elif verb == "etcd status":
        print(table([["NODE", "MEMBER", "DB SIZE", "IN USE", "LEADER", "RAFT INDEX", "RAFT TERM",
                      "RAFT APPLIED INDEX", "LEARNER", "PROTOCOL", "STORAGE", "ERRORS"],
                     [node, "3e0bd6f8a1f5c2d1", "21 MB", "9.4 MB (44.76%)", "3e0bd6f8a1f5c2d1", "4512", "2", "4512",
                      "false", "3.6.0", "3.6.0", ""]]), end="")  # fmt: skip
    elif verb in ("service", "services"):
        if len(operands) >= 2 and operands[1] in ("start", "stop", "restart"):
            print(table([["NODE", "RESPONSE"], [node, f"Service {operands[1]}ed"]]), end="")
        elif operands:
            print(table([["NODE", node], ["ID", operands[0]], ["STATE", "Running"], ["HEALTH", "OK"]]), end="")
        else:
            print(
                table(
                    [
                        ["NODE", "SERVICE", "STATE", "HEALTH", "LAST CHANGE", "LAST EVENT"],
                        [node, "apid", "Running", "OK", "2h1m ago", "Health check successful"],
                        [node, "etcd", "Running", "OK", "2h0m ago", "Health check successful"],
                        [node, "kubelet", "Running", "OK", "1h59m ago", "Health check successful"],
                    ]
                ),
                end="",
            )
    elif verb in ("logs", "dmesg", "events"):
        if follow or verb == "events":
            stream(verb, node)
        print(f"{node}: {verb} line 1\n{node}: {verb} line 2")
    elif verb == "health":
        print(f"discovered nodes: [\"{node}\"]\nwaiting for etcd to be healthy: ...\n"
              "waiting for etcd to be healthy: OK")  # fmt: skip
    elif verb in ("apply-config", "apply", "patch", "edit"):
        mode = {
            "no-reboot": "Applied configuration without a reboot",
            "staged": "Staged configuration to be applied after the next reboot",
        }.get((options.get("-m") or options.get("--mode") or ["auto"])[-1], "Applied configuration without a reboot")
        if dry_run:
            print(f"Dry run summary:\n{mode} (skipped in dry-run).\nConfig diff:\n\n(no changes)", file=sys.stderr)
        else:
            print(mode, file=sys.stderr)
    elif verb == "etcd snapshot":
        path = operands[0]
        Path(path).write_bytes(b"double etcd snapshot\n")
        print(f'etcd snapshot saved to "{path}" (21 bytes)\nsnapshot info: hash 1a2b3c4d, revision 4512, total '
              "keys 812, total size 21")  # fmt: skip
    elif verb == "kubeconfig":
        text = "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n"
        if operands and operands[0] != "-":
            Path(operands[0]).write_text(text)
        else:
            print(text, end="")
    elif verb in ("read", "cat"):
        print(f"contents of {operands[0] if operands else '?'} on {node}")
    elif verb in ("reboot", "shutdown", "reset", "upgrade", "rollback", "bootstrap"):
        print(f"watching nodes: [{node}]\n    * {node}: post check passed", file=sys.stderr)
    elif verb.startswith(("etcd ", "image ", "wipe ", "meta ")) or verb in ("restart", "upgrade-k8s", "rotate-ca"):
        print(f"{verb}: done on {node}")
    else:
        print(f'Error: unknown command "{(words or operands or ["?"])[0]}" for "talosctl"', file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
