# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection, shell and become options: every way to run something on the controller (or to stop verifying the
host) through options a task's arguments do not show must be refused; ordinary settings must not be."""

from __future__ import annotations

from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _connopts
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._connopts import (
    ALLOWED_CONNECTIONS,
    CONNOPTS_DATA,
    HOST_KEY,
    INJECTION,
    PLUGIN,
    TALOS,
    connection_findings,
)
from hypothesis import given, settings
from hypothesis import strategies as st

BENIGN_SSH_ARGS = (
    '-C -o ControlMaster=auto -o ControlPersist=60s -o UserKnownHostsFile="/tmp/kh" -o StrictHostKeyChecking=yes'
)


def _findings(connection: str = "ssh", host_type: str = "ssh", **options: Any) -> list[Any]:
    return connection_findings(connection=connection, host_type=host_type, options=options)


def _rules(findings: list[Any]) -> set[str]:
    return {f.rule for f in findings}


def _refused(rule: str = INJECTION, **options: Any) -> list[Any]:
    findings = _findings(**options)
    assert findings, f"not refused: {options}"
    assert rule in _rules(findings), findings
    for finding in findings:
        assert finding.rule.startswith("deny.")
        assert finding.reason
    return findings


# ------------------------------------------------------------------------------------------------ benign
def test_benign_default_config_has_no_findings() -> None:
    options = {
        "ssh_args": BENIGN_SSH_ARGS,
        "ssh_common_args": "-o ProxyJump=bastion.example.com",
        "ssh_extra_args": "",
        "host": "web01.example.com",
        "port": 22,
        "remote_user": "deploy",
        "host_key_checking": True,
        "private_key_file": "~/.ssh/id_ed25519",
        "control_path": "%(directory)s/%%h-%%r",
        "control_path_dir": "~/.ansible/cp",
        "ssh_transfer_method": "smart",
        "ssh_executable": "ssh",
        "scp_executable": "scp",
        "sftp_executable": "/usr/bin/sftp",
        "become_user": "root",
        "become_exe": "sudo",
        "become_flags": "-H -S -n",
        "remote_tmp": "~/.ansible/tmp",
        "async_dir": "~/.ansible_async",
        "executable": "/bin/sh",
        "python_interpreter": "auto_silent",
        "pkcs11_provider": "",
        "proxy_command": "",
    }
    assert connection_findings(connection="ansible.builtin.ssh", host_type="ssh", options=options) == []


@pytest.mark.parametrize(
    "args",
    [
        BENIGN_SSH_ARGS,
        "-o ProxyJump=bastion",
        "-J deploy@bastion.example.com:2222",
        "-o ProxyJump=jump1,deploy@jump2:22",
        "-o ProxyJump=ssh://deploy@bastion:2222",
        "-o ProxyJump=[2001:db8::1]:22",
        "-o ProxyJump=none",
        "-F /dev/null",
        "-F/dev/null",
        "-Co ControlMaster=auto",
        "-p22",
        "-vvv -4 -q",
        "-o Port=2222 -o ConnectTimeout=10 -o ServerAliveInterval=30 -o ServerAliveCountMax=3",
        "-o IdentitiesOnly=yes -i ~/.ssh/id_ed25519",
        "-o PreferredAuthentications=publickey -o PasswordAuthentication=no -o BatchMode=yes",
        "-o KexAlgorithms=curve25519-sha256 -o Ciphers=aes256-gcm@openssh.com -o MACs=hmac-sha2-512-etm@openssh.com",
        "-o ForwardAgent=no -o ForwardX11=no -o ClearAllForwardings=yes -x -a -k",
        "-o 'GlobalKnownHostsFile=/etc/ssh/ssh_known_hosts /etc/ssh/extra_known_hosts'",
        "-o SendEnv=LANG -o SendEnv='LC_*'",
        "-o StrictHostKeyChecking=YES",
        "-o controlpath=/tmp/cp-%C",
        "-o ControlPersist=yes",
        "-o LogLevel=ERROR",
        "-o RequestTTY=no",
    ],
)
def test_benign_ssh_args(args: str) -> None:
    assert _findings(ssh_args=args) == []
    assert _findings(ssh_extra_args=args, connection="paramiko_ssh") == []


@pytest.mark.parametrize(
    "interpreter", ["/usr/bin/env python3", "auto_silent", "auto", "/usr/bin/python3.11", "python3"]
)
def test_benign_interpreters(interpreter: str) -> None:
    assert _findings(python_interpreter=interpreter) == []


