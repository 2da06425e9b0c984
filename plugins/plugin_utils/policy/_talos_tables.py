# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Internal, no stability promise. talosctl: every verb's tier, its options, and the local files it reads or writes.

The tables load on first use (through ``_talos``, which every request imports): a run that meets no talos action and
no talosctl command line never builds them.

One table for both ways a run can reach a Talos node: the ``praxis.gatekeeper.talos`` module (the runner builds the
argv from inventory and the task's ``command`` words) and ``talosctl`` text in a ``command``/``shell`` task (the
shell analyser hands over the argv). Both are parsed here the same way, so shelling out gains nothing.

Why tiers follow Talos's API roles: Talos authorises each API call by role (``os:reader`` reads what holds no
secrets, ``os:operator`` adds reversible management such as service restarts and reboots, ``os:admin`` everything,
including reads of secrets; machined's ``rules`` table in siderolabs/talos). The role says how much trust a call
needs; the tier says how much it changes. Reads are T0 whatever their role, but reads of secrets (a file, a
kubeconfig, an etcd snapshot, a support bundle, a machine configuration) are marked sensitive. Reversible operator
calls are T1; calls that change what the node runs or is (reboot, configuration in any mode, leaving etcd) T2;
anything that erases data or cannot be undone (reset in every form, including a partition-scoped
``--system-labels-to-wipe`` reset, wipe, upgrade, bootstrap, removing an etcd member, the unauthenticated
maintenance-mode ``apply-config --insecure``) T3. A verb not in the table is T3, and so is an option a verb's
allowlist does not name in command text: ambiguity rounds up.

Node selection (``--nodes``, ``--endpoints``, ``--talosconfig``, ``--context``, ``--cluster``) is the inventory's
for the module, never the task's: the module refuses those options in its words (``smuggled``). In command text
they are the author's own command line and are read to count nodes: a T3 call must name exactly one.

Security constraints: SEC-5 (docs/security-constraints.yml).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ..core.models import Tier
from ._talos import CONNECTION, MODULE, MODULE_ARGS, NODES, OPTION, PROGRAM, TARGET, VERB

# (the names every request needs live in ``_talos``; they are re-exported here with the tables that use them)

__all__ = [
    "CONNECTION",
    "MODULE",
    "MODULE_ARGS",
    "NODE_SELECTION",
    "PROGRAM",
    "TALOS_DATA",
    "TalosCall",
    "Verb",
    "command_findings",
    "command_tiers",
    "lookup",
    "module_verdict",
    "parse",
]

READER, OPERATOR, ADMIN = "os:reader", "os:operator", "os:admin"
LOCAL = "local"  # talks to no node: works on the controller's files or local clusters


@dataclass(frozen=True, slots=True)
class Flag:
    """One option of a verb: its canonical long name and whether it takes a value."""

    name: str
    value: bool


def _flags(*specs: str) -> dict[str, Flag]:
    """``"f|follow"`` (short f, long follow, no value), ``"tail="`` (takes a value) -> {"-f": .., "--follow": ..}."""
    table: dict[str, Flag] = {}
    for spec in specs:
        takes_value = spec.endswith("=")
        names = spec.rstrip("=").split("|")
        flag = Flag("--" + names[-1], takes_value)
        table[flag.name] = flag
        for short in names[:-1]:
            table["-" + short] = flag
    return table


# Options every talosctl command accepts (persistent flags of each top-level command, root.go addCommand): they
# choose which nodes, through which endpoints, with which credentials.
NODE_SELECTION = _flags("n|nodes=", "e|endpoints=", "talosconfig=", "context=", "c|cluster=", "siderov1-keys-dir=")
_HELP = _flags("h|help")
_INSECURE = _flags("i|insecure", "cert-fingerprint=")  # maintenance-mode (unauthenticated) access where supported


