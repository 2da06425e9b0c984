# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. The lifecycle verbs of infrastructure tools, as data, and the reader of them.

Why a table per tool and not a list of dangerous verbs: ``terraform destroy``, ``kubectl delete namespace`` and
``aws ec2 terminate-instances`` are each one word path among many, behind global options (``-chdir=``, ``--context
X``, ``-H HOST``) that a flat pattern cannot step over. Each tool below says which options take a value, so the verb
is found where the tool finds it, and what every verb it knows does: T0 reads, T2 ordinary changes (``terraform
plan``, ``tofu apply``, ``kubectl apply``, ``helm upgrade``), T3 what destroys, wipes, resets, powers off, purges,
uninstalls or drops. A verb the table does not know rounds up to T3, because for these tools the unknown verb is the
dangerous case, not the harmless one.

The tree of a tool (``tree``) is nested dicts keyed by verb word (matched in lower case); a leaf is a tier. Special
keys of a node:

* ``=``: the tier when the path ends at this node (no further verb word; the default is T0, a help page);
* ``*``: the tier of a next word the node does not know (without it, further words are operands);
* ``-``: options that raise the tier at this node (``terraform apply -destroy``) as ``{spelling: tier}``;
* ``+``: size options whose values, when every one grows (``+10G``), lower the node to T2 (``lvresize``);
* ``%``: the next word is a Kubernetes kind list (``kubectl delete ns,pvc x``), judged by ``KUBE_KINDS``;
* ``@``: the rest of the words are judged as another tool (``k3s kubectl``, ``lvm lvremove``) or by a reader
  registered in ``READERS`` (SQL, PowerShell). This is also how a tool with a table of its own elsewhere (the
  Talos verb table) plugs in: its entry delegates to a reader name.

A tool with ``words`` (the cloud CLIs, ceph) has more commands than any table could list: where its tree has no
entry, the first word that is a known verb (``terminate`` of ``terminate-instances``, ``delete`` of ``gcloud compute
instances delete``) decides, and a command with no known verb rounds up.

Options are read twice: once with every option the tool's table does not know taken as a flag, once as taking the
next word as its value, and the higher tier wins, so an option the table misreads can hide no verb.

Security constraints: SEC-1 (docs/security-constraints.yml).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..core.models import Tier
from . import _pwsh, _sql
from ._shell import SimpleCommand
from ._sql import UNKNOWN_WORD  # in place of a word that is not statically known (``-c "$SQL"``)

__all__ = [
    "LIFECYCLE_DATA",
    "READERS",
    "TOOLS",
    "UNKNOWN_WORD",
    "Verdict",
    "classify_words",
    "command_verdict",
    "tool_for",
]

Verdict = tuple[Tier, str]

_T0, _T1, _T2, _T3 = 0, 1, 2, 3

# ---------------------------------------------------------------------------------------------------------------
# Kubernetes kinds: deleting these is an ordinary change (a controller recreates them, or re-applying the manifest
# restores them). Any other kind (namespaces, volumes and claims, definitions, nodes, custom resources whose
# operators delete what they manage, ``all``) is irreversible, and so is a deletion whose kinds are not named
# (``-f``, ``-k``).
# ---------------------------------------------------------------------------------------------------------------
_KUBE_ORDINARY = [
    "pod",
    "pods",
    "po",
    "deployment",
    "deployments",
    "deploy",
    "replicaset",
    "replicasets",
    "rs",
    "daemonset",
    "daemonsets",
    "ds",
    "statefulset",
    "statefulsets",
    "sts",
    "job",
    "jobs",
    "cronjob",
    "cronjobs",
    "cj",
    "service",
    "services",
    "svc",
    "configmap",
    "configmaps",
    "cm",
    "secret",
    "secrets",
    "ingress",
    "ingresses",
    "ing",
    "networkpolicy",
    "networkpolicies",
    "netpol",
    "horizontalpodautoscaler",
    "horizontalpodautoscalers",
    "hpa",
    "poddisruptionbudget",
    "poddisruptionbudgets",
    "pdb",
    "endpoints",
    "ep",
    "endpointslice",
    "endpointslices",
    "event",
    "events",
    "ev",
    "lease",
    "leases",
    "serviceaccount",
    "serviceaccounts",
    "sa",
    "role",
    "roles",
    "rolebinding",
    "rolebindings",
    "limitrange",
    "limitranges",
    "limits",
    "resourcequota",
    "resourcequotas",
    "quota",
    "replicationcontroller",
    "replicationcontrollers",
    "rc",
    "podtemplate",
    "podtemplates",
    "controllerrevision",
    "controllerrevisions",
    "certificatesigningrequest",
    "certificatesigningrequests",
    "csr",
]
# API groups a kind may be qualified with and still be the built-in kind (``deployments.apps``, ``jobs.v1.batch``).
_KUBE_GROUPS = frozenset(
    {"", "v1", "apps", "v1.apps", "batch", "v1.batch", "networking.k8s.io", "v1.networking.k8s.io", "autoscaling"}
    | {"v2.autoscaling", "policy", "v1.policy", "rbac.authorization.k8s.io", "v1.rbac.authorization.k8s.io"}
    | {"coordination.k8s.io", "v1.coordination.k8s.io", "discovery.k8s.io", "v1.discovery.k8s.io"}
    | {"certificates.k8s.io", "v1.certificates.k8s.io", "events.k8s.io", "v1.events.k8s.io"}
)
KUBE_KINDS: Mapping[str, int] = dict.fromkeys(_KUBE_ORDINARY, _T2)


def kube_kind_tier(word: str) -> tuple[int, str]:
    """The tier of deleting the kinds ``word`` names (``ns``, ``pods,svc``, ``deployment/web``), with the worst
    kind; a kind the table does not know (or one qualified by an unknown API group) is T3."""
    worst, name = -1, ""
    for item in word.lower().split(","):
        kind = item.split("/", 1)[0]
        base, _separator, group = kind.partition(".")
        tier = KUBE_KINDS.get(base, _T3) if group in _KUBE_GROUPS else _T3
        if tier > worst:
            worst, name = tier, kind
    return (worst if worst >= 0 else _T3), name


# ---------------------------------------------------------------------------------------------------------------
# Verb words of the command families too large to list command by command.
# ---------------------------------------------------------------------------------------------------------------
_READ_WORDS = [
    "describe",
    "list",
    "ls",
    "get",
    "head",
    "search",
    "query",
    "scan",
    "lookup",
    "wait",
    "help",
    "info",
    "version",
    "validate",
    "estimate",
    "preview",
    "simulate",
    "check",
    "test",
    "detect",
    "filter",
    "tail",
    "view",
    "whoami",
    "status",
    "inspect",
    "print",
    "read",
    "logs",
    "log",
    "events",
    "history",
    "diff",
    "explain",
    "show",
    "outputs",
    "output",
    "graph",
    "tree",
    "df",
    "du",
    "stat",
    "stats",
    "health",
    "usage",
    "top",
    "ping",
    "can-i",
    "presign",
    "dump",
    "report",
    "versions",
    "showmapped",
    "verify",
    "fetch",
    "find",
    "watch",
]
_CHANGE_WORDS = [
    "create",
    "put",
    "update",
    "modify",
    "set",
    "unset",
    "add",
    "run",
    "start",
    "resume",
    "restart",
    "reboot",  # a reboot comes back, as a Talos reboot does (T2); a stop or power-off does not
    "tag",
    "untag",
    "attach",
    "detach",
    "associate",
    "disassociate",
    "register",
    "authorize",
    "revoke",
    "enable",
    "disable",
    "import",
    "copy",
    "cp",
    "mv",
    "move",
    "sync",
    "mb",
    "upload",
    "download",
    "send",
    "publish",
    "invoke",
    "accept",
    "reject",
    "allocate",
    "assign",
    "unassign",
    "apply",
    "change",
    "cancel",
    "deploy",
    "execute",
    "restore",
    "replace",
    "rotate",
    "login",
    "logout",
    "configure",
    "init",
    "use",
    "switch",
    "scale",
    "resize",
    "rename",
    "migrate",
    "promote",
    "demote",
    "failover",
    "ssh",
    "scp",
    "exec",
    "connect",
    "open",
    "lock",
    "unlock",
    "approve",
    "grant",
    "link",
    "unlink",
    "mount",
    "unmount",
    "umount",
    "install",
    "upgrade",
    "patch",
    "edit",
    "label",
    "annotate",
    "expose",
    "suspend",
    "shelve",
    "unshelve",
    "evacuate",
    "snapshot",
    "backup",
    "clone",
    "generate",
    "issue",
    "renew",
    "retry",
    "trigger",
    "notify",
    "request",
    "submit",
    "subscribe",
    "unsubscribe",
    "confirm",
    "rollback",
    "remove",
    "map",
    "unmap",
    "in",
    "out",
    "reweight",
    "pause",
    "unpause",
    "scrub",
    "deep-scrub",
    "repair",
    "flatten",
    "redeploy",
    "mark",
    "bootstrap",
    "provision",
    "batch-write",
]
_DESTROY_WORDS = [
    "delete",
    "del",
    "rm",
    "rb",
    "terminate",
    "destroy",
    "purge",
    "erase",
    "wipe",
    "drop",
    "deregister",
    "deprovision",
    "decommission",
    "uninstall",
    "stop",
    "shutdown",
    "poweroff",
    "power-off",
    "reset",
    "deallocate",
    "hibernate",
    "release",
    "rebuild",
    "truncate",
    "flush",
    "prune",
    "force-delete",
    "abandon",
    "clean",
    "zap",
    "rmpool",
    "rmsnap",
]
WORD_SETS: Mapping[str, Mapping[str, int]] = {
    "cloud": {
        **dict.fromkeys(_CHANGE_WORDS, _T2),
        **dict.fromkeys(_READ_WORDS, _T0),
        **dict.fromkeys(_DESTROY_WORDS, _T3),
    },
}