@pytest.mark.parametrize(
    "host", ["web01", "web-01.example.com", "10.0.0.1", "2001:db8::1", "[2001:db8::1]", "fe80::1%eth0"]
)
def test_benign_hosts(host: str) -> None:
    assert _findings(host=host) == []


@pytest.mark.parametrize(
    "connection",
    ["ssh", "ansible.builtin.ssh", "ansible.legacy.ssh", "local", "ansible.builtin.local", "paramiko_ssh",
     "ansible.legacy.paramiko_ssh"],
)  # fmt: skip
def test_allowed_connection_plugins(connection: str) -> None:
    assert _findings(connection=connection) == []


def test_local_connection_ignores_ssh_only_options() -> None:
    # The local plugin never runs ssh, so ssh options cannot inject anything there.
    assert _findings(connection="local", ssh_args="-o ProxyCommand=evil") == []
    # ...but shell and become options still matter.
    _refused(connection="local", become_flags="-H; id")


# ------------------------------------------------------------------------------------------------ ssh options
PROXY_COMMAND_FORMS = [
    "-o ProxyCommand=nc %h %p",
    "-oProxyCommand=nc %h %p",
    "-o ProxyCommand nc %h %p",
    '-o "ProxyCommand nc %h %p"',
    "-o 'ProxyCommand=sh -c id'",
    "-o proxycommand=id",
    "-o PROXYCOMMAND=id",
    "-o PrOxYcOmMaNd=id",
    '-o " ProxyCommand = id"',
    "-o\tProxyCommand=id",
    "-o ProxyCommand\t=id",
    "-Co ProxyCommand=id",
    "-vo ProxyCommand=id",
    "-CoProxyCommand=id",
    "-o ControlMaster=auto -o ProxyCommand=id",
    "-o ProxyUseFdpass=yes -o ProxyCommand=id",
]


@pytest.mark.parametrize("args", PROXY_COMMAND_FORMS)
@pytest.mark.parametrize(
    "option", ["ssh_args", "ssh_common_args", "ssh_extra_args", "scp_extra_args", "sftp_extra_args"]
)
def test_proxy_command_in_any_form_and_any_option(option: str, args: str) -> None:
    _refused(**{option: args})


@pytest.mark.parametrize(
    "args",
    [
        "-o LocalCommand=id -o PermitLocalCommand=yes",
        "-o PermitLocalCommand=yes",
        "-o LocalCommand=id",
        "-o KnownHostsCommand=/tmp/x %H",
        '-o "Match exec id"',
        "-o Match=exec\\ id",
        "-o Include=/tmp/evil_config",
        "-o PKCS11Provider=/tmp/evil.so",
        "-o SecurityKeyProvider=/tmp/evil.so",
        "-o RemoteCommand=id",
        "-o SetEnv=LD_PRELOAD=/tmp/x.so",
        "-o LocalForward=8080:localhost:80",
        "-o RemoteForward=9000:localhost:22",
        "-o DynamicForward=1080",
        "-o Tunnel=yes",
        "-o ControlMaster=auto -o Hostname=evil.example.com",
        "-o ForwardAgent=yes",
        "-o ForwardX11=yes",
        "-o ForwardX11Trusted=yes",
        "-o GSSAPIDelegateCredentials=yes",
        "-o StreamLocalBindUnlink=yes",
        "-o SendEnv=*",
        "-o SendEnv=AWS_SECRET_ACCESS_KEY",
        "-o 'SendEnv=LANG AWS_*'",
        "-o User=root;id",
        "-o 'User=$(id)'",
        "-o ProxyJump=-oProxyCommand=id",
        "-o ProxyJump=$(id)@bastion",
        "-o 'ProxyJump=`id`@bastion'",
        "-o ProxyJump=bastion;id",
        "-o ProxyJump=bastion:22;id",
        "-o ProxyJump=bastion:abc",
        "-o ProxyJump=bastion:",
        "-o ProxyJump=[::1",
        "-o IdentityFile=/tmp/%d;id",
        "-o ControlPath=/tmp/$(id)",
        "-o Port=22abc",
        "-o Port=\u0662\u0662",
        "-o ConnectTimeout=-1",
        "-o ControlPersist=forever;id",
        "-o BatchMode=maybe",
        "-o unknownoption=1",
        "-o",
        "-o ''",
        "-o =yes",
        "-o 'ControlPersist=60s\nProxyCommand id'",
        "-o 'Port=22\n'",
        "-o 'User=root\tx'",
    ],
)
def test_refused_ssh_options(args: str) -> None:
    _refused(ssh_args=args)