@dataclass(frozen=True, slots=True)
class Verb:
    """One talosctl command: what it changes (tier), which Talos role authorises it, and what it touches locally.

    ``outputs``/``inputs``: option names and positional indexes (as strings ``"#0"``) whose values are local files
    talosctl writes or reads (``-`` is standard output). ``raises``: options that make the call weigh more.
    ``by_action``: for ``service``, the tier of the action word. ``default_output``: where the verb writes when no
    output is given (relative: under the working directory, which the runner sets to the operator's root).
    """

    words: tuple[str, ...]
    tier: Tier
    role: str
    why: str
    flags: Mapping[str, Flag] = field(default_factory=dict)
    sensitive: bool = False
    dry_run: bool = False
    interactive: bool = False
    outputs: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    raises: Mapping[str, tuple[Tier, str]] = field(default_factory=dict)
    by_action: Mapping[str, tuple[Tier, str, str]] = field(default_factory=dict)
    default_output: str | None = None
    output_required: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.words)

    @property
    def local(self) -> bool:
        return self.role == LOCAL


def _verb(words: str, tier: Tier, role: str, why: str, *flags: str, **kw: object) -> Verb:
    return Verb(tuple(words.split()), tier, role, why, _flags(*flags), **kw)  # type: ignore[arg-type]


T0, T1, T2, T3 = Tier.T0, Tier.T1, Tier.T2, Tier.T3

