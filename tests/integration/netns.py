# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Hosts of their own for role tests: network namespaces, one sshd per host, and a controller namespace.

    <prefix>-br    a bridge namespace holding br0 and one veth end per node
    <prefix>-ctl   the controller namespace, where ansible (molecule) runs through ``ip netns exec``: 10.77.0.2
    <prefix>-hN    one namespace per host, with its own sshd and host key on 10.77.0.(N+2):22

The addresses exist only inside these namespaces, so concurrent labs (other tests, other checkouts) never clash, and
nothing in them reaches the network: software reaches a host the way it reaches an air-gapped one, from files.
Namespaces isolate the network only; every host shares this machine's filesystem and accounts, so tests keep what
their roles write under a temporary directory. ``close()`` ends the sshd process groups, anything left running in the
namespaces (ssh ControlMaster processes), and deletes the namespaces.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .harness import SSHD, wait_for_sshd, write_sshd_config

SUBNET = "10.77.0"
_COUNTER = itertools.count(1)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


@dataclass
class NetnsHost:
    name: str
    netns: str
    address: str
    root: Path
    process: subprocess.Popen[bytes] | None = None
    host_key_pub: str = ""


@dataclass
class NetnsLab:
    """Build with ``NetnsLab.start(root, ["controller", "workstation"])`` (a context manager)."""

    root: Path
    prefix: str
    hosts: dict[str, NetnsHost] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)
    client_key: Path = Path()
    known_hosts: Path = Path()

    @property
    def controller_ns(self) -> str:
        return f"{self.prefix}-ctl"

    @classmethod
    @contextlib.contextmanager
    def start(cls, root: Path, names: Sequence[str]) -> Iterator[NetnsLab]:
        if os.geteuid() != 0:
            raise RuntimeError("network namespaces need root")
        lab = cls(root=root, prefix=f"pxr{os.getpid()}n{next(_COUNTER)}")
        try:
            lab._build(names)
            yield lab
        finally:
            lab.close()

    def _add_ns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _build(self, names: Sequence[str]) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        bridge = f"{self.prefix}-br"
        self._add_ns(bridge)
        _ip("-n", bridge, "link", "add", "br0", "type", "bridge")
        _ip("-n", bridge, "link", "set", "br0", "up")
        nodes = [self.controller_ns] + [f"{self.prefix}-h{i}" for i in range(1, len(names) + 1)]
        for index, netns in enumerate(nodes, start=1):
            self._add_ns(netns)
            _ip("-n", bridge, "link", "add", f"p{index}", "type", "veth", "peer", "name", "eth0", "netns", netns)
            _ip("-n", bridge, "link", "set", f"p{index}", "master", "br0", "up")
            _ip("-n", netns, "addr", "add", f"{SUBNET}.{index + 1}/24", "dev", "eth0")
            _ip("-n", netns, "link", "set", "eth0", "up")
        self.client_key = self.root / "client_ed25519"
        _keygen(self.client_key)
        authorized = self.root / "authorized_keys"
        authorized.write_text(self.client_key.with_suffix(".pub").read_text())
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        for number, name in enumerate(names, start=1):
            host = NetnsHost(name, f"{self.prefix}-h{number}", f"{SUBNET}.{number + 2}", self.root / name)
            self._start_sshd(host, authorized)
            self.hosts[name] = host
        self.known_hosts = self.root / "known_hosts"
        self.known_hosts.write_text("".join(f"{h.address} {h.host_key_pub}\n" for h in self.hosts.values()))
        for host in self.hosts.values():
            wait_for_sshd(host.process, host.root / "sshd.log", host.address, 22, netns=self.controller_ns,
                          label=f"sshd for {host.name}")  # fmt: skip

    def _start_sshd(self, host: NetnsHost, authorized: Path) -> None:
        host.root.mkdir(parents=True, exist_ok=True)
        host_key = host.root / "ssh_host_ed25519_key"
        _keygen(host_key)
        host.host_key_pub = " ".join(host_key.with_suffix(".pub").read_text().split()[:2])
        config = write_sshd_config(host.root, address=host.address, port=22, host_key=host_key, authorized=authorized)
        with (host.root / "sshd.log").open("wb") as log:
            host.process = subprocess.Popen(
                ["ip", "netns", "exec", host.netns, SSHD, "-D", "-e", "-f", str(config)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip

    def exec_prefix(self) -> list[str]:
        """Prefix a command with this so it runs in the controller namespace."""
        return ["ip", "netns", "exec", self.controller_ns]

    def close(self) -> None:
        for host in self.hosts.values():
            if host.process is not None and host.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(host.process.pid, signal.SIGTERM)
                try:
                    host.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(host.process.pid, signal.SIGKILL)
                    host.process.wait(timeout=10)
        # Whatever still runs inside our namespaces was started by this lab's tests (ssh masters, sshd children).
        for netns in self.namespaces:
            for pid in _ip("netns", "pids", netns, check=False).stdout.split():
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGTERM)
        if self.namespaces:
            time.sleep(0.1)
        for netns in reversed(self.namespaces):
            _ip("netns", "del", netns, check=False)
        self.namespaces = []
        self.hosts = {}
