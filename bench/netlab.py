# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A private network of SSH hosts for the benchmark: network namespaces, one sshd per host, a controller namespace.

Layout (names carry a prefix with this process's pid, so concurrent runs never clash):

    <prefix>-br    a bridge namespace holding br0 and one veth end per node
    <prefix>-ctl   the controller namespace: ansible-playbook runs here (``ip netns exec``), 10.77.0.2
    <prefix>-hN    one namespace per host, each with its own sshd on 10.77.0.(N+2):22

The addresses exist only inside the namespaces. Each sshd has its own host key; the client trusts exactly those keys
through a known_hosts file (strict host-key checking, as the gate requires). Everything is torn down by ``close()``
(also on SIGTERM/SIGINT and at interpreter exit): the sshd process groups, any process left in the controller
namespace (ssh ControlMaster processes), then the namespaces.

Namespaces isolate the network only: every "host" shares this machine's filesystem, so the benchmark playbook
writes below a per-host directory in a private temporary folder.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

from _common import log, which

from tests.integration.harness import wait_for_sshd, write_sshd_config

SUBNET = "10.77.0"


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["ip", *args], capture_output=True, text=True, check=check)


@dataclass
class Host:
    name: str
    netns: str
    address: str
    root: Path
    process: subprocess.Popen[bytes] | None = None
    host_key_pub: str = ""