# ---------------------------------------------------------------------------------------------------------------
# The tools
# ---------------------------------------------------------------------------------------------------------------

_TF_APPLY_OPTIONS = "-var -var-file -target -replace -state -state-out -backup -lock-timeout -parallelism -out -exclude"
_TERRAFORM: dict[str, Any] = {
    "options": "-chdir " + _TF_APPLY_OPTIONS,
    "tree": {
        "*": _T3,
        "init": _T2,
        "validate": _T0,
        "plan": _T0,
        # ``apply`` changes what the configuration says, which the gate cannot read either way: with a saved plan
        # file or without one it is an ordinary change (T2); ``-destroy`` and ``-replace`` destroy by name (T3).
        "apply": {
            "=": _T2,
            "*": _T2,
            "!": "applies a saved plan (an ordinary change, as apply is)",
            "-": {"-destroy": _T3, "--destroy": _T3, "-replace": _T3},
        },
        "destroy": _T3,
        "console": _T0,
        "fmt": _T1,
        "force-unlock": _T2,
        "get": _T2,
        "graph": _T0,
        "import": _T2,
        "login": _T2,
        "logout": _T2,
        "metadata": {"functions": _T0, "*": _T3},
        "output": _T0,
        "providers": {"=": _T0, "lock": _T1, "mirror": _T1, "schema": _T0, "*": _T3},
        "refresh": _T2,
        "show": _T0,
        "state": {
            "*": _T3,
            "list": _T0,
            "show": _T0,
            "pull": _T0,
            "identities": _T0,
            "mv": _T2,
            "rm": _T2,
            "replace-provider": _T2,
            "push": _T3,  # overwrites the record of what exists
        },
        "taint": _T2,
        "untaint": _T2,
        "test": _T2,
        "modules": _T0,
        "version": _T0,
        "workspace": {"*": _T3, "list": _T0, "show": _T0, "select": _T2, "new": _T2, "delete": _T3},
    },
}

_PULUMI: dict[str, Any] = {
    "options": "-C --cwd -s --stack --color -v --verbose --tracing --profiling --logflow --config-file -c --config "
    "--target -t --replace --target-replace --exclude --parallel -p --message -m",
    "tree": {
        "*": _T3,
        "destroy": _T3,
        "down": _T3,
        "up": {"=": _T2, "-": {"--replace": _T3, "--target-replace": _T3}},
        "update": {"=": _T2, "-": {"--replace": _T3, "--target-replace": _T3}},
        "preview": _T0,
        "pre": _T0,
        "refresh": _T2,
        "import": _T2,
        "cancel": _T2,
        "stack": {
            "*": _T3,
            "=": _T0,
            "rm": _T3,
            "ls": _T0,
            "output": _T0,
            "history": _T0,
            "graph": _T0,
            "export": _T0,
            "init": _T2,
            "select": _T2,
            "unselect": _T2,
            "tag": _T2,
            "rename": _T2,
            "change-secrets-provider": _T2,
            "import": _T3,  # replaces the stack's record of what exists
        },
        "state": {"*": _T3, "delete": _T2, "unprotect": _T2, "protect": _T2, "rename": _T2, "move": _T2},
        "config": {"=": _T0, "*": _T3, "get": _T0, "set": _T2, "set-all": _T2, "rm": _T2, "rm-all": _T2, "cp": _T2},
        "login": _T2,
        "logout": _T2,
        "whoami": _T0,
        "version": _T0,
        "about": _T0,
        "logs": _T0,
        "new": _T2,
        "watch": _T2,
        "install": _T2,
        "plugin": {"*": _T3, "ls": _T0, "install": _T2, "rm": _T2},
    },
}

_KUBECTL_OPTIONS = (
    "--context --cluster --kubeconfig -n --namespace -s --server --user --token --as --as-group --as-uid "
    "--request-timeout --certificate-authority --client-key --client-certificate --cache-dir --tls-server-name "
    "-l --selector -o --output -f --filename -c --container --field-selector --grace-period --timeout --cascade "
    "-L --label-columns --sort-by --template -k --kustomize -p --patch --type --for --image --replicas "
    "--to-revision -v --v --log-file --password --username --profile --chunk-size --field-manager --overrides "
    "--port --patch-file --subresource --dry-run --prune-allowlist --max-surge --min --max --cpu-percent"
)
_KUBECTL: dict[str, Any] = {
    "options": _KUBECTL_OPTIONS,
    "tree": {
        "*": _T3,
        # ``--all-namespaces`` deletes in every namespace; ``--raw`` names no kind.
        "delete": {"=": _T3, "%": True, "-": {"-A": _T3, "--all-namespaces": _T3, "--raw": _T3}},
        **dict.fromkeys(
            [
                "get",
                "describe",
                "logs",
                "explain",
                "api-resources",
                "api-versions",
                "version",
                "cluster-info",
                "top",
                "diff",
                "events",
                "wait",
                "kustomize",
                "completion",
                "options",
                "plugin",
                "alpha",
            ],
            _T0,
        ),
        "auth": {"*": _T3, "can-i": _T0, "whoami": _T0, "reconcile": _T2},
        "config": {
            "=": _T0,
            "*": _T3,
            **dict.fromkeys(["view", "current-context", "get-contexts", "get-clusters", "get-users"], _T0),
            **dict.fromkeys(
                [
                    "set-context",
                    "use-context",
                    "use",
                    "set-cluster",
                    "set-credentials",
                    "set",
                    "unset",
                    "rename-context",
                    "delete-context",
                    "delete-cluster",
                    "delete-user",
                ],
                _T2,
            ),
        },
        "apply": {"=": _T2, "-": {"--prune": _T3}, "edit-last-applied": _T2, "set-last-applied": _T2},
        **dict.fromkeys(
            [
                "create",
                "edit",
                "patch",
                "replace",
                "label",
                "annotate",
                "scale",
                "autoscale",
                "expose",
                "run",
                "exec",
                "cp",
                "port-forward",
                "proxy",
                "attach",
                "taint",
                "cordon",
                "uncordon",
                "drain",
                "debug",
                "set",
            ],
            _T2,
        ),
        "rollout": {
            "*": _T3,
            **dict.fromkeys(["history", "status"], _T0),
            **dict.fromkeys(["restart", "undo", "pause", "resume"], _T2),
        },
        "certificate": {"*": _T3, "approve": _T2, "deny": _T2},
    },
}

