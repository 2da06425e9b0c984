# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real parts for integration tests: an sshd on loopback, an operator ansible.cfg, and real ansible runs.

Nothing here is a double. The target is a real OpenSSH server with its own host key, reached with strict host-key
checking through a known_hosts file; ansible-playbook, ansible and ansible-runner run as subprocesses of the
installed package, exactly as an operator runs them. Because the "host" is this machine, refusal tests use
harmless payloads that leave a canary file, never real destruction.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent
SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def installed_collection() -> Path | None:
    """Where the pip-installed praxis.gatekeeper lives (the copy real ansible runs load)."""
    import site

    for base in site.getsitepackages():
        candidate = Path(base) / "ansible_collections" / "praxis" / "gatekeeper"
        if candidate.is_dir():
            return candidate
    return None


def stale_install_files() -> list[str]:
    """Files whose installed copy differs from the working tree (tests must exercise this tree)."""
    installed = installed_collection()
    if installed is None:
        return ["<praxis.gatekeeper is not pip-installed>"]
    stale: list[str] = []
    # roles/ too: the molecule scenarios (test_roles.py) apply the installed roles, not the working tree's.
    sources = [*(REPO_ROOT / "plugins").rglob("*"), *(REPO_ROOT / "roles").rglob("*"), *(REPO_ROOT / "meta").rglob("*")]
    for source in sorted(sources):
        if source.is_file() and "__pycache__" not in source.parts and "molecule" not in source.parts:
            target = installed / source.relative_to(REPO_ROOT)
            if not target.is_file() or _digest(target) != _digest(source):
                stale.append(str(source.relative_to(REPO_ROOT)))
    boot = installed.parents[2] / "_praxis_gatekeeper_boot.py"
    if not boot.is_file() or _digest(boot) != _digest(REPO_ROOT / "boot" / "_praxis_gatekeeper_boot.py"):
        stale.append("boot/_praxis_gatekeeper_boot.py")
    return stale


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def foreign_ansible(root: Path) -> Path:
    """An environment of its own with only ansible-core in it (and ansible-core's own dependencies): no
    praxis-gatekeeper package, no start-up hook, none of the gate's Python requirements. What a distribution package,
    a pipx install or another team's virtualenv gives. Built in a second: a venv without pip whose site-packages
    links to the distributions this interpreter already has. Returns its bin directory (ansible-playbook, ansible).
    """
    import re
    from importlib import metadata

    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    version = f"python{sys.version_info[0]}.{sys.version_info[1]}"
    site_packages = root / "lib" / version / "site-packages"
    seen: dict[str, Any] = {}

    def closure(name: str) -> None:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            return
        key = str(dist.metadata["Name"]).lower()
        if key in seen:
            return
        seen[key] = dist
        for requirement in dist.requires or []:
            if "extra ==" not in requirement:
                closure(re.split(r"[<>=!~;\[ (]", requirement, maxsplit=1)[0])

    closure("ansible-core")
    for dist in seen.values():
        for top in {Path(str(f)).parts[0] for f in dist.files or [] if not str(f).startswith("..")}:
            source = Path(str(dist.locate_file(top)))
            if source.exists() and not (site_packages / top).exists():
                (site_packages / top).symlink_to(source)
    bin_dir = root / "bin"
    for program, module in (("ansible-playbook", "playbook"), ("ansible", "adhoc")):
        script = bin_dir / program
        script.write_text(f"#!{bin_dir / 'python'}\nimport sys\nfrom ansible.cli.{module} import main\n"
                          "sys.exit(main())\n")  # fmt: skip
        script.chmod(0o755)
    return bin_dir


def write_sshd_config(root: Path, *, address: str, port: int, host_key: Path, authorized: Path) -> Path:
    """The sshd_config of every test and benchmark host: key-only logins, no PAM, quiet, room for many sessions."""
    config = root / "sshd_config"
    config.write_text(
        textwrap.dedent(
            f"""\
            ListenAddress {address}
            Port {port}
            HostKey {host_key}
            PidFile {root / "sshd.pid"}
            AuthorizedKeysFile {authorized}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            PubkeyAuthentication yes
            PermitRootLogin yes
            UsePAM no
            StrictModes no
            MaxStartups 100:30:200
            MaxSessions 100
            LogLevel ERROR
            Subsystem sftp internal-sftp
            """
        )
    )
    return config