# talosctl's node commands (Talos 1.x, website/content/v1.15/reference/cli.md and cmd/talosctl/cmd/talos/*.go), each
# with its own options. Aliases are cobra's (cmd.Aliases), resolved in _ALIASES.
_VERBS: tuple[Verb, ...] = (
    # ---- reads (os:reader) -------------------------------------------------------------------------------------
    _verb("version", T0, READER, "reads versions", "client", "short", "json", "i|insecure", "cert-fingerprint="),
    _verb("get", T0, READER, "reads resources", "namespace=", "o|output=", "w|watch", "i|insecure",
          "cert-fingerprint="),
    _verb("list", T0, READER, "lists files", "d|depth=", "H|humanize", "l|long", "r|recurse", "t|type="),
    _verb("logs", T0, READER, "reads service logs", "f|follow", "k|kubernetes", "tail=", "i|insecure",
          "cert-fingerprint="),
    _verb("dmesg", T0, READER, "reads the kernel log", "f|follow", "tail", "i|insecure", "cert-fingerprint="),
    _verb("service", T0, READER, "reads service state", "i|insecure", "cert-fingerprint=",
          by_action={"start": (T1, "starts a service", OPERATOR), "stop": (T1, "stops a service", OPERATOR),
                     "restart": (T1, "restarts a service", OPERATOR), "status": (T0, "reads service state", READER)}),
    _verb("health", T0, READER, "checks cluster health", "control-plane-nodes=", "init-node=", "k8s-endpoint=",
          "run-e2e", "server", "wait-timeout=", "worker-nodes=",
          raises={"--run-e2e": (T1, "talosctl health --run-e2e runs Kubernetes e2e tests in the cluster")}),
    _verb("etcd members", T0, READER, "lists etcd members"),
    _verb("etcd status", T0, READER, "reads etcd status"),
    _verb("etcd alarm list", T0, READER, "lists etcd alarms"),
    _verb("etcd downgrade validate", T0, ADMIN, "checks whether etcd can be downgraded"),
    _verb("containers", T0, READER, "lists containers", "k|kubernetes"),
    _verb("stats", T0, READER, "reads container statistics", "k|kubernetes"),
    _verb("processes", T0, READER, "lists processes", "s|sort="),
    _verb("memory", T0, READER, "reads memory use", "v|verbose", "i|insecure", "cert-fingerprint="),
    _verb("mounts", T0, READER, "lists mounts"),
    _verb("netstat", T0, READER, "lists sockets", "a|all", "x|extend", "4|ipv4", "6|ipv6", "l|listening", "k|pods",
          "p|programs", "w|raw", "t|tcp", "o|timers", "u|udp", "U|udplite", "v|verbose"),
    _verb("cgroups", T0, READER, "reads cgroups", "preset=", "schema-file=", "skip-cri-resolve",
          inputs=("--schema-file",)),
    _verb("events", T0, READER, "streams events", "actor-id=", "duration=", "since=", "tail="),
    _verb("time", T0, READER, "reads time sync", "check="),
    _verb("diskfree", T0, READER, "reads volume usage", "b|bytes", "i|inodes"),
    _verb("usage", T0, READER, "reads disk usage", "a|all", "d|depth=", "H|humanize", "t|threshold="),
    _verb("routes", T0, READER, "lists routes"),
    _verb("interfaces", T0, READER, "lists interfaces"),
    _verb("disks", T0, READER, "lists disks", "i|insecure", "cert-fingerprint="),
    _verb("inspect dependencies", T0, READER, "reads controller dependencies", "with-resources"),
    _verb("image list", T0, READER, "lists images", "namespace="),
    _verb("dashboard", T0, READER, "shows a live dashboard", "d|update-interval=", interactive=True),
    _verb("pcap", T0, OPERATOR, "captures network packets", "bpf-filter=", "duration=", "i|interface=", "o|output=",
          "promiscuous", sensitive=True, outputs=("--output",)),
    # ---- reads of secrets (os:admin, os:etcd:backup) -----------------------------------------------------------
    _verb("read", T0, ADMIN, "reads a file on the node", sensitive=True),
    _verb("copy", T0, ADMIN, "copies files off the node", sensitive=True, outputs=("#1",), output_required=True),
    _verb("kubeconfig", T0, ADMIN, "downloads the admin kubeconfig", "f|force", "force-context-name=", "m|merge",
          sensitive=True, outputs=("#0",), output_required=True),
    _verb("etcd snapshot", T0, ADMIN, "streams an etcd snapshot", sensitive=True, outputs=("#0",),
          output_required=True),
    _verb("support", T0, ADMIN, "collects a support bundle", "encryption-no-default-recipients",
          "encryption-recipients=", "no-encryption", "w|num-workers=", "O|output=", "v|verbose", "i|insecure",
          "cert-fingerprint=", sensitive=True, outputs=("--output",), default_output="support.zip"),
    # ---- reversible management (os:operator) -------------------------------------------------------------------
    _verb("restart", T1, OPERATOR, "restarts a process", "k|kubernetes"),
    _verb("etcd defrag", T1, OPERATOR, "defragments etcd"),
    _verb("etcd alarm disarm", T1, OPERATOR, "disarms etcd alarms"),
    _verb("image pull", T1, OPERATOR, "pulls an image", "namespace="),
    # ---- changes to what the node runs or is (T2) --------------------------------------------------------------
    _verb("reboot", T2, OPERATOR, "reboots the node", "debug", "drain", "drain-timeout=", "m|mode=", "progress=",
          "timeout=", "wait"),
    _verb("shutdown", T2, OPERATOR, "shuts the node down", "debug", "force", "timeout=", "wait"),
    _verb("apply-config", T2, ADMIN, "applies a machine configuration", "cert-fingerprint=", "p|config-patch=",
          "dry-run", "f|file=", "i|insecure", "m|mode=", "timeout=", dry_run=True,
          inputs=("--file", "--config-patch"),
          raises={"--insecure": (T3, "talosctl apply-config --insecure configures an unauthenticated node in "
                                     "maintenance mode")}),
    _verb("patch", T2, ADMIN, "patches the machine configuration", "dry-run", "m|mode=", "namespace=", "p|patch=",
          "patch-file=", "timeout=", dry_run=True, inputs=("--patch", "--patch-file")),
    _verb("edit", T2, ADMIN, "edits the machine configuration", "dry-run", "m|mode=", "namespace=", "timeout=",
          dry_run=True, interactive=True),
    _verb("rollback", T2, ADMIN, "rolls the node back to its previous installation"),
    _verb("etcd leave", T2, ADMIN, "makes the node leave etcd"),
    _verb("etcd forfeit-leadership", T2, ADMIN, "hands etcd leadership away"),
    _verb("etcd downgrade cancel", T2, ADMIN, "cancels an etcd downgrade"),
    _verb("meta write", T2, ADMIN, "writes the META partition", "i|insecure", "cert-fingerprint="),
    _verb("meta delete", T2, ADMIN, "deletes from the META partition", "i|insecure", "cert-fingerprint="),
    _verb("image remove", T2, ADMIN, "removes an image", "namespace="),
    _verb("conformance kubernetes", T2, ADMIN, "runs conformance tests in the cluster", "mode="),
    # ---- irreversible (T3) -------------------------------------------------------------------------------------
    _verb("reset", T3, ADMIN, "resets the node (erases its data)", "debug", "graceful", "reboot", "insecure",
          "system-labels-to-wipe=", "timeout=", "user-disks-to-wipe=", "wait", "wipe-mode="),
    _verb("wipe disk", T3, ADMIN, "wipes block devices", "drop-partition", "method=", "i|insecure",
          "cert-fingerprint="),
    _verb("wipe lv", T3, ADMIN, "wipes logical volumes", "i|insecure", "cert-fingerprint="),
    _verb("wipe md", T3, ADMIN, "wipes software RAID devices", "i|insecure", "cert-fingerprint="),
    _verb("wipe pv", T3, ADMIN, "wipes physical volumes", "i|insecure", "cert-fingerprint="),
    _verb("wipe vg", T3, ADMIN, "wipes volume groups", "i|insecure", "cert-fingerprint="),
    _verb("upgrade", T3, ADMIN, "upgrades Talos on the node", "debug", "drain", "drain-timeout=", "i|image=", "legacy",
          "namespace=", "no-reboot", "progress=", "m|reboot-mode=", "timeout=", "wait", "s|stage", "p|preserve",
          "f|force", "insecure"),
    _verb("upgrade-k8s", T3, ADMIN, "upgrades Kubernetes", "apiserver-image=", "controller-manager-image=", "dry-run",
          "endpoint=", "from=", "kubelet-image=", "manifests-force", "manifests-inventory-policy=",
          "manifests-no-prune", "manifests-reconcile-timeout=", "pre-pull-images", "proxy-image=",
          "scheduler-image=", "to=", "upgrade-kubelet", "with-docs", "with-examples", dry_run=True),
    _verb("etcd remove-member", T3, ADMIN, "removes an etcd member"),
    _verb("etcd downgrade enable", T3, ADMIN, "downgrades the etcd cluster version"),
    _verb("bootstrap", T3, ADMIN, "bootstraps etcd", "recover-from=", "recover-skip-hash-check",
          inputs=("--recover-from",)),
    _verb("rotate-ca", T3, ADMIN, "rotates the cluster's certificate authorities", "control-plane-nodes=", "dry-run",
          "init-node=", "k8s-endpoint=", "kubernetes", "o|output=", "talos", "with-docs", "with-examples",
          "worker-nodes=", dry_run=True, outputs=("--output",), default_output="talosconfig"),
    _verb("debug", T3, ADMIN, "runs a privileged container on the node", "args=", "namespace=", interactive=True),
)  # fmt: skip