_HELM: dict[str, Any] = {
    "options": "--kube-context --kubeconfig -n --namespace --kube-apiserver --kube-as-user --kube-as-group "
    "--kube-token --kube-ca-file --registry-config --repository-cache --repository-config --burst-limit --qps "
    "-f --values --set --set-string --set-file --version --timeout -o --output --description --post-renderer",
    "tree": {
        "*": _T3,
        **dict.fromkeys(["uninstall", "delete", "del", "un"], _T3),
        **dict.fromkeys(["install", "upgrade", "rollback", "test", "push"], _T2),
        **dict.fromkeys(
            [
                "list",
                "ls",
                "status",
                "get",
                "history",
                "hist",
                "show",
                "inspect",
                "template",
                "lint",
                "search",
                "verify",
                "version",
                "env",
                "completion",
                "diff",
            ],
            _T0,
        ),
        **dict.fromkeys(["pull", "fetch", "package", "create"], _T1),
        "repo": {
            "*": _T3,
            "=": _T0,
            "add": _T2,
            "update": _T2,
            "up": _T2,
            "remove": _T2,
            "rm": _T2,
            "list": _T0,
            "ls": _T0,
            "index": _T1,
        },
        "dependency": {"*": _T3, "build": _T1, "update": _T1, "up": _T1, "list": _T0, "ls": _T0},
        "dep": {"*": _T3, "build": _T1, "update": _T1, "up": _T1, "list": _T0, "ls": _T0},
        "plugin": {"*": _T3, "install": _T2, "uninstall": _T2, "update": _T2, "list": _T0, "ls": _T0},
        "registry": {"*": _T3, "login": _T2, "logout": _T2},
    },
}


def _cloud(options: str, tree: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"options": options, "words": "cloud", "tree": {"*": _T3, **(tree or {})}}


_AWS = _cloud(
    "--profile --region --output --endpoint-url --query --ca-bundle --cli-read-timeout --cli-connect-timeout "
    "--color --cli-binary-format",
    {
        "s3": {
            "*": _T3,
            "rm": _T3,
            "rb": _T3,
            "mv": _T2,
            "cp": _T2,
            "mb": _T2,
            "website": _T2,
            "ls": _T0,
            "presign": _T0,
            "sync": {"=": _T2, "-": {"--delete": _T3}},
        },
        "configure": {"=": _T2, "get": _T0, "list": _T0, "list-profiles": _T0},
    },
)
_GCLOUD = _cloud(
    "--project --account --configuration --verbosity --format --impersonate-service-account --billing-project "
    "--zone --region --flags-file --filter --limit",
    {"config": {"*": _T3, "=": _T0, "list": _T0, "get": _T0, "get-value": _T0, "set": _T2, "unset": _T2}},
)
_AZ = _cloud(
    "--subscription -o --output --query -g --resource-group -n --name --only-show-errors-x",
    # A VM restart is a reboot: it comes back (T2), as a Talos reboot does; a stop or deallocate does not.
    {"vm": {"*": _T3, "restart": _T2}, "vmss": {"*": _T3, "restart": _T2}},
)
_OPENSTACK = _cloud(
    "--os-cloud --os-region-name --os-project-name --os-project-id --os-auth-url --os-username --os-password "
    "--os-token --os-interface --os-identity-api-version -f --format -c --column --max-width",
    {"baremetal": {"*": _T3, "node": {"*": _T3, "power": {"=": _T3, "on": _T2, "off": _T3, "*": _T3}}}},
)
_CEPH: dict[str, Any] = {
    "options": "-c --conf -i --id --name -n --cluster -k --keyring -m -f --format -o --out-file --connect-timeout",
    "words": "cloud",
    "tree": {"*": _T3, "-s": _T0},
}
_SIMPLE_STORAGE_OPTIONS = "-p --pool --namespace -c --conf --id -m --cluster --format --image --snap --size -s"

_DOCKER_CONTAINER: dict[str, Any] = {
    "*": _T3,
    **dict.fromkeys(["ls", "list", "ps", "inspect", "logs", "top", "stats", "port", "diff", "export", "wait"], _T0),
    **dict.fromkeys(
        [
            "run",
            "create",
            "start",
            "stop",
            "restart",
            "kill",
            "pause",
            "unpause",
            "exec",
            "cp",
            "commit",
            "rename",
            "update",
            "attach",
        ],
        _T2,
    ),
    "rm": {"=": _T2, "-": {"-v": _T3, "--volumes": _T3}},  # -v removes the container's anonymous volumes
    "remove": {"=": _T2, "-": {"-v": _T3, "--volumes": _T3}},
    "prune": _T3,
}
_COMPOSE_OPTIONS = "-f --file -p --project-name --project-directory --env-file --profile --ansi --parallel"
_DOCKER_COMPOSE: dict[str, Any] = {
    "*": _T3,
    "&": _COMPOSE_OPTIONS,
    **dict.fromkeys(["ps", "logs", "config", "ls", "images", "top", "port", "events", "version", "wait"], _T0),
    **dict.fromkeys(
        [
            "up",
            "build",
            "pull",
            "push",
            "start",
            "stop",
            "restart",
            "run",
            "exec",
            "kill",
            "pause",
            "unpause",
            "create",
            "cp",
            "scale",
            "watch",
        ],
        _T2,
    ),
    "down": {"=": _T2, "-": {"-v": _T3, "--volumes": _T3}},
    "rm": {"=": _T2, "-": {"-v": _T3, "--volumes": _T3}},
}
_DOCKER_TREE: dict[str, Any] = {
    **_DOCKER_CONTAINER,
    **dict.fromkeys(["images", "info", "version", "history", "search", "events"], _T0),
    **dict.fromkeys(["rmi", "build", "pull", "push", "tag", "login", "logout", "load", "import", "save"], _T2),
    "volume": {"*": _T3, "ls": _T0, "list": _T0, "inspect": _T0, "create": _T2, "rm": _T3, "remove": _T3, "prune": _T3},
    "system": {"*": _T3, "df": _T0, "info": _T0, "events": _T0, "prune": _T3, "dial-stdio": _T2},
    "image": {
        "*": _T3,
        **dict.fromkeys(["ls", "list", "inspect", "history", "save"], _T0),
        **dict.fromkeys(["pull", "push", "tag", "build", "rm", "remove", "load", "import"], _T2),
        "prune": _T3,
    },
    "container": _DOCKER_CONTAINER,
    "network": {
        "*": _T3,
        "ls": _T0,
        "list": _T0,
        "inspect": _T0,
        "create": _T2,
        "rm": _T2,
        "remove": _T2,
        "connect": _T2,
        "disconnect": _T2,
        "prune": _T3,
    },
    "builder": {"*": _T3, "prune": _T3, "build": _T2, "ls": _T0, "du": _T0},
    "buildx": {
        "*": _T3,
        "prune": _T3,
        "build": _T2,
        "bake": _T2,
        "create": _T2,
        "use": _T2,
        "rm": _T2,
        "ls": _T0,
        "inspect": _T0,
        "du": _T0,
        "imagetools": _T2,
        "version": _T0,
    },
    "compose": _DOCKER_COMPOSE,
    "context": {
        "*": _T3,
        "ls": _T0,
        "list": _T0,
        "inspect": _T0,
        "show": _T0,
        "export": _T0,
        "use": _T2,
        "create": _T2,
        "rm": _T2,
        "update": _T2,
        "import": _T2,
    },
    "swarm": {
        "*": _T3,
        "init": _T2,
        "join": _T2,
        "update": _T2,
        "unlock": _T2,
        "unlock-key": _T0,
        "join-token": _T0,
        "ca": _T2,
        "leave": _T3,
    },
    "node": {"*": _T3, "ls": _T0, "inspect": _T0, "ps": _T0, "rm": _T3, "update": _T2, "promote": _T2, "demote": _T2},
    "service": {
        "*": _T3,
        "ls": _T0,
        "inspect": _T0,
        "logs": _T0,
        "ps": _T0,
        "create": _T2,
        "update": _T2,
        "scale": _T2,
        "rollback": _T2,
        "rm": _T2,
    },
    "stack": {
        "*": _T3,
        "ls": _T0,
        "ps": _T0,
        "services": _T0,
        "config": _T0,
        "deploy": _T2,
        "up": _T2,
        "rm": _T2,
        "remove": _T2,
        "down": _T2,
    },
    "secret": {"*": _T3, "ls": _T0, "inspect": _T0, "create": _T2, "rm": _T3},
    "config": {"*": _T3, "ls": _T0, "inspect": _T0, "create": _T2, "rm": _T2},
    "plugin": {
        "*": _T3,
        "ls": _T0,
        "inspect": _T0,
        "install": _T2,
        "enable": _T2,
        "disable": _T2,
        "rm": _T2,
        "upgrade": _T2,
        "create": _T2,
        "push": _T2,
        "set": _T2,
    },
    "manifest": {"*": _T3, "inspect": _T0, "create": _T2, "annotate": _T2, "push": _T2, "rm": _T2},
    "trust": {"*": _T3, "inspect": _T0, "sign": _T2, "revoke": _T2, "key": _T2, "signer": _T2},
}
_DOCKER_OPTIONS = "--config -c --context -H --host -l --log-level --tlscacert --tlscert --tlskey"
_PODMAN_TREE: dict[str, Any] = {
    **_DOCKER_TREE,
    "system": {
        **_DOCKER_TREE["system"],
        "reset": _T3,
        "migrate": _T2,
        "renumber": _T2,
        "connection": _T2,
        "service": _T2,
    },
    "pod": {
        "*": _T3,
        **dict.fromkeys(["ls", "list", "ps", "inspect", "logs", "top", "stats"], _T0),
        **dict.fromkeys(["create", "start", "stop", "restart", "kill", "pause", "unpause", "rm", "clone"], _T2),
        "prune": _T3,
    },
    "machine": {
        "*": _T3,
        "ls": _T0,
        "list": _T0,
        "inspect": _T0,
        "info": _T0,
        "init": _T2,
        "start": _T2,
        "ssh": _T2,
        "set": _T2,
        "stop": _T3,
        "rm": _T3,
        "reset": _T3,
    },
    **dict.fromkeys(["generate", "healthcheck"], _T0),
    **dict.fromkeys(
        ["mount", "umount", "unmount", "unshare", "auto-update", "play", "kube", "restore", "checkpoint"], _T2
    ),
}
_DOCKER: dict[str, Any] = {"options": _DOCKER_OPTIONS, "tree": _DOCKER_TREE}
_PODMAN: dict[str, Any] = {
    "options": _DOCKER_OPTIONS + " --remote --url --connection --root --runroot --storage-driver --identity",
    "tree": _PODMAN_TREE,
}