@pytest.mark.parametrize(
    "args",
    [
        "-L 8080:localhost:80",
        "-L8080:localhost:80",
        "-R 9000:localhost:22",
        "-D 1080",
        "-D1080",
        "-W host:22",
        "-A",
        "-CA",
        "-K",
        "-X",
        "-Y",
        "-F ~/.ssh/evil_config",
        "-F/tmp/evil",
        "-F",
        "-E /tmp/log",
        "-I /tmp/evil.so",
        "-w 0:0",
        "-O exit",
        "-B eth0",
        "-e ~",
        "-Q cipher",
        "-P tag",
        "-i",
        "-p",
        "-p abc",
        "-l 'root;id'",
        "-i '/tmp/k;id'",
        "-J $(id)",
        "-S '/tmp/s;id'",
        "--",
        "-",
        "evilhost",
        "ProxyCommand=id",
        "-C ProxyCommand=id",
        "-o ControlMaster=auto id",
        "-o 'unterminated",
        "-b 'a;b'",
        "-c 'aes;id'",
    ],
)
def test_refused_ssh_flags(args: str) -> None:
    _refused(ssh_extra_args=args)


@pytest.mark.parametrize("option", ["scp_extra_args", "sftp_extra_args"])
@pytest.mark.parametrize("args", ["-S /tmp/evil", "-S/usr/local/bin/evil", "-CS /tmp/evil", "-S ssh"])
def test_scp_sftp_program_flag_refused(option: str, args: str) -> None:
    # For ssh, -S is a control socket; for scp and sftp it is the program run instead of ssh.
    _refused(**{option: args})


def test_sftp_local_server_flag_refused() -> None:
    _refused(sftp_extra_args="-D /tmp/evil-sftp-server")


def test_ssh_control_socket_flag_allowed_when_host_bound() -> None:
    assert _findings(ssh_extra_args="-S /tmp/cp-%C") == []


@pytest.mark.parametrize(
    "setting",
    [
        {"ssh_extra_args": "-S /tmp/cp-socket"},
        {"ssh_common_args": "-o ControlPath=/tmp/shared-master"},
        {"control_path": "/tmp/shared-master"},
    ],
)
def test_control_path_not_bound_to_the_host_refused(setting: dict[str, str]) -> None:
    """A fixed socket path lets a task ride another host's existing master connection."""
    _refused(**setting)


@pytest.mark.parametrize(
    "args",
    [
        "-o StrictHostKeyChecking=no",
        "-o StrictHostKeyChecking=accept-new",
        "-o StrictHostKeyChecking=off",
        "-o StrictHostKeyChecking=ask",
        "-oStrictHostKeyChecking=No",
        "-o 'StrictHostKeyChecking no'",
        "-o UserKnownHostsFile=/dev/null",
        "-o UserKnownHostsFile=none",
        "-o 'UserKnownHostsFile=/dev/null /tmp/kh'",
        "-o UserKnownHostsFile=",
        "-o GlobalKnownHostsFile=/dev/null",
        "-o 'UserKnownHostsFile=/tmp/$(id)'",
        "-o UserKnownHostsFile=/dev/../dev/null",
        "-o UserKnownHostsFile=/dev//null",
        "-o UserKnownHostsFile=/dev/stdin",
        "-o UserKnownHostsFile=/proc/self/fd/0",
        "-o 'UserKnownHostsFile=/tmp/kh\n/dev/null'",
    ],
)
def test_host_key_policy_refused(args: str) -> None:
    _refused(HOST_KEY, ssh_common_args=args)


@pytest.mark.parametrize("value", [False, "False", "no", "0", "off", "n", "f", "F", 0, 0.0, "0.0", "nope", " no "])
def test_host_key_checking_off_refused(value: object) -> None:
    _refused(HOST_KEY, host_key_checking=value)
    _refused(HOST_KEY, connection="paramiko_ssh", host_key_checking=value)


@pytest.mark.parametrize("value", [True, "True", "yes", "1", "on", "y", "t", 1, None, ""])
def test_host_key_checking_on_accepted(value: object) -> None:
    assert _findings(host_key_checking=value) == []