@dataclass
class NetLab:
    """Build with ``NetLab.create(root, hosts=3)``; always ``close()`` (or use it as a context manager)."""

    root: Path
    prefix: str
    hosts: list[Host] = field(default_factory=list)
    namespaces: list[str] = field(default_factory=list)
    client_key: Path = Path()
    known_hosts: Path = Path()
    netns_etc: list[Path] = field(default_factory=list)  # /etc/netns/<name> directories made here, removed on close
    _closed: bool = False

    @property
    def controller_ns(self) -> str:
        return f"{self.prefix}-ctl"

    # ------------------------------------------------------------------------------------------------ build
    @classmethod
    def create(cls, root: Path, *, hosts: int = 3) -> NetLab:
        if os.geteuid() != 0:
            raise SystemExit("the end-to-end benchmark needs root (network namespaces, sshd on port 22)")
        for tool in ("ip", "sshd", "ssh", "ssh-keygen"):
            if not which(tool):
                raise SystemExit(f"{tool} is missing: run bench/setup (apt-get install openssh-server iproute2)")
        lab = cls(root=root, prefix=f"pxb{os.getpid()}")
        lab._install_cleanup()
        started = time.perf_counter()
        try:
            lab._build(hosts)
        except BaseException:
            lab.close()
            raise
        log(f"network lab {lab.prefix}: {hosts} hosts with sshd ready in {time.perf_counter() - started:.1f} s")
        return lab

    def _install_cleanup(self) -> None:
        atexit.register(self.close)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            previous = signal.getsignal(sig)

            def handler(signum: int, frame: object, previous: object = previous) -> None:
                self.close()
                if callable(previous) and previous not in (signal.SIG_IGN, signal.SIG_DFL):
                    previous(signum, frame)
                raise SystemExit(128 + signum)

            signal.signal(sig, handler)

    def _add_ns(self, name: str) -> None:
        _ip("netns", "add", name)
        self.namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def _build(self, count: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        bridge = f"{self.prefix}-br"
        self._add_ns(bridge)
        _ip("-n", bridge, "link", "add", "br0", "type", "bridge")
        _ip("-n", bridge, "link", "set", "br0", "up")
        nodes = [self.controller_ns] + [f"{self.prefix}-h{i}" for i in range(1, count + 1)]
        for index, netns in enumerate(nodes, start=1):
            self._add_ns(netns)
            port = f"p{index}"
            _ip("-n", bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", netns)
            _ip("-n", bridge, "link", "set", port, "master", "br0", "up")
            _ip("-n", netns, "addr", "add", f"{SUBNET}.{index + 1}/24", "dev", "eth0")
            _ip("-n", netns, "link", "set", "eth0", "up")
        self.client_key = self.root / "client_ed25519"
        _keygen(self.client_key)
        authorized = self.root / "authorized_keys"
        authorized.write_text(self.client_key.with_suffix(".pub").read_text())
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        for i in range(1, count + 1):
            host = Host(f"host{i}", f"{self.prefix}-h{i}", f"{SUBNET}.{i + 2}", self.root / f"host{i}")
            self._start_sshd(host, authorized)
            self.hosts.append(host)
        self.known_hosts = self.root / "known_hosts"
        self.known_hosts.write_text("".join(f"{h.address} {h.host_key_pub}\n" for h in self.hosts))
        for host in self.hosts:
            self._wait_ready(host)

    def _start_sshd(self, host: Host, authorized: Path) -> None:
        host.root.mkdir(parents=True, exist_ok=True)
        host_key = host.root / "ssh_host_ed25519_key"
        _keygen(host_key)
        host.host_key_pub = " ".join(host_key.with_suffix(".pub").read_text().split()[:2])
        config = write_sshd_config(host.root, address=host.address, port=22, host_key=host_key, authorized=authorized)
        self._fresh_home(host)
        log_file = (host.root / "sshd.log").open("wb")
        host.process = subprocess.Popen(
            ["ip", "netns", "exec", host.netns, str(which("sshd")), "-D", "-e", "-f", str(config)],
            stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        log_file.close()

    def _fresh_home(self, host: Host) -> None:
        """Give the host's login account an empty home directory, as on a freshly installed host.

        Why: every host of the lab shares this machine's accounts, and sshd runs each session's command through the
        account's shell, which for a command from sshd reads ``~/.bashrc``. The controller machine's own root
        dotfiles (here a pyenv set-up that forks some twenty processes) would then run in every SSH session of
        every task and host: about 0.1 s of CPU per task and host that no fleet host pays, which would inflate the
        ungated baseline the gate is compared against. ``ip netns exec`` bind-mounts ``/etc/netns/<name>/<file>``
        over ``/etc/<file>`` for what it starts, so the host's sshd alone reads a copy of ``/etc/passwd`` whose
        home directories point at the host's own empty one."""
        home = host.root / "home"
        home.mkdir(mode=0o700, exist_ok=True)
        etc = Path("/etc/netns") / host.netns
        if not etc.parent.exists():
            etc.parent.mkdir(mode=0o755)
            self.netns_etc.append(etc.parent)  # ours: removed last, after the hosts' directories in it
        etc.mkdir()
        self.netns_etc.insert(0, etc)
        lines = []
        for line in Path("/etc/passwd").read_text().splitlines():
            fields = line.split(":")
            if len(fields) == 7:
                fields[5] = str(home)
            lines.append(":".join(fields))
        (etc / "passwd").write_text("\n".join(lines) + "\n")

    def _wait_ready(self, host: Host, timeout: float = 15.0) -> None:
        wait_for_sshd(host.process, host.root / "sshd.log", host.address, 22, netns=self.controller_ns,
                      timeout=timeout, label=f"sshd for {host.name}")  # fmt: skip

    # ------------------------------------------------------------------------------------------------ use
    def netns_exec(self, command: list[str]) -> list[str]:
        """Prefix ``command`` so it runs in the controller namespace."""
        return ["ip", "netns", "exec", self.controller_ns, *command]

    def close_control_masters(self, control_dir: Path) -> None:
        """End the ssh ControlMaster processes a run left behind (they would otherwise linger ControlPersist)."""
        if not control_dir.is_dir():
            return
        for sock in control_dir.iterdir():
            if sock.is_socket():
                subprocess.run(
                    ["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "placeholder"],
                    check=False, capture_output=True, timeout=10,
                )  # fmt: skip

    # ------------------------------------------------------------------------------------------------ teardown
    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for host in self.hosts:
            if host.process is not None and host.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(host.process.pid, signal.SIGTERM)
                try:
                    host.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(host.process.pid, signal.SIGKILL)
                    host.process.wait(timeout=10)
        # Whatever still runs inside our namespaces was started by this benchmark (ssh masters, sshd children).
        for netns in self.namespaces:
            pids = _ip("netns", "pids", netns, check=False).stdout.split()
            for pid in pids:
                with contextlib.suppress(ProcessLookupError, ValueError):
                    os.kill(int(pid), signal.SIGTERM)
        for netns in reversed(self.namespaces):
            _ip("netns", "del", netns, check=False)
        self.namespaces = []
        for etc in self.netns_etc:
            shutil.rmtree(etc, ignore_errors=True)
        self.netns_etc = []

    def __enter__(self) -> NetLab:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
