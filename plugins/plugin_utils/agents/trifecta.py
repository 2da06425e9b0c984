# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The lethal trifecta, as rules: what counts as host output reaching an agent, what counts as a sensitive read,
and which arguments derive from host output. Pure: no store, no I/O.

An agent that has read untrusted content (host output: anything a managed host can put in a result) and can reach
sensitive data can be steered into acting on it. The session's latch arms on the first of either (SEC-4); the seam
(seam.py) then holds every T1-and-above actuation for a human. The lists here round the unknown up: a module is
host output unless it is known to return only metadata the playbook itself chose, and a module whose name speaks of
secrets counts as a sensitive read.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable, Mapping
from typing import Any

from ..core.models import RequestKind, TaskRequest, Tier
from ..policy._modules import CONTROL_MODULES, canonical_action, iter_strings
from ..policy.evaluate import Evaluation

__all__ = [
    "CREDENTIAL_LOOKUPS",
    "QUIET_MODULES",
    "credential_lookup",
    "host_output",
    "is_actuation",
    "secret_path",
    "sensitive_read",
    "touches_host",
]

# Modules that touch no managed host at all (their results are the playbook's own data) besides the control actions.
_CONTROLLER_ONLY = frozenset({"praxis.gatekeeper.emergency_stop"})
# Modules whose successful result carries only metadata the playbook chose (a path, a mode, a checksum of content the
# playbook supplied, "pong"), never text a host wrote. Their failures still count: an error message is host text.
QUIET_MODULES = frozenset(
    {
        "ansible.builtin.ping",
        "ansible.builtin.wait_for_connection",
        "ansible.builtin.file",
        "ansible.builtin.copy",
        "ansible.builtin.template",
        "ansible.builtin.lineinfile",
        "ansible.builtin.blockinfile",
        "ansible.builtin.replace",
        "ansible.builtin.assemble",
    }
)
# Statuses of a task that ran and returned a result to the run (and, through ansible-runner, to the agent).
_RETURNED = frozenset({"ok", "changed", "failed"})

# Files that hold secrets: reading one is a sensitive read. Shell-style patterns on the whole path or its last part.
_SECRET_PATHS = (
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/master.passwd", "/etc/security/opasswd",
    "/etc/ssl/private/*", "/etc/pki/*/private/*", "/etc/ssh/ssh_host_*_key", "/etc/kubernetes/*.conf",
    "/etc/kubernetes/pki/*", "/etc/rancher/*/*.yaml", "/var/lib/kubelet/*", "/etc/ceph/*.keyring",
    "/var/run/secrets/*", "/run/secrets/*", "/proc/*/environ", "/root/*", "*/.ssh/*", "*/.gnupg/*", "*/.aws/*",
    "*/.azure/*", "*/.config/gcloud/*", "*/.kube/*", "*/.docker/config.json", "*/.vault-token", "*/.netrc",
    "*/.pgpass", "*/.my.cnf", "*/.git-credentials", "*/.talos/*", "*/talosconfig", "*/kubeconfig",
)  # fmt: skip
_SECRET_NAMES = (
    "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", "*.pem", "*.key", "*.p12", "*.pfx",
    "*.jks", "*.keystore", "*.kdbx", "*.keyring", "*.ovpn", ".env", "*.env", "credentials", "credentials.*",
    "secrets.*", "*secret*", "*password*", "*passwd*", "*token*", "vault_pass*", ".vault_pass*", "*.vault",
)  # fmt: skip
_PUBLIC_NAMES = ("*.pub", "known_hosts", "known_hosts.*", "authorized_keys", "/etc/passwd", "/etc/group")
_PATHLIKE = re.compile(r"(?:~|\.{0,2}/)[^\s'\"`;|&<>()$]*")
_SECRET_ACTION = re.compile(r"(?:vault|secret|passw|credential|keyring|kms|token|kubeconfig)", re.IGNORECASE)
# Modules that read a file named by these arguments (on the host, or the controller for copy/template sources).
_READERS: Mapping[str, tuple[str, ...]] = {
    "ansible.builtin.slurp": ("src", "path"),
    "ansible.builtin.fetch": ("src",),
    "ansible.builtin.include_vars": ("file", "dir", "name", "_raw_params"),
    "ansible.builtin.copy": ("src",),
    "ansible.builtin.template": ("src",),
    "ansible.builtin.assemble": ("src",),
    "ansible.builtin.unarchive": ("src",),
    "ansible.builtin.stat": ("path",),
    "ansible.builtin.find": ("paths",),
    "ansible.posix.synchronize": ("src",),
}
_COMMANDS = frozenset(
    {"ansible.builtin.command", "ansible.builtin.shell", "ansible.builtin.raw", "ansible.builtin.script"}
)

# Lookups that fetch credentials (by name), and lookups whose terms decide it (a secret file, a secret variable).
CREDENTIAL_LOOKUPS = frozenset(
    {
        "ansible.builtin.password",
        "ansible.builtin.unvault",
        "community.general.passwordstore",
        "community.general.keyring",
        "community.general.lastpass",
        "community.general.bitwarden",
        "community.general.bitwarden_secrets_manager",
        "community.general.onepassword",
        "community.general.onepassword_raw",
        "community.general.onepassword_doc",
        "community.general.dsv",
        "community.general.tss",
        "community.general.credstash",
        "community.general.hiera",
        "amazon.aws.secretsmanager_secret",
        "amazon.aws.aws_secret",
        "amazon.aws.ssm_parameter",
        "azure.azcollection.azure_keyvault_secret",
        "google.cloud.gcp_secret_manager",
        "kubernetes.core.k8s",
    }
)
_FILE_LOOKUPS = frozenset({"ansible.builtin.file", "ansible.builtin.fileglob", "ansible.builtin.first_found"})
_SECRET_VARIABLE = re.compile(r"(?:PASS|SECRET|TOKEN|KEY|CREDENTIAL|AUTH)", re.IGNORECASE)