@pytest.mark.parametrize("value", [True, "yes", "1", "true", "maybe"])
def test_paramiko_host_key_auto_add_refused(value: object) -> None:
    _refused(HOST_KEY, connection="paramiko_ssh", host_key_auto_add=value)


@pytest.mark.parametrize("value", [False, "no", "0", None])
def test_paramiko_host_key_auto_add_off_accepted(value: object) -> None:
    assert _findings(connection="paramiko_ssh", host_key_auto_add=value) == []


def test_pkcs11_provider_refused() -> None:
    _refused(pkcs11_provider="/usr/lib/evil-pkcs11.so")


@pytest.mark.parametrize("connection", ["paramiko_ssh", "ssh"])
def test_proxy_command_option_refused(connection: str) -> None:
    _refused(connection=connection, proxy_command="nc %h %p")


def test_unknown_transfer_method_refused() -> None:
    _refused(ssh_transfer_method="rsync;id")
    assert _findings(ssh_transfer_method="piped") == []


def test_unparseable_or_non_string_args_refused() -> None:
    _refused(ssh_args="-o 'ProxyCommand=id")
    _refused(ssh_args=["-o", "ProxyCommand=id"])


# ------------------------------------------------------------------------------------------------ executables
@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ssh_executable", "/tmp/x"),
        ("ssh_executable", "/tmp/ssh"),
        ("ssh_executable", "ssh -oProxyCommand=id"),
        ("ssh_executable", "/usr/bin/ssh -v"),
        ("ssh_executable", "/usr/bin/../../tmp/ssh"),
        ("ssh_executable", "/usr/bin/./ssh"),
        ("ssh_executable", "//tmp/ssh"),
        ("ssh_executable", "~/bin/ssh"),
        ("ssh_executable", "./ssh"),
        ("ssh_executable", "/usr/bin/ssh\n"),
        ("ssh_executable", "/usr/bin/sshd"),
        ("ssh_executable", "/usr/bin/scp"),
        ("scp_executable", "/tmp/scp"),
        ("scp_executable", "scp;id"),
        ("sftp_executable", "/home/u/sftp"),
        ("sftp_executable", "sftp -D /tmp/x"),
    ],
)
def test_transfer_executables_refused(name: str, value: str) -> None:
    _refused(**{name: value})


@pytest.mark.parametrize(
    ("name", "value"),
    [("ssh_executable", "/usr/bin/ssh"), ("ssh_executable", "/usr/local/bin/ssh"), ("scp_executable", "/bin/scp")],
)
def test_transfer_executables_accepted(name: str, value: str) -> None:
    assert _findings(**{name: value}) == []


@pytest.mark.parametrize(
    "value",
    ["-H -S -n; id", "-H | id", "-H & id", "-H $(id)", "-H `id`", "-H > /tmp/x", "-H\nid", "-H -S\n", "-H\r", "-H\t-S",
     "'-H'", '"-H"', "-H \\", "-H *", "-H ~root", "-H #", "-H !"],
)  # fmt: skip
def test_become_flags_shell_syntax_refused(value: str) -> None:
    _refused(become_flags=value)


@pytest.mark.parametrize("value", ["-H -S -n", "", "-i", "-E -H", "--preserve-env=PATH,HOME", "-l"])
def test_become_flags_accepted(value: str) -> None:
    assert _findings(become_flags=value) == []


@pytest.mark.parametrize(
    "value",
    ["/tmp/sudo", "sudo -u root", "sudo;id", "/usr/bin/../../tmp/sudo", "/usr/bin/sudoedit", "evil", "sudo\n",
     "/home/user/bin/doas", "$(which sudo)"],
)  # fmt: skip
def test_become_exe_refused(value: str) -> None:
    _refused(become_exe=value)


@pytest.mark.parametrize("value", ["sudo", "/usr/bin/sudo", "su", "/bin/su", "doas", "/usr/local/bin/doas"])
def test_become_exe_accepted(value: str) -> None:
    assert _findings(become_exe=value) == []