_VIRSH_READS = (
    "list dominfo domstate dumpxml domiflist domifaddr domblklist domblkinfo domblkstat domifstat dommemstat domstats "
    "domid domname domuuid domdisplay vcpuinfo vcpucount nodeinfo nodememstats nodecpustats capabilities "
    "domcapabilities hostname sysinfo uri version pool-list pool-info pool-dumpxml vol-list vol-info vol-dumpxml "
    "vol-path vol-download net-list net-info net-dumpxml net-dhcp-leases snapshot-list snapshot-info "
    "snapshot-dumpxml snapshot-current secret-list nodedev-list nodedev-dumpxml iface-list nwfilter-list help echo "
    "domjobinfo domtime dommemstat domhostname"
)
_VIRSH_CHANGES = (
    "start reboot create define edit autostart suspend resume save restore migrate setmem setmaxmem setvcpus "
    "attach-device detach-device attach-disk detach-disk attach-interface detach-interface change-media console "
    "update-device blockresize managedsave vol-create vol-create-as vol-clone vol-resize pool-destroy pool-undefine "
    "pool-define pool-create pool-start pool-autostart pool-refresh net-destroy net-undefine net-start net-define "
    "net-create net-autostart net-edit snapshot-create snapshot-create-as blockcommit blockpull blockcopy domrename "
    "send-key set-user-password nodedev-detach nodedev-reattach secret-define secret-set-value iface-destroy "
    "iface-undefine iface-start iface-define nwfilter-define nwfilter-undefine connect dompmsuspend dompmwakeup setvcpu"
)
_VIRSH_DESTROYS = (
    "destroy undefine shutdown reset vol-delete vol-wipe vol-upload pool-delete pool-build managedsave-remove "
    "snapshot-delete snapshot-revert nodedev-destroy secret-undefine qemu-monitor-command qemu-agent-command "
    "domfstrim"
)
_VIRSH: dict[str, Any] = {
    "options": "-c --connect -l --log -e --escape -k --keepalive-interval -K --keepalive-count",
    "tree": {
        "*": _T3,
        **dict.fromkeys(_VIRSH_READS.split(), _T0),
        **dict.fromkeys(_VIRSH_CHANGES.split(), _T2),
        **dict.fromkeys(_VIRSH_DESTROYS.split(), _T3),
    },
}
_PROXMOX: dict[str, Any] = {
    "options": "",
    "tree": {
        "*": _T3,
        **dict.fromkeys(["list", "status", "config", "showcmd", "pending", "cloudinit", "listsnapshot", "wait"], _T0),
        **dict.fromkeys(
            [
                "start",
                "create",
                "set",
                "clone",
                "migrate",
                "snapshot",
                "resize",
                "move-disk",
                "move-volume",
                "template",
                "terminal",
                "enter",
                "exec",
                "suspend",
                "resume",
                "mount",
                "unmount",
                "importdisk",
                "importovf",
                "guest",
                "reboot",
            ],
            _T2,
        ),
        **dict.fromkeys(
            ["destroy", "stop", "shutdown", "reset", "delsnapshot", "rollback", "unlink", "remote-migrate"],
            _T3,
        ),
    },
}

_ZFS: dict[str, Any] = {
    "options": "-o -O -t -s -S -d",
    "tree": {
        "*": _T3,
        **dict.fromkeys(
            ["list", "get", "diff", "wait", "version", "holds", "userspace", "groupspace", "projectspace"], _T0
        ),
        **dict.fromkeys(
            [
                "create",
                "snapshot",
                "set",
                "inherit",
                "promote",
                "rename",
                "clone",
                "mount",
                "unmount",
                "umount",
                "share",
                "unshare",
                "allow",
                "unallow",
                "hold",
                "release",
                "bookmark",
                "load-key",
                "unload-key",
                "change-key",
                "send",
                "redact",
                "project",
                "jail",
                "unjail",
            ],
            _T2,
        ),
        "receive": {"=": _T2, "-": {"-F": _T3}},  # -F rolls the target back and destroys what differs
        "recv": {"=": _T2, "-": {"-F": _T3}},
        **dict.fromkeys(["destroy", "rollback", "upgrade", "program"], _T3),
    },
}
_ZPOOL: dict[str, Any] = {
    "options": "-o -O -R -m -t -d -c",
    "tree": {
        "*": _T3,
        **dict.fromkeys(["list", "status", "get", "iostat", "history", "events", "wait", "version"], _T0),
        **dict.fromkeys(
            [
                "attach",
                "detach",
                "remove",
                "replace",
                "offline",
                "online",
                "clear",
                "export",
                "import",
                "scrub",
                "trim",
                "set",
                "split",
                "reguid",
                "checkpoint",
                "sync",
                "resilver",
                "reopen",
                "initialize",
            ],
            _T2,
        ),
        # create and add write labels onto whole disks; upgrade cannot be undone
        **dict.fromkeys(["destroy", "labelclear", "create", "add", "upgrade"], _T3),
    },
}
_LVM_READS = "lvs vgs pvs lvdisplay vgdisplay pvdisplay lvscan vgscan pvscan vgck pvck lvmdiskscan lvmconfig fullreport"
_LVM_CHANGES = (
    "lvcreate lvextend lvrename vgrename lvchange vgchange pvchange lvconvert pvmove vgreduce vgsplit vgmerge "
    "vgimport vgexport vgcfgbackup pvresize vgimportclone vgmknodes"
)
# vgcreate and vgextend make physical volumes of the devices they are given (pvcreate writes its label).
_LVM_DESTROYS = "lvremove vgremove pvremove lvreduce pvcreate vgcreate vgextend vgcfgrestore"
_LVRESIZE: dict[str, Any] = {"=": _T3, "+": ["-L", "--size", "-l", "--extents"]}

_ETCDCTL: dict[str, Any] = {
    "options": "--endpoints --cacert --cert --key --user --password --command-timeout --dial-timeout -w --write-out "
    "--discovery-srv --discovery-srv-name --keepalive-time --keepalive-timeout",
    "tree": {
        "*": _T3,
        "del": _T3,
        "put": _T2,
        **dict.fromkeys(["get", "watch", "version"], _T0),
        "member": {"*": _T3, "list": _T0, "add": _T2, "update": _T2, "promote": _T2, "remove": _T3},
        "snapshot": {"*": _T3, "save": _T1, "status": _T0, "restore": _T3},
        "defrag": _T2,
        "compaction": _T2,
        "alarm": {"*": _T3, "list": _T0, "disarm": _T2},
        "lease": {"*": _T3, "list": _T0, "timetolive": _T0, "grant": _T2, "keep-alive": _T2, "revoke": _T3},
        "auth": {"*": _T3, "status": _T0, "enable": _T2, "disable": _T2},
        "user": {
            "*": _T3,
            "list": _T0,
            "get": _T0,
            "add": _T2,
            "grant-role": _T2,
            "revoke-role": _T2,
            "passwd": _T2,
            "delete": _T3,
        },
        "role": {
            "*": _T3,
            "list": _T0,
            "get": _T0,
            "add": _T2,
            "grant-permission": _T2,
            "revoke-permission": _T2,
            "delete": _T3,
        },
        "endpoint": {"*": _T3, "health": _T0, "status": _T0, "hashkv": _T0},
        "move-leader": _T2,
        "make-mirror": _T2,
        "elect": _T2,
        "lock": _T2,
        "check": {"*": _T3, "perf": _T2, "datascale": _T2},
        "txn": _T3,  # reads its operations (deletes included) from stdin
        "downgrade": _T3,
    },
}
_ETCDUTL: dict[str, Any] = {
    "options": "--data-dir -w --write-out",
    "tree": {
        "*": _T3,
        "version": _T0,
        "hashkv": _T0,
        "defrag": _T2,
        "backup": _T1,
        "snapshot": {"*": _T3, "status": _T0, "restore": _T3},
        "migrate": _T3,
    },
}