# Commands that talk to no node: the controller's talosconfig, generated files, local clusters. Classified for
# command text (options not listed: they select nothing on a node); the module refuses them.
_LOCAL: tuple[Verb, ...] = (
    _verb("config info", T0, LOCAL, "reads the talosconfig"),
    _verb("config contexts", T0, LOCAL, "reads the talosconfig"),
    _verb("config context", T1, LOCAL, "changes the talosconfig"),
    _verb("config endpoint", T1, LOCAL, "changes the talosconfig"),
    _verb("config node", T1, LOCAL, "changes the talosconfig"),
    _verb("config proxy-url", T1, LOCAL, "changes the talosconfig"),
    _verb("config add", T1, LOCAL, "changes the talosconfig"),
    _verb("config merge", T1, LOCAL, "changes the talosconfig"),
    _verb("config remove", T1, LOCAL, "changes the talosconfig"),
    _verb("config new", T2, LOCAL, "mints a client certificate", sensitive=True),
    _verb("gen", T1, LOCAL, "generates local files"),
    _verb("machineconfig", T1, LOCAL, "generates or patches local files"),
    _verb("validate", T0, LOCAL, "validates a local file"),
    _verb("completion", T0, LOCAL, "prints shell completion"),
    _verb("image k8s-bundle", T0, LOCAL, "lists images"),
    _verb("image talos-bundle", T0, LOCAL, "lists images"),
    _verb("image cache-create", T1, LOCAL, "builds a local image cache"),
    _verb("image cache-cert-gen", T1, LOCAL, "generates certificates"),
    _verb("image cache-serve", T2, LOCAL, "serves an image cache"),
    _verb("inject", T1, LOCAL, "rewrites local manifests"),
    _verb("cluster show", T0, LOCAL, "reads a local cluster"),
    _verb("cluster create", T2, LOCAL, "creates a local cluster"),
    _verb("cluster destroy", T3, LOCAL, "destroys a local cluster"),
)