@pytest.mark.parametrize("name", ["remote_tmp", "async_dir", "sudo_chdir", "control_path_dir"])
@pytest.mark.parametrize(
    "value",
    ["/tmp/$(id)", "~/.ansible/tmp`id`", "/tmp;id", "/tmp && id", "/tmp|id", "/tmp x", "/tmp\nid", "/tmp/x\n",
     "-rf", "--help", "$HOME$(id)", "${HOME}", "'/tmp'", "/tmp/*"],
)  # fmt: skip
def test_directories_with_shell_syntax_refused(name: str, value: str) -> None:
    _refused(**{name: value})


@pytest.mark.parametrize("value", ["~/.ansible/tmp", "$HOME/.ansible/tmp", "/var/tmp/ansible", "~deploy/tmp", "/tmp"])
def test_directories_accepted(value: str) -> None:
    assert _findings(remote_tmp=value, async_dir=value) == []


@pytest.mark.parametrize(
    "value",
    ["/bin/sh -c", "bash -x", "/tmp/sh", "/bin/sh;id", "/usr/bin/python3", "sh\n", "/bin/../tmp/sh", "$SHELL"],
)
def test_shell_executable_refused(value: str) -> None:
    _refused(executable=value)


@pytest.mark.parametrize("value", ["/bin/sh", "/bin/bash", "bash", "/usr/bin/zsh", "sh"])
def test_shell_executable_accepted(value: str) -> None:
    assert _findings(executable=value) == []


@pytest.mark.parametrize(
    "value",
    ["/usr/bin/python3; touch x", "/usr/bin/python3 && id", "$(which python3)", "`which python3`",
     "/usr/bin/python3\n", "/usr/bin/env\npython3", "/usr/bin/env\tpython3", "/usr/bin/env python3 -c id",
     "python3 -c 'import os'", "/usr/bin/python3|id", "-c", "/usr/bin/env -S python3", "/usr/bin/env  -i"],
)  # fmt: skip
def test_python_interpreter_refused(value: str) -> None:
    _refused(python_interpreter=value)


@pytest.mark.parametrize("name", ["perl_interpreter", "bash_interpreter", "sh_interpreter", "ruby_interpreter"])
@pytest.mark.parametrize("value", ["/usr/bin/perl; id", "$(id)", "/bin/bash\n", "/usr/bin/env\tbash"])
def test_other_language_interpreters_refused(name: str, value: str) -> None:
    _refused(**{name: value})


@pytest.mark.parametrize("name", ["perl_interpreter", "bash_interpreter"])
def test_other_language_interpreters_accepted(name: str) -> None:
    assert _findings(**{name: "/usr/bin/env perl"}) == []
    assert _findings(**{name: "/usr/bin/perl"}) == []


# ------------------------------------------------------------------------------------------------ host, port, users
@pytest.mark.parametrize(
    "host",
    ["-oProxyCommand=id", "-evil", "host name", " host", "host;id", "host|id", "$(id)", "`id`", "host\n", "host\nx",
     "", "a" * 300, "host/path", "user@host", "[::1];id"],
)  # fmt: skip
def test_bad_hosts_refused(host: str) -> None:
    _refused(host=host)


@pytest.mark.parametrize("port", ["22a", "abc", "-1", "0", "65536", "22;id", "\u0662\u0662", "²", " 22", True])
def test_bad_ports_refused(port: object) -> None:
    _refused(port=port)


@pytest.mark.parametrize("port", [22, "22", 65535, 1, None, ""])
def test_ports_accepted(port: object) -> None:
    assert _findings(port=port) == []


@pytest.mark.parametrize("name", ["remote_user", "become_user"])
@pytest.mark.parametrize(
    "value",
    ["root;id", "$(id)", "`id`", "root id", "-oProxyCommand=id", "root\n", "ro'ot", "a" * 80, "root|id", "~root"],
)
def test_bad_users_refused(name: str, value: str) -> None:
    _refused(**{name: value})


@pytest.mark.parametrize("value", ["root", "deploy", "svc_ansible", "user.name", "user@DOMAIN", "MACHINE$", "www-data"])
def test_users_accepted(value: str) -> None:
    assert _findings(remote_user=value, become_user=value) == []


@pytest.mark.parametrize("value", ["/tmp/k;id", "~/.ssh/id$(id)", "/tmp/k`id`", "/tmp/k\n", '/tmp/"k', "/tmp/k|x"])
def test_private_key_file_refused(value: str) -> None:
    _refused(private_key_file=value)


def test_private_key_file_with_space_accepted() -> None:
    assert _findings(private_key_file="/home/u/My Keys/id_ed25519") == []