@dataclass
class SshTarget:
    """One sshd on 127.0.0.1 with a fresh host key and a client key authorised for the current user."""

    root: Path
    port: int
    client_key: Path
    known_hosts: Path
    address: str = "127.0.0.1"
    process: subprocess.Popen[bytes] | None = None

    @classmethod
    @contextlib.contextmanager
    def start(cls, root: Path, *, address: str = "127.0.0.1", netns: str | None = None) -> Iterator[SshTarget]:
        root.mkdir(parents=True, exist_ok=True)
        host_key = root / "ssh_host_ed25519_key"
        client_key = root / "client_ed25519"
        for key in (host_key, client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
        authorized = root / "authorized_keys"
        shutil.copy(client_key.with_suffix(".pub"), authorized)
        port = 22 if netns else free_port()
        config = write_sshd_config(root, address=address, port=port, host_key=host_key, authorized=authorized)
        Path("/run/sshd").mkdir(parents=True, exist_ok=True)
        command = [SSHD, "-D", "-e", "-f", str(config)]
        if netns:
            command = ["ip", "netns", "exec", netns, *command]
        log = (root / "sshd.log").open("wb")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        public = host_key.with_suffix(".pub").read_text().split()
        known_hosts = root / "known_hosts"
        host_entry = address if port == 22 else f"[{address}]:{port}"
        known_hosts.write_text(f"{host_entry} {public[0]} {public[1]}\n")
        target = cls(root=root, port=port, client_key=client_key, known_hosts=known_hosts, address=address,
                     process=process)  # fmt: skip
        try:
            target.wait_ready(netns=netns)
            yield target
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
            log.close()

    def wait_ready(self, *, netns: str | None = None, timeout: float = 15.0) -> None:
        wait_for_sshd(self.process, self.root / "sshd.log", self.address, self.port, netns=netns, timeout=timeout)


def wait_for_sshd(
    process: subprocess.Popen[bytes] | None,
    log_path: Path,
    address: str,
    port: int,
    *,
    netns: str | None = None,
    timeout: float = 15.0,
    label: str = "sshd",
) -> None:
    """Until a TCP connection to ``address:port`` succeeds (from ``netns`` when given); fail with sshd's own log
    if it exits first. Shared by the integration tests and the benchmark's network lab."""
    deadline = time.monotonic() + timeout
    probe = [sys.executable, "-c", f"import socket; socket.create_connection(('{address}', {port}), 1).close()"]
    if netns:
        probe = ["ip", "netns", "exec", netns, *probe]
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{label} exited: {log_path.read_text()[-2000:]}")
        if subprocess.run(probe, check=False, capture_output=True).returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError(f"{label} on {address}:{port} did not start")


@dataclass
class RunResult:
    rc: int
    stdout: str
    stderr: str
    records: list[dict[str, Any]] = field(default_factory=list)

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def decisions(self, **match: Any) -> list[dict[str, Any]]:
        return [
            r for r in self.records if r.get("event") == "decision" and all(r.get(k) == v for k, v in match.items())
        ]

    def events(self, event: str) -> list[dict[str, Any]]:
        return [r for r in self.records if r.get("event") == event]


_OPEN_LABS: list[AnsibleLab] = []


def close_labs() -> None:
    """Close every lab opened since the last call (the integration conftest calls this after each test)."""
    while _OPEN_LABS:
        _OPEN_LABS.pop().close()


@dataclass
class AnsibleLab:
    """An operator's controller setup around one or more SSH targets: ansible.cfg, inventory, state dir.

    The SSH control sockets live in a short directory under /tmp (a socket path must fit in 108 bytes, which a
    pytest temporary directory does not): ``close`` ends the control masters the runs left (ControlPersist would
    keep them for a minute) and removes that directory, so a test leaves neither processes nor files behind."""

    root: Path
    targets: Mapping[str, SshTarget]
    mode: str = "guarded"
    extra_cfg: str = ""
    env_overrides: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.state_dir = self.root / "state"
        self.config_dir = self.root / "operator"
        self.config_dir.mkdir(exist_ok=True)
        self.control_dir = Path(tempfile.mkdtemp(prefix="pxcp-", dir="/tmp"))
        _OPEN_LABS.append(self)
        self.inventory = self.config_dir / "inventory.ini"
        lines = ["[targets]"]
        for name, target in self.targets.items():
            lines.append(
                f"{name} ansible_host={target.address} ansible_port={target.port} "
                f"ansible_ssh_private_key_file={target.client_key} ansible_user={os.environ.get('USER', 'root')}"
            )
        known = " ".join(str(t.known_hosts) for t in self.targets.values())
        self.inventory.write_text("\n".join(lines) + "\n")
        ssh_args = " ".join(
            (
                "-o ControlMaster=auto -o ControlPersist=60s",
                f'-o UserKnownHostsFile="{known}"',
                "-o StrictHostKeyChecking=yes",
            )
        )
        self.config = self.config_dir / "ansible.cfg"
        self.config.write_text(
            textwrap.dedent(
                f"""\
                [defaults]
                inventory = {self.inventory}
                callbacks_enabled = praxis.gatekeeper.gate
                host_key_checking = True
                retry_files_enabled = False
                interpreter_python = {sys.executable}
                forks = 5
                local_tmp = {self.root / "ansible-local"}
                nocolor = True

                [ssh_connection]
                pipelining = True
                ssh_args = {ssh_args}
                control_path_dir = {self.control_dir}

                {self.extra_cfg}
                """
            )
        )

    def close(self) -> None:
        if not self.control_dir.is_dir():
            return
        for sock in self.control_dir.iterdir():
            if sock.is_socket():
                subprocess.run(["ssh", "-o", f"ControlPath={sock}", "-O", "exit", "placeholder"],
                               capture_output=True, timeout=10, check=False)  # fmt: skip
        shutil.rmtree(self.control_dir, ignore_errors=True)

    def allow_commands(self, *patterns: str) -> None:
        """An operator policy pinning these command lines to T0 (so tests can run them without approvals)."""
        policy = self.config_dir / "policy.yml"
        policy.write_text("version: 1\ncommand_allowlist:\n" + "".join(f"  - {p!r}\n" for p in patterns))
        self.env_overrides["PRAXIS_POLICY"] = str(policy)

    def env(self, **overrides: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_"))}
        env.update(
            # This interpreter's programs first: ansible-runner starts whichever ansible-playbook PATH finds.
            PATH=os.pathsep.join([str(BIN_DIR), env.get("PATH", "")]),
            ANSIBLE_CONFIG=str(self.config),
            PRAXIS_STATE_DIR=str(self.state_dir),
            PRAXIS_GATE="enforce",
            PRAXIS_MODE=self.mode,
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_FORCE_COLOR="0",
            PYTHONDONTWRITEBYTECODE="1",
        )
        env.update(self.env_overrides)
        env.update(overrides)
        return {k: v for k, v in env.items() if v is not None}

    def audit_records(self) -> list[dict[str, Any]]:
        path = self.state_dir / "audit.jsonl"
        if not path.exists():
            return []
        records = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                records.append(json.loads(line))
        return records

    def run(
        self,
        program: str,
        args: Sequence[str],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 300,
    ) -> RunResult:
        before = len(self.audit_records())
        executable = BIN_DIR / program
        completed = subprocess.run(
            [str(executable), *args],
            check=False,
            cwd=str(cwd or self.root),
            env=self.env(**(env or {})),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        return RunResult(completed.returncode, completed.stdout, completed.stderr, self.audit_records()[before:])

    def playbook(
        self,
        text: str,
        *,
        name: str = "play.yml",
        directory: Path | None = None,
        args: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        files: Mapping[str, str] | None = None,
    ) -> RunResult:
        """Write ``text`` as a playbook (plus any ``files`` beside it) and run ansible-playbook on it."""
        directory = directory or Path(tempfile.mkdtemp(prefix="play-", dir=self.root))
        directory.mkdir(parents=True, exist_ok=True)
        for relative, content in (files or {}).items():
            path = directory / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(content))
        path = directory / name
        path.write_text(textwrap.dedent(text))
        return self.run("ansible-playbook", [str(path), *args], cwd=directory, env=env)

    def adhoc(self, pattern: str, module: str, module_args: str, *, env: Mapping[str, str] | None = None,
              args: Sequence[str] = ()) -> RunResult:  # fmt: skip
        return self.run("ansible", [pattern, "-m", module, "-a", module_args, *args], env=env)