_IPMI_POWER: dict[str, Any] = {
    "*": _T3,
    "status": _T0,
    "on": _T2,
    **dict.fromkeys(["off", "cycle", "reset", "soft", "diag"], _T3),
}
_IPMITOOL: dict[str, Any] = {
    "options": "-I -H -U -P -p -L -A -t -b -B -T -m -f -k -K -y -e -N -R -o -O -C -l -Y -z -Z -S -d",
    "tree": {
        "*": _T3,
        "chassis": {
            "*": _T3,
            "power": _IPMI_POWER,
            **dict.fromkeys(["status", "restart_cause", "poh", "selftest"], _T0),
            **dict.fromkeys(["identify", "bootdev", "policy"], _T2),
            "bootparam": {"*": _T3, "get": _T0, "set": _T2},
        },
        "power": _IPMI_POWER,
        "mc": {
            "*": _T3,
            "info": _T0,
            "guid": _T0,
            "getenables": _T0,
            "selftest": _T0,
            "watchdog": {"get": _T0, "*": _T3},
            "setenables": _T2,
            "reset": _T3,
        },
        "bmc": {
            "*": _T3,
            "info": _T0,
            "guid": _T0,
            "getenables": _T0,
            "selftest": _T0,
            "setenables": _T2,
            "reset": _T3,
        },
        "sdr": {"*": _T3, **dict.fromkeys(["list", "elist", "type", "get", "info", "entity", "dump"], _T0)},
        "sensor": {"*": _T3, "list": _T0, "get": _T0, "reading": _T0, "thresh": _T2},
        "sel": {"*": _T3, **dict.fromkeys(["info", "list", "elist", "get", "time"], _T0), "clear": _T3, "delete": _T3},
        "lan": {"*": _T3, "print": _T0, "stats": {"get": _T0, "*": _T3}, "set": _T2, "alert": _T2},
        "user": {
            "*": _T3,
            "list": _T0,
            "summary": _T0,
            "set": _T2,
            "enable": _T2,
            "disable": _T2,
            "priv": _T2,
            "test": _T0,
        },
        "fru": {"*": _T3, "print": _T0, "list": _T0, "read": _T0, "write": _T3, "edit": _T3},
        "sol": {"*": _T3, "info": _T0, "activate": _T2, "deactivate": _T2, "set": _T2, "payload": _T2},
        "session": {"*": _T3, "info": _T0},
        "channel": {"*": _T3, "info": _T0, "getaccess": _T0, "getciphers": _T0, "authcap": _T0, "setaccess": _T2},
        "dcmi": {"*": _T3, "discover": _T0, "power": {"reading": _T0, "get_limit": _T0, "*": _T3}, "sensors": _T0},
        "raw": _T3,  # raw IPMI requests may do anything
        "exec": _T3,
        "shell": _T3,
        "hpm": {"*": _T3, "check": _T0},
        "picmg": _T3,
    },
}
_RACADM: dict[str, Any] = {
    "options": "-r -u -p -i -S",
    "tree": {
        "*": _T3,
        "serveraction": {
            "*": _T3,
            "powerstatus": _T0,
            "powerup": _T2,
            "powerdown": _T3,
            "powercycle": _T3,
            "hardreset": _T3,
            "graceshutdown": _T3,
            "nmi": _T3,
        },
        **dict.fromkeys(
            [
                "get",
                "getsysinfo",
                "getconfig",
                "getsvctag",
                "getversion",
                "getniccfg",
                "getsel",
                "gettracelog",
                "lclog",
                "swinventory",
                "hwinventory",
                "help",
                "getractime",
                "getled",
                "getsensorinfo",
            ],
            _T0,
        ),
        **dict.fromkeys(["set", "config", "setled", "sslcertupload", "closessn", "sshpkauth", "jobqueue"], _T2),
        **dict.fromkeys(
            ["racreset", "racresetcfg", "systemerase", "clrsel", "fwupdate", "update", "rollback", "resetcfg"], _T3
        ),
        "storage": {"*": _T3, "get": _T0, "createvd": _T2},
        "raid": {"*": _T3, "get": _T0, "createvd": _T2},
    },
}
_REDFISHTOOL: dict[str, Any] = {
    "options": "-r --rhost -u --user -p --password -S --Secure -I --Id -M --Match -T --Timeout -W --Wait -A --Auth "
    "-H --Headers -t --token -F --Format -P --Prop -d --data",
    "tree": {
        "*": _T3,
        "versions": _T0,
        "root": _T0,
        "about": _T0,
        "Systems": {
            "*": _T3,
            "=": _T0,
            "list": _T0,
            "get": _T0,
            "Processors": _T0,
            "Memory": _T0,
            "Storage": _T0,
            "Logs": {"*": _T3, "list": _T0, "get": _T0, "clearLog": _T3},
            "setBootOverride": _T2,
            "setAssetTag": _T2,
            "setIndicatorLed": _T2,
            "patch": _T2,
            "reset": _T3,
        },
        "Chassis": {
            "*": _T3,
            "=": _T0,
            "list": _T0,
            "get": _T0,
            "Power": _T0,
            "Thermal": _T0,
            "setAssetTag": _T2,
            "setIndicatorLed": _T2,
            "patch": _T2,
            "reset": _T3,
            "setPowerLimit": _T2,
        },
        "Managers": {
            "*": _T3,
            "=": _T0,
            "list": _T0,
            "get": _T0,
            "NetworkProtocol": _T0,
            "EthernetInterfaces": _T0,
            "setDateTime": _T2,
            "patch": _T2,
            "reset": _T3,
        },
        "AccountService": {
            "*": _T3,
            "=": _T0,
            "get": _T0,
            "Accounts": _T0,
            "Roles": _T0,
            "adduser": _T2,
            "setpassword": _T2,
            "useradmin": _T2,
            "deleteuser": _T3,
        },
        "SessionService": {"*": _T3, "=": _T0, "get": _T0, "Sessions": _T0, "login": _T2, "logout": _T2},
        "raw": {"*": _T3, "GET": _T0, "HEAD": _T0, "PATCH": _T2, "PUT": _T2},  # POST runs actions, DELETE deletes
    },
}
_ILOREST: dict[str, Any] = {
    "options": "--url -u --user -p --password --sessionid --cache-dir --logdir --config --selector --filter",
    "tree": {
        "*": _T3,
        **dict.fromkeys(
            [
                "list",
                "get",
                "select",
                "info",
                "serverinfo",
                "serverstate",
                "status",
                "types",
                "help",
                "login",
                "logout",
                "iloaccounts-list",
                "directory-list",
                "certificate-list",
            ],
            _T0,
        ),
        **dict.fromkeys(
            ["set", "save", "commit", "bootorder", "onetimeboot", "virtualmedia", "iloaccounts", "ethernet"], _T2
        ),
        **dict.fromkeys(
            [
                "reboot",
                "factorydefaults",
                "factoryresetcontroller",
                "flashfwpkg",
                "firmwareupdate",
                "uploadcomp",
                "deletecomp",
                "iloreset",
                "clearrestapistate",
                "sigrecompute",
                "serverclone",
            ],
            _T3,
        ),
    },
}