@pytest.mark.parametrize("value", ["/tmp/cp;id", "/tmp/$(id)", "/tmp/cp id", "/tmp/cp\n"])
def test_control_path_refused(value: str) -> None:
    _refused(control_path=value)


# ------------------------------------------------------------------------------------------------ plugins, talos
@pytest.mark.parametrize(
    "connection",
    ["community.docker.docker", "docker", "winrm", "psrp", "ansible.netcommon.network_cli", "kubernetes.core.kubectl",
     "community.general.chroot", "SSH", "ssh ", "ansible.builtin.ssh2", "my.collection.ssh", "ansible.legacy.winrm"],
)  # fmt: skip
def test_unknown_connection_plugins_refused(connection: str) -> None:
    _refused(PLUGIN, connection=connection)


@pytest.mark.parametrize("connection", ["ssh", "paramiko_ssh", "community.docker.docker"])
@pytest.mark.parametrize("host_type", ["talos", "Talos", " TALOS "])
def test_talos_over_ssh_refused(connection: str, host_type: str) -> None:
    _refused(TALOS, connection=connection, host_type=host_type)


def test_talos_over_local_allowed() -> None:
    assert _findings(connection="local", host_type="talos") == []


# ------------------------------------------------------------------------------------------------ published data
def test_connopts_data_is_consistent() -> None:
    assert CONNOPTS_DATA["connections"] == sorted(ALLOWED_CONNECTIONS)
    options = CONNOPTS_DATA["ssh_options"]
    assert isinstance(options, list)
    for dangerous in ("proxycommand", "localcommand", "permitlocalcommand", "knownhostscommand", "match", "include",
                      "pkcs11provider", "securitykeyprovider", "remotecommand", "setenv", "localforward",
                      "remoteforward", "dynamicforward", "hostname", "tunnel", "forwardx11trusted"):  # fmt: skip
        assert dangerous not in options
    bare = CONNOPTS_DATA["bare_flags"]
    assert isinstance(bare, list)
    for flag in "AKXYLRDWFEIwOBeQ":
        assert flag not in bare


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=";|&$`<>\n\r'\"\\ *?!#{}", min_size=1, max_size=6), st.text(alphabet="abc-/", max_size=6))
def test_shell_metacharacters_never_pass_a_plain_value(meta: str, base: str) -> None:
    value = base + meta
    findings = _findings(
        host=value, remote_user=value, become_user=value, remote_tmp=value, become_exe=value,
        python_interpreter=value, executable=value, control_path=value,
    )  # fmt: skip
    refused = {f.reason.split("=")[0] for f in findings}
    users_ok = meta == "$" and base[:1].isalnum()  # "MACHINE$" is a Windows machine account, and inert in sh
    for name in ("remote_user", "become_user", "become_exe", "executable", "control_path"):
        if users_ok and name in ("remote_user", "become_user"):
            continue
        assert name in refused, (name, value)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_random_ssh_args_never_raise(text: str) -> None:
    findings = _findings(ssh_args=text, ssh_extra_args=text, scp_extra_args=text)
    assert all(f.rule.startswith("deny.") for f in findings)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(_connopts._ALLOWED_SSH_OPTIONS)), st.text(alphabet=";|&$`\n", min_size=1, max_size=3))
def test_no_allowed_option_accepts_shell_syntax(option: str, meta: str) -> None:
    assert _findings(ssh_args=f"-o '{option}=a{meta}b'"), option


def test_memoised_verdicts_follow_the_exact_surface() -> None:
    """The same surface twice gives the same verdict; surfaces that differ only in a value's type (True and 1 are
    equal in Python) or in one option are checked on their own; unhashable values are checked afresh."""
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._connopts import connection_findings

    def rules(**options: object) -> list[str]:
        return [f.rule for f in connection_findings(connection="ssh", host_type="linux", options=options)]

    assert rules(host="web1", host_key_checking=True) == rules(host="web1", host_key_checking=True) == []
    assert rules(host="web1", host_key_checking=False) != []
    assert rules(host="web1", host_key_checking=0) != []
    assert rules(host="web1", host_key_checking="no") != []
    assert rules(host="web1", ssh_extra_args="-o ProxyCommand=nc") != []
    assert rules(host="web1", ssh_extra_args=["-o", "ProxyCommand=nc"]) != []  # unhashable: not memoised
    assert rules(host="web1;id", host_key_checking=True) != []