_ALIASES: Mapping[tuple[str, ...], str] = {
    ("apply",): "apply-config",
    ("cg",): "cgroups",
    ("c",): "containers",
    ("cp",): "copy",
    ("df",): "diskfree",
    ("du",): "usage",
    ("g",): "get",
    ("ls",): "list",
    ("m",): "memory",
    ("free",): "memory",
    ("mount",): "mounts",
    ("ss",): "netstat",
    ("tcpdump",): "pcap",
    ("p",): "processes",
    ("ps",): "processes",
    ("cat",): "read",
    ("route",): "routes",
    ("services",): "service",
    ("images",): "image",
    ("image", "l"): "list",
    ("image", "ls"): "list",
    ("image", "p"): "pull",
    ("image", "rm"): "remove",
    ("conformance", "k8s"): "kubernetes",
    ("config", "endpoints"): "endpoint",
    ("config", "nodes"): "node",
    ("config", "use-context"): "context",
    ("config", "get-contexts"): "contexts",
}
# Options a parent command defines for all its children (image --namespace, meta --insecure).
_PARENT_FLAGS: Mapping[str, Mapping[str, Flag]] = {"image": _flags("namespace="), "meta": _INSECURE}
# Types `get` may read without the result holding secrets (status resources); any other type rounds up to sensitive.
_PLAIN_RESOURCES = frozenset(
    {
        "addresses", "address", "addressstatus", "addressstatuses", "cpus", "cpu", "disks", "disk", "blockdevices",
        "blockdevice", "discoveredvolumes", "discoveredvolume", "dv", "extensions", "extensionstatus", "hostname",
        "hostnames", "hostnamestatus", "links", "link", "linkstatus", "linkstatuses", "machinestatus", "ms",
        "members", "member", "mountstatus", "mountstatuses", "namespaces", "ns", "nodename", "nodenames",
        "resourcedefinitions", "resourcedefinition", "rd", "routes", "route", "routestatus", "routestatuses",
        "services", "service", "systeminformation", "timestatus", "timeservers", "version", "versions",
        "volumestatus", "volumestatuses",
    }
)  # fmt: skip


def _tree() -> tuple[dict[tuple[str, ...], Verb], frozenset[tuple[str, ...]]]:
    table = {verb.words: verb for verb in (*_VERBS, *_LOCAL)}
    groups = frozenset(words[:k] for words in table for k in range(1, len(words)))
    return table, groups


_TABLE, _GROUPS = _tree()


def lookup(words: Sequence[str]) -> Verb | None:
    """The verb for the words (aliases resolved), or None."""
    return _TABLE.get(_canonical(tuple(words)))


def _canonical(words: tuple[str, ...]) -> tuple[str, ...]:
    resolved: list[str] = []
    for word in words:
        resolved.append(_ALIASES.get((*resolved, word), _ALIASES.get((word,), word) if not resolved else word))
    return tuple(resolved)


@dataclass(frozen=True, slots=True)
class Option:
    """An option as written (``raw``) and read (canonical ``name``, ``value`` or None for a switch)."""

    raw: str
    name: str
    value: str | None


