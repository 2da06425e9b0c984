# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The trifecta rules as tables: which outcomes are host output, which paths and reads are sensitive, which lookups
fetch credentials. Each class is generated over its table, with the negative side beside it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents import trifecta
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Provenance, TaskRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._modules import CONTROL_MODULES
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset

RULESET = load_ruleset(None)
SECRETS = [
    "/etc/shadow", "/etc/gshadow", "/etc/ssl/private/site.key", "/etc/ssh/ssh_host_ed25519_key",
    "/root/.bash_history", "/home/app/.ssh/id_rsa", "/home/app/.ssh/config", "~/.aws/credentials",
    "/home/app/.kube/config", "/etc/kubernetes/admin.conf", "/var/run/secrets/kubernetes.io/serviceaccount/token",
    "/proc/1/environ", "/srv/app/.env", "/srv/app/prod.env", "/srv/app/tls.pem", "/srv/app/keystore.jks",
    "/home/app/.pgpass", "/home/app/.netrc", "/home/app/.docker/config.json", "/opt/vault/vault_pass.txt",
    "/srv/app/secrets.yml", "/srv/app/db_password", "/home/app/.config/gcloud/credentials.db", "./id_ed25519",
]  # fmt: skip
PUBLIC = [
    "/etc/passwd", "/etc/group", "/etc/hostname", "/etc/motd", "/home/app/.ssh/id_rsa.pub",
    "/home/app/.ssh/known_hosts", "/root/.ssh/authorized_keys", "/srv/app/index.html", "/var/log/syslog",
    "/etc/os-release", "",
]  # fmt: skip


@pytest.mark.parametrize("path", SECRETS)
def test_files_that_hold_secrets_are_recognised(path: str) -> None:
    assert trifecta.secret_path(path), path


@pytest.mark.parametrize("path", PUBLIC)
def test_ordinary_files_are_not(path: str) -> None:
    assert not trifecta.secret_path(path), path


def _sensitive(action: str, args: dict[str, Any], provenance: Provenance | None = None) -> str:
    request = TaskRequest(action=action, args=args, host="web1", provenance=provenance)
    return trifecta.sensitive_read(request, evaluate(request, ruleset=RULESET))


READERS = [
    ("ansible.builtin.slurp", "src"),
    ("ansible.builtin.fetch", "src"),
    ("ansible.builtin.include_vars", "file"),
    ("ansible.builtin.copy", "src"),
    ("ansible.builtin.template", "src"),
    ("ansible.builtin.stat", "path"),
]


@pytest.mark.parametrize(("reader", "path"), list(itertools.product(READERS, SECRETS[:8])))
def test_a_module_reading_a_secret_file_is_a_sensitive_read(reader: tuple[str, str], path: str) -> None:
    action, key = reader
    assert "holds secrets" in _sensitive(action, {key: path, "dest": "/tmp/x"})


@pytest.mark.parametrize(("reader", "path"), list(itertools.product(READERS, PUBLIC[:6])))
def test_the_same_modules_on_ordinary_files_are_not(reader: tuple[str, str], path: str) -> None:
    action, key = reader
    assert _sensitive(action, {key: path, "dest": "/tmp/x"}) == ""


@pytest.mark.parametrize(
    "command",
    [*(f"cat {p}" for p in SECRETS[:10]), "grep -r password /etc/ssl/private/", "cp ~/.ssh/id_rsa /tmp/k",
     "base64 </etc/shadow", "tar czf - /root/.ssh"],
)  # fmt: skip
@pytest.mark.parametrize("module", ["ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.raw"])
def test_a_command_naming_a_secret_file_is_a_sensitive_read(module: str, command: str) -> None:
    assert "holds secrets" in _sensitive(module, {"_raw_params": command})


@pytest.mark.parametrize("command", ["cat /etc/passwd", "uptime", "ls -l /srv/app", "grep x /var/log/syslog"])
def test_ordinary_commands_are_not(command: str) -> None:
    assert _sensitive("ansible.builtin.shell", {"_raw_params": command}) == ""


@pytest.mark.parametrize(
    "action",
    ["community.hashi_vault.vault_kv2_get", "amazon.aws.secretsmanager_secret", "community.general.keyring_info",
     "azure.azcollection.azure_rm_keyvaultsecret_info", "kubernetes.core.kubeconfig_info", "x.y.get_credentials"],
)  # fmt: skip
def test_modules_named_for_secrets_are_sensitive_reads(action: str) -> None:
    assert _sensitive(action, {}) != ""