_SQL_OPTIONS = {
    "psql": "-c --command -f --file -d --dbname -h --host -p --port -U --username -v --set --variable -o --output "
    "-L --log-file -F --field-separator -R --record-separator -P --pset -T --table-attr",
    "mysql": "-e --execute -D --database -h --host -u --user -P --port -S --socket --default-character-set "
    "--defaults-file --defaults-extra-file --login-path --init-command --protocol --ssl-ca --ssl-cert --ssl-key",
    "sqlite3": "-cmd -init -separator -newline -nullvalue -A -vfs -mmap -pagecache -lookaside -maxsize",
    "mongosh": "--eval --host --port -u --username -p --password --authenticationDatabase --authenticationMechanism "
    "--tlsCAFile --tlsCertificateKeyFile -f --file",
    "redis-cli": "-h -p -s -a --user --pass -u -n -r -i -d -D --cacert --cert --key --sni --tls-ciphers --eval",
    "cqlsh": "-e --execute -f --file -u --username -p --password -k --keyspace --cqlversion --encoding "
    "--connect-timeout --request-timeout",
    "clickhouse-client": "-q --query --queries-file -h --host --port -u --user --password -d --database -f --format "
    "--config-file",
    "sqlcmd": "-Q -q -i -S -U -P -d -o -v -s -w -H -A -l -t -a -c",
}


def _reader(language: str, options: str) -> dict[str, Any]:
    return {"options": options, "tree": {"@": language}}


_RAW_TOOLS: dict[str, dict[str, Any]] = {
    "terraform": _TERRAFORM,
    "tofu": _TERRAFORM,
    "terragrunt": {
        "options": _TERRAFORM["options"] + " --terragrunt-working-dir --terragrunt-config --working-dir --config",
        "tree": {
            **_TERRAFORM["tree"],
            "run-all": {"@": "terraform"},
            "run": {"@": "terraform"},
            "hclfmt": _T1,
            "render-json": _T0,
            "output-all": _T0,
            "destroy-all": _T3,
            "apply-all": _T2,
            "plan-all": _T0,
        },
    },
    "pulumi": _PULUMI,
    "kubectl": _KUBECTL,
    "oc": {
        "options": _KUBECTL_OPTIONS,
        "tree": {
            **_KUBECTL["tree"],
            **dict.fromkeys(
                ["login", "logout", "whoami", "project", "projects", "status", "new-project", "new-app", "start-build"],
                _T2,
            ),
            "project": _T2,
            "projects": _T0,
            "status": _T0,
            "whoami": _T0,
        },
    },
    "k3s": {
        "options": "",
        "tree": {
            "*": _T3,
            "kubectl": {"@": "kubectl"},
            "crictl": {"@": "crictl"},
            "ctr": {"@": "ctr"},
            "server": _T2,
            "agent": _T2,
            "check-config": _T0,
            "token": _T2,
            "secrets-encrypt": _T2,
            "certificate": {"*": _T3, "check": _T0, "rotate": _T2, "rotate-ca": _T2},
            "etcd-snapshot": {"*": _T3, "ls": _T0, "list": _T0, "save": _T1, "delete": _T3, "prune": _T3},
        },
    },
    "microk8s": {
        "options": "",
        "tree": {
            "*": _T3,
            "kubectl": {"@": "kubectl"},
            "helm": {"@": "helm"},
            "helm3": {"@": "helm"},
            "ctr": {"@": "ctr"},
            "status": _T0,
            "inspect": _T0,
            "config": _T0,
            "version": _T0,
            "enable": _T2,
            "disable": _T2,
            "start": _T2,
            "stop": _T3,
            "reset": _T3,
            "leave": _T3,
            "join": _T2,
            "add-node": _T2,
            "remove-node": _T3,
            "refresh-certs": _T2,
        },
    },
    "minikube": {
        "options": "-p --profile",
        "tree": {
            "*": _T3,
            "kubectl": {"@": "kubectl"},
            "delete": _T3,
            "stop": _T2,
            "start": _T2,
            "status": _T0,
            "ip": _T0,
            "version": _T0,
            "profile": _T0,
            "addons": _T2,
            "ssh": _T2,
            "dashboard": _T2,
            "service": _T0,
            "logs": _T0,
        },
    },
    "kind": {
        "options": "--name --kubeconfig",
        "tree": {
            "*": _T3,
            "create": _T2,
            "get": _T0,
            "export": _T0,
            "load": _T2,
            "build": _T2,
            "version": _T0,
            "delete": _T3,
        },
    },
    "helm": _HELM,
    "aws": _AWS,
    "gcloud": _GCLOUD,
    "az": _AZ,
    "openstack": _OPENSTACK,
    "eksctl": _cloud("--region -p --profile -f --config-file -n --name --cluster"),
    "doctl": _cloud("-t --access-token --context -o --output"),
    "hcloud": _cloud("--context -o --output"),
    "ceph": _CEPH,
    "rbd": {**_CEPH, "options": _SIMPLE_STORAGE_OPTIONS},
    "rados": {**_CEPH, "options": _SIMPLE_STORAGE_OPTIONS + " -o -t --target-pool"},
    "radosgw-admin": {**_CEPH, "options": _SIMPLE_STORAGE_OPTIONS + " --uid --bucket --object --access-key"},
    "ceph-volume": {
        "options": "--cluster --log-level --log-path",
        "tree": {
            "*": _T3,
            "lvm": {
                "*": _T3,
                "list": _T0,
                "zap": _T3,
                "prepare": _T3,
                "create": _T3,
                "batch": _T3,
                "activate": _T2,
                "deactivate": _T2,
                "migrate": _T2,
                "new-db": _T2,
                "new-wal": _T2,
            },
            "inventory": _T0,
            "raw": {"*": _T3, "list": _T0, "prepare": _T3, "activate": _T2},
            "simple": _T2,
        },
    },
    "docker": _DOCKER,
    "podman": _PODMAN,
    "nerdctl": _DOCKER,
    "docker-compose": {"options": _DOCKER_OPTIONS + " " + _COMPOSE_OPTIONS, "tree": _DOCKER_COMPOSE},
    "podman-compose": {"options": _DOCKER_OPTIONS + " " + _COMPOSE_OPTIONS, "tree": _DOCKER_COMPOSE},
    "crictl": {
        "options": "-r --runtime-endpoint -i --image-endpoint -c --config --timeout",
        "tree": {
            "*": _T3,
            **dict.fromkeys(
                [
                    "ps",
                    "pods",
                    "images",
                    "inspect",
                    "inspecti",
                    "inspectp",
                    "logs",
                    "stats",
                    "statsp",
                    "info",
                    "version",
                    "imagefsinfo",
                    "config",
                ],
                _T0,
            ),
            **dict.fromkeys(
                ["pull", "exec", "attach", "port-forward", "runp", "run", "create", "start", "stop", "stopp", "update"],
                _T2,
            ),
            **dict.fromkeys(["rm", "rmp", "rmi"], _T2),
        },
    },
    "ctr": {
        "options": "-a --address -n --namespace --timeout",
        "tree": {
            "*": _T3,
            "images": {
                "*": _T3,
                "ls": _T0,
                "list": _T0,
                "check": _T0,
                "pull": _T2,
                "push": _T2,
                "import": _T2,
                "export": _T0,
                "tag": _T2,
                "rm": _T2,
                "remove": _T2,
                "delete": _T2,
                "mount": _T2,
                "unmount": _T2,
            },
            "containers": {
                "*": _T3,
                "ls": _T0,
                "list": _T0,
                "info": _T0,
                "create": _T2,
                "rm": _T2,
                "delete": _T2,
                "del": _T2,
            },
            "tasks": {
                "*": _T3,
                "ls": _T0,
                "list": _T0,
                "ps": _T0,
                "metrics": _T0,
                "start": _T2,
                "kill": _T2,
                "exec": _T2,
                "pause": _T2,
                "resume": _T2,
                "rm": _T2,
                "delete": _T2,
            },
            "snapshots": {"*": _T3, "ls": _T0, "list": _T0, "info": _T0, "usage": _T0, "rm": _T3, "delete": _T3},
            "content": {
                "*": _T3,
                "ls": _T0,
                "list": _T0,
                "get": _T0,
                "fetch": _T2,
                "rm": _T3,
                "delete": _T3,
                "prune": _T3,
            },
            "namespaces": {"*": _T3, "ls": _T0, "list": _T0, "create": _T2, "rm": _T3, "remove": _T3},
            "run": _T2,
            "version": _T0,
            "info": _T0,
            "plugins": _T0,
            "events": _T0,
        },
    },
    "virsh": _VIRSH,
    "qm": _PROXMOX,
    "pct": _PROXMOX,
    "zfs": _ZFS,
    "zpool": _ZPOOL,
    **{name: {"options": "", "tree": _T0} for name in _LVM_READS.split()},
    **{name: {"options": "", "tree": _T2} for name in _LVM_CHANGES.split()},
    **{name: {"options": "", "tree": _T3} for name in _LVM_DESTROYS.split()},
    "lvresize": {"options": "-L --size -l --extents -n --name", "tree": _LVRESIZE},
    "lvm": {
        "options": "",
        "tree": {
            "*": _T3,
            "version": _T0,
            "help": _T0,
            "segtypes": _T0,
            "formats": _T0,
            "lvresize": {"@": "lvresize"},
            **{name: {"@": name} for name in (_LVM_READS + " " + _LVM_CHANGES + " " + _LVM_DESTROYS).split()},
        },
    },
    "etcdctl": _ETCDCTL,
    "etcdutl": _ETCDUTL,
    "ipmitool": _IPMITOOL,
    "racadm": _RACADM,
    "redfishtool": _REDFISHTOOL,
    "ilorest": _ILOREST,
    **{name: _reader("sql", options) for name, options in _SQL_OPTIONS.items() if name not in ("mongosh", "redis-cli")},
    "mariadb": _reader("sql", _SQL_OPTIONS["mysql"]),
    "mongosh": _reader("mongo", _SQL_OPTIONS["mongosh"]),
    "mongo": _reader("mongo", _SQL_OPTIONS["mongosh"]),
    "redis-cli": _reader("redis", _SQL_OPTIONS["redis-cli"]),
    "valkey-cli": _reader("redis", _SQL_OPTIONS["redis-cli"]),
    "dropdb": {"options": "", "tree": _T3},
    "dropuser": {"options": "", "tree": _T3},
    "pg_restore": {
        "options": "-d --dbname -F --format -f --file -h --host -p --port -U --username -n --schema -t --table -I "
        "--index -P --function -T --trigger -j --jobs -L --use-list -S --superuser --role",
        "tree": {"=": _T2, "*": _T2, "!": "restores a dump", "-": {"-c": _T3, "--clean": _T3}},
    },
    "pwsh": _reader("pwsh", ""),
    "powershell": _reader("pwsh", ""),
}