@dataclass(frozen=True, slots=True)
class TalosCall:
    """A talosctl argv (after the program name) as talosctl reads it: the verb, its options and its operands."""

    verb: Verb | None
    words: tuple[str, ...]  # the verb words as written
    options: tuple[Option, ...]
    positionals: tuple[str, ...]
    unknown: tuple[str, ...]  # option tokens no allowlist names (for the verb, or before one is known)
    problems: tuple[str, ...] = ()  # malformed: an option without its value

    def values(self, name: str) -> list[str]:
        return [o.value for o in self.options if o.name == name and o.value is not None]

    def has(self, name: str) -> bool:
        return any(o.name == name and o.value not in ("false", "0", "f", "False", "FALSE") for o in self.options)

    @property
    def selection(self) -> tuple[Option, ...]:
        """Options that choose nodes, endpoints or credentials."""
        names = {flag.name for flag in NODE_SELECTION.values()}
        return tuple(o for o in self.options if o.name in names)

    def nodes(self) -> tuple[str, ...] | None:
        """The nodes the call names, or None when it names none (talosconfig's default nodes: unknown here)."""
        given = self.values("--nodes")
        if not given:
            return None
        return tuple(node for value in given for node in value.split(",") if node)

    def weights(self) -> list[tuple[Tier, str]]:
        """Each thing that weighs on the call's tier, with why; unknown verbs and unlisted options are T3."""
        if self.verb is None:
            shown = " ".join(self.words or self.positionals[:1]) or "(none)"
            return [(T3, f"unknown talosctl verb {shown[:40]!r} (unknown verbs are T3)")]
        verb = self.verb
        tier, why, role = verb.tier, verb.why, verb.role
        if verb.by_action and self.positionals:  # service ID [ACTION]: status when the action is left out
            action = self.positionals[1] if len(self.positionals) > 1 else "status"
            tier, why, role = verb.by_action.get(action, (T3, f"takes an unknown action {action[:20]!r}", "?"))
        weights = [(tier, f"talosctl {verb.name} {why} ({role})")]
        weights.extend((raised, because) for name, (raised, because) in verb.raises.items() if self.has(name))
        if self.unknown:
            shown = ", ".join(u[:30] for u in self.unknown[:3])
            weights.append((T3, f"talosctl {verb.name} with options its allowlist does not name ({shown})"))
        if self.problems:
            weights.append((T3, f"talosctl {self.problems[0]}"))
        return weights

    def tier(self) -> tuple[Tier, list[str]]:
        """The call's tier with ``"Tn: ..."`` reasons."""
        weights = self.weights()
        return max(tier for tier, _why in weights), [f"{tier}: {why}" for tier, why in weights]

    def sensitive(self) -> bool:
        """Whether the call reads secrets (a kubeconfig, etcd data, a file, a support bundle, most resources)."""
        verb = self.verb
        if verb is None:
            return True
        if verb.words == ("get",):
            kind = self.positionals[0].lower() if self.positionals else ""
            namespace = self.values("--namespace")
            return kind not in _PLAIN_RESOURCES or any(n == "secrets" for n in namespace)
        return verb.sensitive

    def local_paths(self) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
        """(outputs, inputs): (where, path) of every local file the call writes or reads; ``-`` is stdout."""
        verb = self.verb
        if verb is None:
            return [], []

        def collect(places: Iterable[str]) -> list[tuple[str, str]]:
            found: list[tuple[str, str]] = []
            for place in places:
                if place.startswith("#"):
                    index = int(place[1:])
                    if index < len(self.positionals):
                        found.append((f"operand {index + 1}", self.positionals[index]))
                else:
                    for value in self.values(place):
                        found.append((place, value))
            return found

        inputs = [(w, p[1:] if w in ("--config-patch", "--patch") else p) for w, p in collect(verb.inputs)
                  if w not in ("--config-patch", "--patch") or p.startswith("@")]  # fmt: skip
        return collect(verb.outputs), inputs


def parse(argv: Sequence[str]) -> TalosCall:
    """Read a talosctl argv (without the program) as cobra and pflag would: verb words first (flags may come before
    or between them), ``--name=value``, ``--name value``, ``-n value``, ``-nvalue``, clustered switches, ``--``."""
    words: list[str] = []
    options: list[Option] = []
    positionals: list[str] = []
    unknown: list[str] = []
    problems: list[str] = []
    verb: Verb | None = None
    index = 0
    while index < len(argv):
        word = argv[index]
        index += 1
        if word == "--":
            positionals.extend(argv[index:])
            break
        if word.startswith("-") and word != "-":
            read = _read_option(word, argv, index, _known_flags(verb, words))
            index += read.consumed
            options.extend(read.options)
            unknown.extend(read.unknown)
            problems.extend(read.problems)
            continue
        if verb is None and not positionals:
            path = _canonical((*words, word))
            if path in _TABLE or path in _GROUPS:  # a verb, or a group whose verbs follow (etcd, image, wipe, ...)
                words.append(word)
                verb = _TABLE.get(path)
                continue
        positionals.append(word)
    if verb is None:
        # Nothing vouches for an option of a verb the table does not know (node selection is still read as such).
        selection = {flag.name for flag in NODE_SELECTION.values()}
        unknown.extend(o.raw for o in options if o.name not in selection)
    elif verb.local:
        unknown.clear()  # local commands choose no node: their options are not allowlisted, only their verb
    return TalosCall(verb, tuple(words), tuple(options), tuple(positionals), tuple(dict.fromkeys(unknown)),
                     tuple(problems))  # fmt: skip