def test_vaulted_arguments_and_classifier_flags_are_sensitive_reads() -> None:
    assert "vault-decrypted" in _sensitive("ansible.builtin.copy", {"content": "x"}, Provenance(vaulted=("content",)))
    request = TaskRequest(action="ansible.builtin.command", args={"_raw_params": "uptime"}, host="n1")
    evaluation = evaluate(request, ruleset=RULESET)
    from dataclasses import replace

    flagged = replace(evaluation, sensitive_read="talosctl read /system/secrets")
    assert trifecta.sensitive_read(request, flagged) == "talosctl read /system/secrets"


@pytest.mark.parametrize(
    ("name", "terms", "sensitive"),
    [
        ("ansible.builtin.password", ["/tmp/pw"], True),
        ("password", ["/tmp/pw"], True),
        ("community.hashi_vault.vault_read", ["secret/app"], True),
        ("community.general.passwordstore", ["app/db"], True),
        ("amazon.aws.aws_secret", ["db"], True),
        ("ansible.builtin.file", ["/home/app/.ssh/id_rsa"], True),
        ("file", ["/etc/ssl/private/site.key"], True),
        ("ansible.builtin.env", ["AWS_SECRET_ACCESS_KEY"], True),
        ("ansible.builtin.env", ["DB_PASSWORD"], True),
        ("ansible.builtin.env", ["HOME"], False),
        ("ansible.builtin.file", ["/srv/app/motd.txt"], False),
        ("ansible.builtin.items", ["a", "b"], False),
        ("ansible.builtin.pipe", ["uptime"], False),
        ("ansible.builtin.template", ["motd.j2"], False),
    ],
)
def test_credential_lookups(name: str, terms: list[str], sensitive: bool) -> None:
    assert bool(trifecta.credential_lookup(name, terms, {})) is sensitive


@pytest.mark.parametrize("action", sorted(CONTROL_MODULES))
@pytest.mark.parametrize("status", ["ok", "changed", "failed"])
def test_control_actions_are_never_host_output(action: str, status: str) -> None:
    assert trifecta.host_output(action, "web1", status) == ""


@pytest.mark.parametrize("action", sorted(trifecta.QUIET_MODULES))
def test_quiet_modules_are_host_output_only_when_they_fail(action: str) -> None:
    assert trifecta.host_output(action, "web1", "ok") == ""
    assert trifecta.host_output(action, "web1", "changed") == ""
    assert "error" in trifecta.host_output(action, "web1", "failed")


@pytest.mark.parametrize(
    "action",
    ["ansible.builtin.command", "ansible.builtin.setup", "ansible.builtin.slurp", "ansible.builtin.find",
     "ansible.builtin.uri", "ansible.builtin.service", "ansible.builtin.apt", "community.general.made_up"],
)  # fmt: skip
@pytest.mark.parametrize("status", ["ok", "changed", "failed"])
def test_everything_else_that_returns_is_host_output(action: str, status: str) -> None:
    assert trifecta.host_output(action, "web1", status)
    assert trifecta.host_output(action, "web1", "skipped") == ""


@pytest.mark.parametrize(
    ("args", "sensitive"),
    [({"command": ["read", "/system/secrets/x"]}, True), ({"command": ["version"]}, False)],
)
def test_a_talos_secret_reading_verb_arms_the_latch_as_a_sensitive_read(args: dict[str, Any], sensitive: bool) -> None:
    """The Talos verb table's sensitive mark (issue 17) arms the latch (issue 18); version: the control."""
    request = TaskRequest(action="praxis.gatekeeper.talos", args=args, host="cp1", host_type="talos")
    reason = trifecta.sensitive_read(request, evaluate(request, ruleset=RULESET))
    assert bool(reason) is sensitive, reason


@pytest.mark.parametrize(
    ("command", "sensitive"),
    [("getent shadow", True), ("getent gshadow root", True), ("getent passwd root", False), ("getent group", False)],
)
def test_reading_the_shadow_database_through_getent_is_a_sensitive_read(command: str, sensitive: bool) -> None:
    """A read of the account databases is T0 (issue 16), so the latch must still see the password hashes go by."""
    request = TaskRequest(action="ansible.builtin.shell", args={"_raw_params": command}, host="h1")
    assert bool(trifecta.sensitive_read(request, evaluate(request, ruleset=RULESET))) is sensitive