def touches_host(request: TaskRequest, evaluation: Evaluation) -> bool:
    """Whether the request acts on or reads a managed host (control actions and includes run in the controller and
    touch none; they are never held to grants)."""
    if request.kind in (RequestKind.META, RequestKind.INCLUDE):
        return False
    return evaluation.action not in CONTROL_MODULES and evaluation.action not in _CONTROLLER_ONLY


def is_actuation(evaluation: Evaluation) -> bool:
    """T1 and above, and not a dry run: what budgets count and what an armed latch holds for a human."""
    return evaluation.tier >= Tier.T1 and not evaluation.dry_run


def host_output(action: str, target: str, status: str) -> str:
    """Why the outcome of ``action`` on ``target`` put host output in front of the agent ("" when it did not):
    every module that touched a host and returned a result counts, except the quiet ones when they succeed."""
    if status not in _RETURNED or action in CONTROL_MODULES or action in _CONTROLLER_ONLY:
        return ""
    if action in QUIET_MODULES and status != "failed":
        return ""
    what = "an error from" if status == "failed" else "the result of"
    return f"{what} {action} on {target} reached the session"


def secret_path(path: str) -> bool:
    """Whether ``path`` names a file that holds secrets (public keys, known_hosts and passwd do not)."""
    text = path.strip().rstrip("/")
    if not text:
        return False
    name = text.rsplit("/", 1)[-1]
    if any(fnmatch.fnmatchcase(text, p) or fnmatch.fnmatchcase(name, p) for p in _PUBLIC_NAMES):
        return False
    if any(fnmatch.fnmatchcase(text, p) for p in _SECRET_PATHS):
        return True
    # a directory of secrets (read recursively, archived, listed) is as sensitive as what it holds
    if any(p.endswith("/*") and fnmatch.fnmatchcase(text, p[:-2]) for p in _SECRET_PATHS):
        return True
    return any(fnmatch.fnmatchcase(name.lower(), p) for p in _SECRET_NAMES)


_SHADOW_LOOKUP = re.compile(r"\bgetent\b[^;&|]*\bg?shadow\b")


def sensitive_read(request: TaskRequest, evaluation: Evaluation) -> str:
    """Why this request reads secrets ("" when it does not): a classifier said so (``Evaluation.sensitive_read``,
    e.g. a Talos secret-reading verb), its arguments hold a vault-decrypted value, it reads a file that holds
    secrets (slurp, fetch, include_vars, a command naming one), or its module fetches secrets by name."""
    if evaluation.sensitive_read:
        return evaluation.sensitive_read
    if request.provenance is not None and request.provenance.vaulted:
        return f"a vault-decrypted value is in the arguments ({', '.join(request.provenance.vaulted[:3])})"
    action = evaluation.action
    if action in CONTROL_MODULES - {"ansible.builtin.include_vars"} or action in _CONTROLLER_ONLY:
        return ""
    if _SECRET_ACTION.search(action.rsplit(".", 1)[-1]):
        return f"{action} fetches secrets"
    keys = _READERS.get(action, ())
    if keys:
        for key, value in iter_strings(request.args, max_items=200):
            if key.split(".")[0].split("[")[0] in keys and secret_path(value):
                return f"{action} reads {_short(value)}, a file that holds secrets"
    if action in _COMMANDS:
        for _unused, value in iter_strings(request.args, max_items=200):
            if _SHADOW_LOOKUP.search(value):  # the password hashes, through the name service (a T0 read since 16)
                return f"{action} reads the shadow password database ({_short(value)})"
            for token in _PATHLIKE.findall(value):
                if secret_path(token):
                    return f"{action} reads {_short(token)}, a file that holds secrets"
    return ""


def credential_lookup(name: str, terms: Iterable[Any], options: Mapping[str, Any]) -> str:
    """Why this lookup is a sensitive read ("" when it is not): it fetches credentials by name, reads a file that
    holds secrets, or reads an environment variable named like one."""
    fqcn = canonical_action(name)
    texts = [str(term) for term in terms][:50]
    if fqcn in CREDENTIAL_LOOKUPS or fqcn.startswith(("community.hashi_vault.", "cyberark.")):
        return f"the credential lookup {fqcn}"
    if _SECRET_ACTION.search(fqcn.rsplit(".", 1)[-1]):
        return f"the lookup {fqcn} fetches secrets"
    if fqcn in _FILE_LOOKUPS:
        for text in texts + [str(v) for v in options.values() if isinstance(v, str)]:
            if secret_path(text):
                return f"the lookup {fqcn} reads {_short(text)}, a file that holds secrets"
    if fqcn == "ansible.builtin.env":
        for text in texts:
            if _SECRET_VARIABLE.search(text):
                return f"the lookup {fqcn} reads the environment variable {_short(text)}"
    return ""


def _short(text: str) -> str:
    return text if len(text) <= 80 else text[:77] + "..."