def _known_flags(verb: Verb | None, words: Sequence[str]) -> Mapping[str, Flag]:
    known: dict[str, Flag] = {**NODE_SELECTION, **_HELP}
    canonical = _canonical(tuple(words))
    if canonical:
        known.update(_PARENT_FLAGS.get(canonical[0], {}))
    if verb is not None:
        known.update(verb.flags)
    return known


@dataclass
class _Read:
    """What one option word said: options read, tokens no allowlist names, and malformed spellings."""

    options: list[Option] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    consumed: int = 0  # words after the word taken as its value


def _read_option(word: str, argv: Sequence[str], index: int, known: Mapping[str, Flag]) -> _Read:
    read = _Read()
    if word.startswith("--"):
        name, eq, value = word.partition("=")
        flag = known.get(name)
        if flag is None:
            read.unknown.append(word)
        elif flag.value and not eq:
            if index >= len(argv):
                read.problems.append(f"{name} needs a value")
            else:
                read.options.append(Option(word, flag.name, argv[index]))
                read.consumed = 1
        else:
            read.options.append(Option(word, flag.name, value if eq else None))
        return read
    letters = word[1:]
    for position, letter in enumerate(letters):  # pflag: clustered switches, the last may take the rest as value
        flag = known.get("-" + letter)
        if flag is None:
            read.unknown.append(word)
            return read
        if not flag.value:
            read.options.append(Option(word, flag.name, None))
            continue
        rest = letters[position + 1 :].removeprefix("=")
        if rest:
            read.options.append(Option(word, flag.name, rest))
        elif index >= len(argv):
            read.problems.append(f"-{letter} needs a value")
        else:
            read.options.append(Option(word, flag.name, argv[index]))
            read.consumed = 1
        return read
    return read


# ------------------------------------------------------------------------------------------------ command text
def command_tiers(argv: Sequence[str]) -> list[tuple[Tier, str]]:
    """What weighs on ``talosctl ...`` in command text (``argv[0]`` is the program): the module's verb table."""
    return parse(argv[1:]).weights()


def command_findings(argv: Sequence[str], *, unresolved: bool = False) -> list[tuple[str, str]]:
    """Deny findings (rule, reason) for ``talosctl ...`` in command text: a T3 call must name exactly one node.
    ``unresolved``: some word holds an expansion the analyser could not resolve (``-n $NODES``), so the node count
    is not known."""
    call = parse(argv[1:])
    tier, _reasons = call.tier()
    if tier < T3 or (call.verb is not None and call.verb.local):
        return []
    nodes = call.nodes()
    if nodes is None or len(nodes) != 1 or unresolved:
        named = (
            "no node (talosconfig's default nodes)" if nodes is None
            else "nodes only known when the command runs" if unresolved else f"{len(nodes)} nodes"
        )  # fmt: skip
        what = call.verb.name if call.verb else "an unknown verb"
        return [(NODES, f"talosctl {what} is T3 and names {named}; irreversible Talos calls take exactly one node "
                        "(-n NODE)")]  # fmt: skip
    return []


# ------------------------------------------------------------------------------------------------ the module
@dataclass(frozen=True, slots=True)
class ModuleVerdict:
    """How the gate reads one ``praxis.gatekeeper.talos`` task."""

    tier: Tier
    reasons: tuple[str, ...]
    findings: tuple[tuple[str, str], ...]
    sensitive: bool
    call: TalosCall | None = None

    def replace(self, **changes: object) -> ModuleVerdict:
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def module_words(args: Mapping[str, object]) -> list[str] | str:
    """The module's ``command`` words, or why they are not a list of words."""
    command = args.get("command")
    if not isinstance(command, list | tuple) or not command:
        return "command must be a non-empty list of talosctl words, verb first (command: [etcd, members])"
    words = [word for word in command if isinstance(word, str)]
    if len(words) != len(command) or any(not w or "\x00" in w for w in words):
        return "every command word must be a non-empty string"
    return words