def _lower_tree(node: Any) -> Any:
    """Verb words are matched in lower case (``Systems``, ``chassis``): the tables are written as the tools spell
    them and folded once here. Option spellings (``-`` and ``+``) keep their case (``-A`` is not ``-a``)."""
    if not isinstance(node, dict):
        return node
    return {
        (key if key in _SPECIAL_KEYS else key.lower()): (value if key in ("-", "+", "!", "&") else _lower_tree(value))
        for key, value in node.items()
    }


_SPECIAL_KEYS = frozenset("=*-+%@!&")
# The tools whose tables spell verb words in mixed case. Only these are folded at import: folding every table
# copied all of them (about 0.5 ms of every gated run's start-up, issue 22), and all the others are written in lower
# case already (test_lifecycle.py::test_only_the_listed_tools_spell_verbs_in_mixed_case holds the list exact).
MIXED_CASE_TOOLS = frozenset({"redfishtool"})
TOOLS: Mapping[str, Mapping[str, Any]] = {
    name: {**spec, "tree": _lower_tree(spec["tree"])} if name in MIXED_CASE_TOOLS else spec
    for name, spec in _RAW_TOOLS.items()
}

# Names under which a tool is installed or invoked (``microk8s.kubectl``, ``docker.io``).
_ALIASES: Mapping[str, str] = {
    "microk8s.kubectl": "kubectl",
    "k3s-kubectl": "kubectl",
    "kubectl.exe": "kubectl",
    "docker.io": "docker",
    "mysqlsh": "mysql",
    "psql.exe": "psql",
    "pwsh.exe": "pwsh",
    "powershell.exe": "powershell",
    "pwsh-preview": "pwsh",
    "clickhouse": "clickhouse-client",
    "openstack.exe": "openstack",
    "aws2": "aws",
}
_VERSIONED = re.compile(r"(.+?)(?:[-_]?v?[0-9][0-9.]*)(?:\.exe)?")

# ---------------------------------------------------------------------------------------------------------------
# Readers: tools whose words carry code in another language. Each takes (tool, argument words, stdin text or None,
# whether standard input comes from a pipe or a file the gate cannot read) and returns a verdict. They are
# registered by name so that a tool entry (``{"@": "sql"}``) stays data; a module with a verb table of its own
# (Talos) registers itself the same way. ``unread_stdin`` is "pipe", "file" or "".
# ---------------------------------------------------------------------------------------------------------------
Reader = Callable[[str, Sequence[str], "str | None", str], "Verdict | None"]


READERS: dict[str, Reader] = {
    "sql": _sql.classify_client,
    "mongo": _sql.classify_mongo,
    "redis": _sql.classify_redis,
    "pwsh": _pwsh.classify_invocation,
}

# ---------------------------------------------------------------------------------------------------------------
# The reader of the table
# ---------------------------------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=256)
def tool_for(name: str) -> str | None:
    """The table entry for a command name (``tofu``, ``kubectl1.29``, ``terraform.exe``), or None."""
    lower = name.lower()
    if lower in TOOLS:
        return lower
    if lower in _ALIASES:
        return _ALIASES[lower]
    if lower.endswith(".exe") and lower[:-4] in TOOLS:
        return lower[:-4]
    m = _VERSIONED.fullmatch(lower)
    if m and m.group(1) in TOOLS:
        return m.group(1)
    return None


@functools.lru_cache(maxsize=128)
def _options(tool: str) -> frozenset[str]:
    return frozenset(str(TOOLS[tool].get("options", "")).split())


def _option_width(words: Sequence[tuple[str, bool]], k: int, options: frozenset[str], *, greedy: bool) -> int:
    """How many words the option at ``k`` spans (1 or 2). ``greedy``: an option the table does not know takes the
    next word as its value (the second reading, see the module docstring)."""
    word = words[k][0]
    if "=" in word:
        return 1
    if word in options:
        return 2
    if not word.startswith("--") and len(word) > 2 and word[:2] in options:
        return 1  # -nprod: a short option with its value attached
    if greedy and k + 1 < len(words) and not words[k + 1][0].startswith("-") and word not in _FLAG_WORDS:
        return 2
    return 1


def _positionals(
    words: Sequence[tuple[str, bool]], options: frozenset[str], *, greedy: bool
) -> list[tuple[int, str, bool]]:
    """(index, word, static) of the words that are not options or option values."""
    result: list[tuple[int, str, bool]] = []
    k = 0
    ended = False
    while k < len(words):
        word, static = words[k]
        if word == "--" and static and not ended:
            ended = True
            k += 1
        elif ended or not static or not word.startswith("-") or word == "-":
            result.append((k, word, static))
            k += 1
        else:
            k += _option_width(words, k, options, greedy=greedy)
    return result


# Options known to take no value in the tools above: the greedy reading leaves the word after them alone.
_FLAG_WORDS = frozenset(
    [
        "-auto-approve",
        "-compact-warnings",
        "-no-color",
        "-json",
        "-destroy",
        "-refresh-only",
        "--all",
        "-A",
        "--all-namespaces",
        "--force",
        "--wait",
        "--atomic",
        "--install",
        "--dry-run",
        "--debug",
        "--yes",
        "-y",
        "-f",
        "-v",
        "-q",
        "--quiet",
        "--rm",
        "-d",
        "--detach",
        "-it",
        "-i",
        "-t",
        "--purge",
        "--recursive",
        "-r",
        "-R",
        "--no-paginate",
        "--skip-final-snapshot",
        "--volumes",
        "--keep-history",
        "--prune",
        "--overwrite",
        "-E",
        "-c",
        "-a",
        "-g",
        "-s",
        "--yes-i-really-mean-it",
        "--yes-i-really-really-mean-it",
        "--graceful",
        "--reboot",
        "--insecure",
    ]
)


def _flag_present(flag: str, words: Sequence[tuple[str, bool]], options: frozenset[str]) -> bool:
    """``flag`` is given, alone, with ``=value``, or (a one-letter flag) in a cluster of short flags before any
    letter that takes a value (``-fv`` has ``-v``; ``-Fc`` is ``-F c``)."""
    single = len(flag) == 2 and flag[0] == "-" and flag[1] != "-"
    for word, static in words:
        if not static:
            continue
        if word == "--":
            return False
        if word == flag or word.startswith(flag + "="):
            return True
        if single and _SHORT_CLUSTER.fullmatch(word):
            for letter in word[1:]:
                if letter == flag[1]:
                    return True
                if "-" + letter in options:
                    break
    return False


