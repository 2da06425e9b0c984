# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""praxis.gatekeeper.ssh's checks and hardening, on the connection's own options (the integration tests run the
same against a real sshd): what is refused, what comes first on the command line, and where it goes."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.actuation import (
    SSH_CONNECT_TIMEOUT_MAX,
    SshRefused,
    harden_ssh_command,
    ssh_hardening,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import killswitch


class FakeSsh:
    """The options praxis.gatekeeper.ssh reads, as its config manager would answer them."""

    def __init__(self, **options: Any) -> None:
        self.options = {"host": "192.0.2.10", "port": 22, "remote_user": "deploy", "timeout": 10,
                        "host_type": "linux", **options}  # fmt: skip
        self._play_context = SimpleNamespace(remote_addr=self.options["host"])

    def get_option(self, name: str) -> Any:
        return self.options[name]

    def get_options(self) -> dict[str, Any]:
        return dict(self.options)


@pytest.fixture
def operator(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("PRAXIS_SSH_KNOWN_HOSTS", "PRAXIS_SSH_ACCEPT_NEW", "PRAXIS_MODE", "ANSIBLE_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PRAXIS_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    return tmp_path


def options_of(hardening: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in hardening[1::2])


def test_the_hardening_options(operator: Path) -> None:
    options = options_of(ssh_hardening(FakeSsh()))
    assert options == {"BatchMode": "yes", "StrictHostKeyChecking": "yes", "ConnectTimeout": "10",
                       "UpdateHostKeys": "no", "PermitLocalCommand": "no"}  # fmt: skip


@pytest.mark.parametrize(("timeout", "expected"), [(5, "5"), (600, str(SSH_CONNECT_TIMEOUT_MAX)), (0, "10"),
                                                   (-3, "10"), ("x", "10"), (None, "10")])  # fmt: skip
def test_the_connect_timeout_is_bounded(operator: Path, timeout: Any, expected: str) -> None:
    assert options_of(ssh_hardening(FakeSsh(timeout=timeout)))["ConnectTimeout"] == expected


def test_the_operators_known_hosts_and_accept_new_hosts(operator: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PRAXIS_SSH_KNOWN_HOSTS", str(operator / "kh"))
    monkeypatch.setenv("PRAXIS_SSH_ACCEPT_NEW", "192.0.2.*,web9")
    options = options_of(ssh_hardening(FakeSsh()))
    assert options["UserKnownHostsFile"] == f'"{operator / "kh"}"' and options["GlobalKnownHostsFile"] == "/dev/null"
    assert options["StrictHostKeyChecking"] == "accept-new"
    assert options_of(ssh_hardening(FakeSsh(host="198.51.100.1")))["StrictHostKeyChecking"] == "yes"


@pytest.mark.parametrize(
    "options",
    [
        {"host": "-oProxyCommand=touch /tmp/x"},
        {"host": "192.0.2.10 -oProxyCommand=x"},
        {"host": "a\nb"},
        {"port": "22 -oProxyCommand=x"},
        {"remote_user": "-oProxyCommand=x"},
        {"remote_user": 'a" -o"x'},
        {"host_type": "talos"},
        {"host_type": " Talos "},
        {"ssh_common_args": "-o ProxyCommand=x"},
        {"ssh_extra_args": "-o StrictHostKeyChecking=no"},
        {"host_key_checking": False},
        {"proxy_command": "nc %h"},
    ],
)
def test_refusals(operator: Path, options: dict[str, Any]) -> None:
    with pytest.raises(SshRefused, match=r"praxis\.gatekeeper\.ssh refused"):
        ssh_hardening(FakeSsh(**options))


def test_the_emergency_stop_refuses_every_command(operator: Path) -> None:
    killswitch.trip(operator / "state" / "emergency-stop", reason="test", principal="tester")
    with pytest.raises(SshRefused, match="emergency stop"):
        ssh_hardening(FakeSsh())


@pytest.mark.parametrize(
    ("command", "binary", "expected"),
    [([b"ssh", b"-C", b"host"], "ssh", [b"ssh", b"-o", b"BatchMode=yes", b"-C", b"host"]),
     ([b"sshpass", b"-d12", b"ssh", b"host"], "ssh", [b"sshpass", b"-d12", b"ssh", b"-o", b"BatchMode=yes", b"host"]),
     ([b"sftp", b"-b", b"-", b"host"], "sftp", [b"sftp", b"-o", b"BatchMode=yes", b"-b", b"-", b"host"])],
)  # fmt: skip
def test_the_hardening_comes_first(command: list[bytes], binary: str, expected: list[bytes]) -> None:
    assert harden_ssh_command(command, binary, ["-o", "BatchMode=yes"]) == expected