def module_verdict(
    args: Mapping[str, object], *, host_type: str, connection: str, nodes: Sequence[str] | None
) -> ModuleVerdict:
    """Tier and findings of one module task. ``nodes``: the inventory's node selection (None when unknown)."""
    findings: list[tuple[str, str]] = []
    if host_type != "talos":
        findings.append((TARGET, f"praxis.gatekeeper.talos runs only on hosts whose inventory sets praxis_host_type: "
                                 f"talos (this host is {host_type[:20]!r})"))  # fmt: skip
    plugin = connection if "." in connection else f"ansible.builtin.{connection}"
    if plugin != CONNECTION:
        findings.append((TARGET, f"praxis.gatekeeper.talos runs over the {CONNECTION} connection (set "
                                 f"ansible_connection in the inventory), not {connection[:60]!r}"))  # fmt: skip
    extra = sorted(str(key) for key in args if key not in MODULE_ARGS)
    if extra:
        findings.append(
            (
                TARGET,
                f"praxis.gatekeeper.talos takes only command and timeout; {', '.join(extra)[:80]} "
                "cannot be set by a task (node, endpoints and credentials come from the inventory)",
            )
        )
    words = module_words(args)
    if isinstance(words, str):
        findings.append((OPTION, words))
        return ModuleVerdict(T3, (f"T3: {words}",), tuple(findings), True)
    call = parse(words)
    tier, reasons = call.tier()
    for option in call.selection:
        findings.append((OPTION, f"{option.raw[:40]} in the command words: node selection comes from the inventory "
                                 "only"))  # fmt: skip
    for token in call.unknown:
        if token.split("=", 1)[0] not in NODE_SELECTION:
            verb = call.verb.name if call.verb else "an unknown verb"
            findings.append((OPTION, f"{token[:40]!r} is not on the option allowlist of talosctl {verb}"))
    for problem in call.problems:
        findings.append((OPTION, f"talosctl {problem}"))
    if call.verb is not None and call.verb.local:
        findings.append((VERB, f"talosctl {call.verb.name} acts on the controller, not on a node; the module runs "
                               "node commands only"))  # fmt: skip
    elif call.verb is not None and call.verb.interactive:
        hint = "; use patch" if call.verb.words == ("edit",) else ""
        findings.append((VERB, f"talosctl {call.verb.name} is interactive (a terminal or an editor){hint}"))
    if tier >= T3 and (nodes is None or len(nodes) != 1):
        named = "an unknown number of nodes" if nodes is None else f"{len(nodes)} nodes"
        findings.append((NODES, f"talosctl {call.verb.name if call.verb else 'call'} is T3 and this host selects "
                                f"{named}; irreversible Talos calls take exactly one node"))  # fmt: skip
    return ModuleVerdict(tier, tuple(reasons), tuple(findings), call.sensitive(), call)


# ------------------------------------------------------------------------------------------------ fingerprint data
def _flag_names(flags: Mapping[str, Flag]) -> list[str]:
    return sorted(f"{alias}{'=' if flag.value else ''}" for alias, flag in flags.items())


TALOS_DATA: Mapping[str, object] = {
    "version": 1,
    "verbs": {
        verb.name: {
            "tier": str(verb.tier),
            "role": verb.role,
            "flags": _flag_names(verb.flags),
            "sensitive": verb.sensitive,
            "dry_run": verb.dry_run,
            "interactive": verb.interactive,
            "outputs": list(verb.outputs),
            "inputs": list(verb.inputs),
            "raises": {k: str(v[0]) for k, v in sorted(verb.raises.items())},
            "by_action": {k: str(v[0]) for k, v in sorted(verb.by_action.items())},
            "default_output": verb.default_output,
            "output_required": verb.output_required,
        }
        for verb in sorted((*_VERBS, *_LOCAL), key=lambda v: v.words)
    },
    "aliases": {" ".join(k): v for k, v in sorted(_ALIASES.items())},
    "node_selection": _flag_names(NODE_SELECTION),
    "parent_flags": {k: _flag_names(v) for k, v in sorted(_PARENT_FLAGS.items())},
    "plain_resources": sorted(_PLAIN_RESOURCES),
    "module_args": sorted(MODULE_ARGS),
}