_SHORT_CLUSTER = re.compile(r"-[A-Za-z]{2,8}")


def _grows_only(size_options: Sequence[str], words: Sequence[tuple[str, bool]]) -> bool:
    values: list[str] = []
    for k, (word, static) in enumerate(words):
        for opt in size_options:
            if word == opt and k + 1 < len(words):
                values.append(words[k + 1][0] if words[k + 1][1] else "")
            elif word.startswith(opt + "="):
                values.append(word.partition("=")[2])
            elif not opt.startswith("--") and word.startswith(opt) and len(word) > len(opt) and static:
                values.append(word[len(opt) :])
    return bool(values) and all(v.startswith("+") for v in values)


_LABELS = {
    _T0: "reads only",
    _T1: "changes local files",
    _T2: "an ordinary change",
    _T3: "irreversible",
}


def _walk(
    tool: str, words: Sequence[tuple[str, bool]], *, greedy: bool, stdin: str | None, unread_stdin: str, depth: int
) -> Verdict:
    spec = TOOLS[tool]
    node: Any = spec["tree"]
    path: list[str] = [tool]
    raisers: list[Mapping[str, int]] = []
    options = _options(tool)
    k = 0
    ended = False
    while k < len(words) and isinstance(node, dict) and "@" not in node:
        word, static = words[k]
        if word == "--" and static and not ended:
            ended, k = True, k + 1
            continue
        if not ended and static and word.startswith("-") and word != "-":
            k += _option_width(words, k, options, greedy=greedy)
            continue
        if "-" in node:
            raisers.append(node["-"])
        if not static:
            return Tier.T3, f"{' '.join(path)} with a verb that is not statically known ({word[:40]})"
        key = word.lower()
        if "%" in node:
            tier, kind = kube_kind_tier(word)
            return _raise((Tier(tier), f"{' '.join(path)} {kind}: {_LABELS[tier]}"), words, raisers, options)
        child = node.get(key) if key not in _SPECIAL_KEYS else None
        if child is not None:
            node = child
            path.append(key)
            k += 1
            if isinstance(node, dict) and "&" in node:
                options = options | frozenset(node["&"].split())
            if isinstance(node, dict) and "@" in node:
                return _delegate(
                    node["@"], tool, path, words[k:], greedy=greedy, stdin=stdin, unread_stdin=unread_stdin, depth=depth
                )
            continue
        if "*" not in node:
            break  # the words from here are operands
        if "words" in spec:
            rest = [(w, st) for _unused, w, st in _positionals(words[k:], options, greedy=greedy)]
            return _raise(_scan_words(tool, spec["words"], rest, path), words, raisers, options)
        why = node.get("!", f"a verb the table does not know (unknown verbs of {tool} round up)")
        return _raise((Tier(node["*"]), f"{' '.join(path)} {word[:40]}: {why}"), words, raisers, options)
    if isinstance(node, dict) and "@" in node:
        return _delegate(
            node["@"], tool, path, words, greedy=greedy, stdin=stdin, unread_stdin=unread_stdin, depth=depth
        )
    if isinstance(node, dict):
        if "-" in node and node["-"] not in raisers:
            raisers.append(node["-"])
        tier = Tier(node.get("=", _T0))
        if "+" in node and tier is Tier.T3 and _grows_only(node["+"], words):
            tier = Tier.T2
    else:
        tier = Tier(node)
    return _raise((tier, f"{' '.join(path)}: {_LABELS[int(tier)]}"), words, raisers, options)


def _raise(
    verdict: Verdict, words: Sequence[tuple[str, bool]], raisers: Sequence[Mapping[str, int]], options: frozenset[str]
) -> Verdict:
    tier, reason = verdict
    for flags in raisers:
        for flag, flag_tier in flags.items():
            if flag_tier > tier and _flag_present(flag, words, options):
                tier, reason = Tier(flag_tier), f"{reason.split(':', 1)[0]} {flag}: {_LABELS[flag_tier]}"
    return tier, reason


def _scan_words(tool: str, name: str, rest: Sequence[tuple[str, bool]], path: Sequence[str]) -> Verdict:
    """The first word that is a known verb decides; none rounds up."""
    table = WORD_SETS[name]
    seen = list(path)
    for word, static in rest:
        if not static:
            return Tier.T3, f"{' '.join(seen)} with a verb that is not statically known ({word[:40]})"
        key = word.lower()
        seen.append(key)
        tier = table.get(key)
        if tier is None and "-" in key:
            tier = table.get(key.split("-", 1)[0])
        if tier is not None:
            return Tier(tier), f"{' '.join(seen)[:80]}: {_LABELS[tier]}"
    if not rest:
        return Tier.T0, f"{tool} with no command: {_LABELS[_T0]}"
    return Tier.T3, f"{' '.join(seen)[:80]}: no verb the table knows (unknown commands of {tool} round up)"


def _delegate(
    target: str,
    tool: str,
    path: Sequence[str],
    rest: Sequence[tuple[str, bool]],
    *,
    greedy: bool,
    stdin: str | None,
    unread_stdin: str,
    depth: int,
) -> Verdict:
    if target in READERS:
        verdict = READERS[target](tool, [w if static else UNKNOWN_WORD for w, static in rest], stdin, unread_stdin)
        return verdict if verdict is not None else (Tier.T0, f"{' '.join(path)}: {_LABELS[_T0]}")
    if target in TOOLS and depth < 4:
        return _walk(target, rest, greedy=greedy, stdin=stdin, unread_stdin=unread_stdin, depth=depth + 1)
    return Tier.T3, f"{' '.join(path)}: delegates to {target}, which the gate does not know"


def classify_words(
    name: str,
    words: Sequence[str],
    *,
    static: Sequence[bool] | None = None,
    stdin: str | None = None,
    unread_stdin: str = "",
) -> Verdict | None:
    """The verdict on running ``name`` with ``words`` (the arguments after the command name), or None when the
    table does not know the tool. ``static``: per word, whether its value is statically known (default: all are).
    ``stdin``: text fed to the command when known; ``unread_stdin``: its input comes from somewhere the gate
    cannot read ("pipe" or "file")."""
    tool = tool_for(name)
    if tool is None:
        return None
    known = static if static is not None else [True] * len(words)
    pairs = list(zip(words, known, strict=False))
    first = _walk(tool, pairs, greedy=False, stdin=stdin, unread_stdin=unread_stdin, depth=0)
    if first[0] is Tier.T3:
        return first
    second = _walk(tool, pairs, greedy=True, stdin=stdin, unread_stdin=unread_stdin, depth=0)
    return second if second[0] > first[0] else first


def command_verdict(cmd: SimpleCommand) -> Verdict | None:
    """The verdict on one command the shell analyser found, or None for a program the table does not know."""
    if not cmd.argv or cmd.dynamic_name or tool_for(cmd.name) is None:
        return None
    empties = cmd.empty_forms or (None,) * len(cmd.argv)
    static = [empty is None for empty in empties[1:]]
    unread = ""
    if cmd.stdin is None and any(r.op in ("<", "<>") for r in cmd.redirects):
        unread = "file"
    elif cmd.stdin is None and cmd.pipe_in:
        unread = "pipe"
    return classify_words(cmd.name, cmd.argv[1:], static=static, stdin=cmd.stdin, unread_stdin=unread)


# The tables as the ruleset fingerprint reads them. TOOLS is given as it is: the fingerprint serialises with
# ``json.dumps(..., sort_keys=True)``, which orders the keys and writes tuples as lists itself, so a sorted JSON copy
# made here (about 1 ms at import, issue 22) serialised to the same bytes (every key is a string:
# test_lifecycle.py::test_the_tool_tables_serialise_as_plain_json).
LIFECYCLE_DATA: Mapping[str, object] = {
    "version": 1,
    "tools": TOOLS,
    "aliases": dict(sorted(_ALIASES.items())),
    "versioned": _VERSIONED.pattern,
    "word_sets": {name: dict(sorted(table.items())) for name, table in sorted(WORD_SETS.items())},
    "kube_kinds": dict(sorted(KUBE_KINDS.items())),
    "kube_groups": sorted(_KUBE_GROUPS),
    "flag_words": sorted(_FLAG_WORDS),
    "readers": sorted(READERS),
    "sql": _sql.SQL_DATA,
    "pwsh": _pwsh.PWSH_DATA,
}
