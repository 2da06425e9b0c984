# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ruleset: built-in rules plus the operator's policy file, identified by one digest.

Every decision is stamped with the digest so a record says exactly which rules judged it, and approvals (bound to
the digest) die with a rule change. The built-in rules are data; their fingerprint is pinned per version in
``RULESET_HISTORY`` and a unit test fails when the data changes without a new version, so a rule cannot change
silently.

Security constraints: SEC-3 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import json
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..core.errors import PolicyFileError, StateError
from ..core.limits import InputRejected, load_yaml, read_bounded
from ..core.models import Tier
from ..core.requirements import lazy
from ..core.statedir import open_private_file
from . import _collections, _commands, _connopts, _executables, _modules, _options, _paths, _talos

if TYPE_CHECKING:
    import jsonschema
    import yaml
else:  # loaded when a policy file is read that the cache does not already hold
    jsonschema = lazy("jsonschema")
    yaml = lazy("yaml")

# Names of the gate's own files: controller-side work that names one is denied (deny.gate-tamper). Kept here, with
# the other rule data, so that changing the list changes the ruleset fingerprint.
GATE_STATE_NAMES = (
    "emergency-stop",
    "audit.jsonl",
    "audit.key",
    "audit-signing.key",
    "audit.anchor",
    "state.db",
    "praxis_gatekeeper.pth",
    "_praxis_gatekeeper_boot",
    "praxis-gatekeeper/",
)

__all__ = [
    "RULESET_HISTORY",
    "RULESET_VERSION",
    "DenyRule",
    "OperatorPolicy",
    "Ruleset",
    "builtin_fingerprint",
    "load_policy",
    "load_ruleset",
    "policy_schema",
    "rule_sources_digest",
]

RULESET_VERSION = "2026.12.25"
# version -> fingerprint of the built-in rule data. Append a new line for every rule change; never edit old ones.
RULESET_HISTORY: Mapping[str, str] = {
    "2026.11.1": "2361e52a7ea4adff19e8cebf795917de35c84f25e73f33ba799b860a684a028e",
    # 2026.11.2: the temporary-directory test normalises paths (/tmp/../etc is not temporary)
    "2026.11.2": "42385942c2147b8c3cd9bf59f56d7fbfb3b58feadb1c36fe15c41cf085e9abf1",
    # 2026.11.3: tasks whose arguments carry an approval token are denied (deny.token-leak); tables unchanged
    "2026.11.3": "42385942c2147b8c3cd9bf59f56d7fbfb3b58feadb1c36fe15c41cf085e9abf1",
    # 2026.11.4: the gate's own file names (now fingerprinted) include the signing key, anchor and store
    "2026.11.4": "59fe1c440bf1efdb5998a6fecbe335c6f69c3e311f5acf6aee34ace84961f48a",
    # 2026.11.5: the deny scan's fast path also reads double quotes, braces that cannot expand and line breaks
    "2026.11.5": "be595adc9564dedb8e7f8747bcf81869be402662bdd6de56fbf95e8e89dc3b03",
    # 2026.11.6: the fast path also reads a $ that expands nothing and globs outside the command word
    "2026.11.6": "0263867dd0e813a955dca3944561e5ba780318ca1906e3c839a9044ca61f8a4b",
    # 2026.11.7: the analyser reads a plain line of literal words (globs allowed) without its interpreter; the
    # deny scan's fast path no longer reads a quoted name before "=" as an assignment (r"m "X=/bin/r* is a command)
    "2026.11.7": "74a4417afc59e47beef59f6b35166b082fd1d910e87bd896881db7bafff100fa",
    # 2026.11.8: the fast path reads comments and += assignments as bash does, sends every name a deny rule reads
    # or that may run its arguments to the analyser; a program linked, copied or hashed under another name (or a
    # file written with unknown content, then run) is judged as that program
    "2026.11.8": "9576e1170569058891e0f4406a91ceff03dab8cb7733e132cdc6a2511834bf09",
    # 2026.11.9: names that rename a program (ln, link, install, mv, hash) send text to the analyser only with a glob
    "2026.11.9": "a99fee60894fa462be0f3eae0f09964a90d3ae628e27a7bf3f3fb1b4e0e3d444",
    # 2026.12.2: lifecycle verbs of infrastructure tools as data (terraform/tofu, pulumi, kubectl, helm, cloud CLIs,
    # docker/podman, virsh, zfs, lvm, ceph, etcdctl, BMC tools; unknown verbs round up), SQL/MongoDB/Redis read from
    # database shells, PowerShell read by its grammar, writes to device nodes outside the harmless list are raw-disk
    # writes, destructive states of any collection, shell/raw/script text read by its interpreter
    "2026.12.2": "1a42f579ecc5e2d40951c6878b4d53bc4b9fa3dc46b8cbed4c106eacf60fe9f7",
    # 2026.12.3: every option of every ansible.builtin module is classified (data, remote or controller path,
    # command, program, interpreter, environment, URL, job id, name, module); options that run something take the
    # free-form T2 floor, unknown options and untabled modules round up to T2; relative paths are judged by every
    # reading, links by target, tree copies and archives by dest/*; persistence paths are at least T2; environment
    # keys by an inert allowlist; interpreters by an allowlist; dry runs by what runs under check mode; controller
    # paths in every spelling for every connection; async_status jid must be a job id; password lookups are T1
    "2026.12.3": "7fad45ca72644945632f0cbea15ec0780965cbec5321ab6a174f46d7ce06d870",
    # 2026.12.4: programs that run a command line they
    # are handed, tools with an execute command (sed e/w, ex/vim, ed, gdb, m4, make, ...), static text filters
    # computed before a shell, PowerShell removal of system directories and disk wipes; bounded analysis rounds up
    "2026.12.4": "013de9e6d9f20cf60745f8a30abf9d129f7dc4b4c374c5cb59aa89310b1c4708",
    # 2026.12.5: host types linux/talos from the inventory only (deny.host-type); the talosctl verb table (tiers
    # after Talos's API roles, per-verb option allowlists, one node at T3) for the praxis.gatekeeper.talos module
    # and talosctl in command text; the praxis.gatekeeper.ssh and .talosctl connections; an operator connection list
    "2026.12.5": "c2a349dc482ff27f7db4b2a90baae72b8739057a272abf956affc7fedbd8d161",
    # 2026.12.7: praxis.gatekeeper.emergency_stop is a control action (T0): it only ever makes the controller stricter
    "2026.12.7": "7ccfd74749fd9bcd26b665d5d7a21da2bb4780b155597d87469a0d38e46c53dd",
    # 2026.12.8: praxis.gatekeeper.drift_scan is T0 (it starts a gated
    # check-mode scan under the readonly ceiling) with an option table (playbook, inventory and extra vars are
    # controller paths judged against the gate's files, the rest data); the tamper check leaves out the role path
    # ansible-core adds to a role's argument validation (context, not data), and the option table reads that context
    # (validate_args_context) as data instead of rounding it up to T2 as an unknown option
    "2026.12.8": "0e888c563935a9c12e11eef57d75c4797055f36e639211914bc72ec5e8b22f70",
    # 2026.12.9: praxis.gatekeeper.emergency_stop's one option (reason) is tabled as data, like the collection's other
    # modules, instead of rounding up as an unknown option
    "2026.12.9": "367e3de28255a519ecd18e738496bb71595ea1ff2e27596f3906293e7f7fc149",
    # 2026.12.10: URL-fetching tasks are judged by the egress filter (deny.egress-private, deny.egress-metadata,
    # deny.egress-unresolved): on the controller every private, loopback, link-local, CGNAT, multicast, reserved and
    # unspecified address in any encoding, and names that resolve to one; on a managed host the cloud metadata
    # service. The policy's tables are unchanged; the filter's data (egress/addresses.py, egress/rules.py) is pinned
    # by its own fingerprint test, as the layout keeps the policy package from importing it
    "2026.12.10": "367e3de28255a519ecd18e738496bb71595ea1ff2e27596f3906293e7f7fc149",
    # 2026.12.11: no false refusals on ordinary roles: a command that only reads the account databases is T0; an
    # allowlisted command is pinned to T0 (its content no longer rounds up); controller-side actions carry no
    # privilege floor; chmod/chown/chgrp and file's owner/mode changes are T2 even on T3 paths, T3 when they make
    # something world-writable or setuid/setgid (any path); pamd, pam_limits, timezone and openssh_keypair dry-run
    "2026.12.11": "ad61d09f1d9467db5e1a35d593d6cf0f2eddef8de85ebdfa927c22766f7a8aa7",
    # 2026.12.12: bash builtins and setarch's names that run what they are given are read as runners (jobs -x,
    # compgen/complete -C, fc -e, history -s, mapfile/readarray -C, x86_64, i386, ...: their commands are deny-
    # scanned); writes into BASH_ALIASES/BASH_CMDS are aliases; the long-text pre-check reads single quotes and
    # semicolons, and keeps a text naming those builtins or arrays for the analyser
    "2026.12.12": "87bfb588a5b38474f649de81e7ca6a68ddae9bfe0b5f64d82ad64cdac4ec4976",
    # 2026.12.13: a program the analyser does not know may copy any of its path operands from another (objcopy,
    # strip -o, gio copy: running the copy is judged as the program copied); the shell escapes of database shells
    # (sqlite3 .shell/.system, psql \! and \o|, mysql system) are deny-scanned, and their names keep a text for
    # the analyser
    "2026.12.13": "cb5f7ab81e2e74caab92498876ebfb4e3dc928f46dc2a476b09877dabd2d8489",
    # 2026.12.14: coproc NAME followed by a compound command runs that command; PS0 and the elements of a
    # PROMPT_COMMAND array are code; the database shells' escapes include abbreviated and piping sqlite3
    # dot-commands, psql backquotes, pipes after a statement and \copy's program, mysql after a semicolon and --pager
    "2026.12.14": "ed1bc872bf01b3561255e3279d30f1878c3dc8f62e65d7acfd3e7004f4454f27",
    # 2026.12.15: a write into the alias table or command hash the analyser cannot follow (a nameref, printf -v,
    # read, ${...:=}, a quoted, computed or escaped name) makes every command name of the text any program; a shell's
    # startup file (BASH_ENV, ENV, --rcfile, --init-file) is analysed when the text wrote it and rounds up when not;
    # fc that runs the history again is T3; tables unchanged
    "2026.12.15": "ed1bc872bf01b3561255e3279d30f1878c3dc8f62e65d7acfd3e7004f4454f27",
    # 2026.12.16: a data string's configuration values are deny-scanned as the commands they may hold (the value
    # after an "=", a line without its first word, an element's text, an exec array or YAML block sequence):
    # ExecStart=/bin/rm -rf /usr, ProxyCommand ..., command: ["rm", ...]; tables unchanged
    "2026.12.16": "ed1bc872bf01b3561255e3279d30f1878c3dc8f62e65d7acfd3e7004f4454f27",
    # 2026.12.17: a bracket glob with a quoted part in the command word (/bin/["r"]m) is any program; a command run
    # by coproc runs in the background (a function that runs itself so is a fork bomb); the value reading after
    # two red-team passes: copy/template sources, cron lines, JSON read through its parser, values up to the next
    # separator, fragments and expansion-first values not read; coproc keeps a text for the analyser
    "2026.12.17": "7f5899a8c4cf614bed525ac4fab1225b46bf2df6667bc5c0090dde0482bc47e7",
    # 2026.12.18: what a command line stores for later is read as a data string (echo/printf/cat heredoc > file, a
    # group's or exec's redirected output, a static chain into tee/sponge/dd/crontab or into a file): as copy
    # content= writing the same file is
    "2026.12.18": "3f185440d9511c89babd541936c544771f4594727fc9cff5ebffd408766a7598",
    # 2026.12.19: stored text is read to four levels (a script that stores a script ...), each level at most as
    # many characters as the text that stores them
    "2026.12.19": "6a6bf1bd839d593eb87625a19461872755e92267a39d7200d9694bee520c4a0e",
    # 2026.12.20: every distinct stored text is kept (no count of stores hides one), up to twice the text's size
    # and as much again for what decoders make; past either, the command text is uncertain (T3)
    "2026.12.20": "50007db376bd44a7e5dd9ebbdc1ec1011517ed0743fdbeadb18dc5660ded9178",
    # 2026.12.21: stored text after the red team's second pass: the descriptor table followed through every
    # redirection and exec (>&f, 1<>f, 3>f >&3, exec 3>f), producers before any stage that keeps its input (a
    # group, a subshell, sh -c, a filter into a file, /dev/stdin), decoders on heredocs, a function's output,
    # printf's flags, width, precision and positions, echo's \c, sed's a/i/c text and s replacements in place
    "2026.12.21": "8b0baef7a03b4c328ba7bf2479c1f4c4be7bbd28ad2cbd7aae7c55ce135ae6f7",
    # 2026.12.22: an unknown ${X:?} is never empty (bash stops the command): rm -rf "${X:?}"/ is T3, not a root wipe
    "2026.12.22": "35b9e87b86420507af1fe1338a053dbba5c434f1310e623fba6d07e98f45eaad",
    # 2026.12.23: a line read from a here-string or heredoc into one name (read -r x <<< '/') is known
    "2026.12.23": "ba41c63e0ee1e2f235befca59981d3607df8a8f43f42b7b4edeeb80f0bb862a6",
    # 2026.12.24: stored text after the red team's third pass: exec scoped to its subshell (a conditional or
    # pipeline-stage exec may add a file, never remove one), groups through every descriptor, process
    # substitutions copied to files, exec's heredoc, nested shells' output (sh -c, eval, | sh), a group's here-string,
    # a file's whole text after appends, sed -e parts joined with GNU escapes and case, sed -f -, r /dev/stdin, sed
    # stages before a keeping stage, decoded text before an uncomputable stage, summarisers (sha256sum, wc, grep
    # -c) keep nothing; printf widths past 4,096 not computed; decoder output at most the text's size
    "2026.12.24": "6276af1f5fa070d193de79758cc4c6d3c243c42a53e164ac909c67004f5f7a25",
    # 2026.12.25: one table of the names that are standard input (STDIN_FILES) for sed -f, r and the rest; sed's
    # r /proc/self/fd/0 now reads standard input like r /dev/stdin
    "2026.12.25": "b4640ea82c96e10e2156872e413ded90471050e3c3d846bf9f990ba57535719a",
}
_MAX_POLICY_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class DenyRule:
    rule_id: str
    pattern: re.Pattern[str]
    reason: str
    actions: tuple[str, ...] = ()

    def applies_to(self, action: str) -> bool:
        return not self.actions or any(fnmatch.fnmatchcase(action, glob) for glob in self.actions)


@dataclass(frozen=True, slots=True)
class OperatorPolicy:
    deny: tuple[DenyRule, ...] = ()
    module_tiers: Mapping[str, Tier] = field(default_factory=dict)
    command_allowlist: tuple[str, ...] = ()
    connections: tuple[str, ...] = ()  # the operator's connection list (empty: the built-in allowlist)
    source: str = ""
    canonical: str = "{}"


# Ruleset generates no __eq__, __hash__ or __repr__ (eq=False, repr=False): rulesets are told apart by their digest,
# never compared as objects, and each generated method is compiled at class creation, in every gated run's start-up
# (issue 22). OperatorPolicy and DenyRule keep theirs: policies are compared (the ruleset cache's tests).
@dataclass(frozen=True, slots=True, eq=False, repr=False)
class Ruleset:
    version: str
    digest: str
    policy: OperatorPolicy

    @property
    def label(self) -> str:
        """Short form stamped into decisions: version and the first 16 hex digits of the digest."""
        return f"{self.version}/{self.digest[:16]}"


def builtin_data() -> dict[str, Any]:
    return {
        "commands": _commands.RULES_DATA,
        "modules": _modules.MODULE_DATA,
        "connections": _connopts.CONNOPTS_DATA,
        "interpreters": _connopts.interpreter_data(),
        "options": _options.OPTIONS_DATA,
        "talos": _talos.TALOS_DATA,
        "paths": {
            "top_level_system_dirs": sorted(_paths.TOP_LEVEL_SYSTEM_DIRS),
            "harmless_device_nodes": sorted(_paths.HARMLESS_DEVICE_NODES),
            "harmless_device_trees": sorted(_paths.HARMLESS_DEVICE_TREES),
            "persistence": [list(entry) for entry in _paths.PERSISTENCE_PATHS],
            "persistence_names": {name: list(what) for name, what in sorted(_paths.PERSISTENCE_NAMES.items())},
        },
        "collections": _collections.COLLECTIONS_DATA,
        "executables": _executables.EXECUTABLES_DATA,
        "gate_state_names": sorted(GATE_STATE_NAMES),
    }


def builtin_fingerprint() -> str:
    blob = json.dumps(builtin_data(), sort_keys=True, separators=(",", ":"), default=str).encode()
    return hashlib.sha256(blob).hexdigest()


SCHEMA_DIR = Path(__file__).resolve().parents[3] / "docs" / "schema"


def policy_schema() -> dict[str, Any]:
    """The published schema (docs/schema ships inside the collection, so there is exactly one copy)."""
    schema: dict[str, Any] = json.loads((SCHEMA_DIR / "policy.schema.json").read_text(encoding="utf-8"))
    return schema


def load_policy(path: Path | None, *, cache: _Cache | None = None) -> OperatorPolicy:
    """Load and validate the operator policy file. Any problem is a PolicyFileError; there is no silent default.

    With a ``cache`` (the gate's state directory), a file whose exact bytes were validated before is taken from its
    canonical form there: no YAML parser, no schema validator. Different bytes (any edit) miss the cache and are
    parsed and validated in full."""
    if path is None:
        return OperatorPolicy()
    try:
        raw = read_bounded(path, max_bytes=_MAX_POLICY_BYTES, what="the policy file")
    except InputRejected as exc:
        raise PolicyFileError(str(exc), hint="point PRAXIS_POLICY at a regular YAML file of at most 1 MiB") from None
    except OSError as exc:
        raise PolicyFileError(
            f"cannot read the policy file {path}: {exc.strerror or exc}",
            hint="fix PRAXIS_POLICY (or [praxis_gatekeeper] policy) or create the file",
        ) from exc
    key = hashlib.sha256(b"policy\0" + _schema_bytes() + b"\0" + raw).hexdigest()
    cached = cache.get("policy", key) if cache is not None else None
    data: Any = json.loads(cached) if cached is not None else None
    if cached is not None and isinstance(data, dict):
        return _build_policy(path, data, cached)
    data = _parse_policy(path, raw)
    canonical = json.dumps(data, sort_keys=True, separators=(",", ":"))
    if cache is not None:
        cache.put("policy", key, canonical)
    return _build_policy(path, data, canonical)


def _parse_policy(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        data = load_yaml(raw.decode("utf-8"), what=f"the policy file {path}")
    except InputRejected as exc:
        raise PolicyFileError(str(exc), hint="write the policy out without anchors and aliases that multiply") from None
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise PolicyFileError(f"the policy file {path} is not valid YAML: {exc}", hint="fix the syntax") from exc
    validator = jsonschema.Draft202012Validator(policy_schema())
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        where = "/".join(str(p) for p in first.absolute_path) or "(top level)"
        raise PolicyFileError(
            f"the policy file {path} does not match the published schema at {where}: {first.message}"
            + (f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""),
            hint="see docs/schema/policy.schema.json or `praxis-gate schema policy`",
        )
    if not isinstance(data, dict):  # the schema requires an object; this guards a schema edit that forgot it
        raise PolicyFileError("the policy file must hold a mapping", hint="see `praxis-gate schema policy`")
    return data


def _build_policy(path: Path, data: Mapping[str, Any], canonical: str) -> OperatorPolicy:
    rules: list[DenyRule] = []
    for entry in data.get("deny", []):
        try:
            compiled = re.compile(entry["pattern"])
        except re.error as exc:
            raise PolicyFileError(
                f"the policy file {path}: deny rule {entry['id']!r} has an invalid pattern: {exc}",
                hint="fix the regular expression",
            ) from exc
        rules.append(
            DenyRule(
                rule_id=f"policy.{entry['id']}",
                pattern=compiled,
                reason=entry.get("reason") or f"operator deny rule {entry['id']}",
                actions=tuple(entry.get("actions", ())),
            )
        )
    return OperatorPolicy(
        deny=tuple(rules),
        module_tiers={name: Tier.parse(tier) for name, tier in data.get("module_tiers", {}).items()},
        command_allowlist=tuple(data.get("command_allowlist", ())),
        connections=tuple(data.get("connections", ())),
        source=str(path),
        canonical=canonical,
    )


def load_ruleset(policy_path: Path | None, *, cache_dir: Path | None = None) -> Ruleset:
    """The ruleset of a run. ``cache_dir`` (the gate passes its state directory) keeps what a run would otherwise
    derive again every time: the built-in rules' fingerprint, keyed by the content of the files that hold the rule
    data, and the validated policy, keyed by the policy file's bytes. A changed file of either kind misses."""
    cache = _Cache(cache_dir) if cache_dir is not None else None
    policy = load_policy(policy_path, cache=cache)
    fingerprint = None
    if cache is not None:
        key = rule_sources_digest()
        fingerprint = cache.get("builtin", key)
        if fingerprint is None:
            fingerprint = builtin_fingerprint()
            cache.put("builtin", key, fingerprint)
    digest = hashlib.sha256()
    digest.update(RULESET_VERSION.encode())
    digest.update(b"\0")
    digest.update((fingerprint or builtin_fingerprint()).encode())
    digest.update(b"\0")
    digest.update(policy.canonical.encode())
    return Ruleset(version=RULESET_VERSION, digest=digest.hexdigest(), policy=policy)


# ---------------------------------------------------------------------------------------------------- the cache
_RUNNER = Path(__file__).resolve().parents[1]
CACHE_FILE = "ruleset-cache.json"


def rule_sources_digest() -> str:
    """sha256 over the bytes of every file that holds built-in rule data (the policy package and the tiers it
    names): the key of the cached fingerprint. Reading them costs about a millisecond; building the fingerprint
    from the tables costs tens."""
    digest = hashlib.sha256(RULESET_VERSION.encode() + b"\0")
    for source in sorted([*(_RUNNER / "policy").rglob("*.py"), _RUNNER / "core" / "models.py"]):
        digest.update(str(source.relative_to(_RUNNER)).encode() + b"\0")
        digest.update(source.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def _schema_bytes() -> bytes:
    try:
        return (SCHEMA_DIR / "policy.schema.json").read_bytes()
    except OSError:  # the full parse reads it again and reports the problem
        return b""


class _Cache:
    """``ruleset-cache.json`` in the state directory: the newest entry of each kind, keyed by content.

    It lives beside the audit log and the kill switch, in a directory only the operator can write (the gate refuses
    any other), so it is as trusted as the policy file itself. It is only ever a shortcut: an unreadable, foreign
    or stale file is ignored and rewritten, and a failed write costs the next run the full derivation."""

    def __init__(self, state_dir: Path) -> None:
        self.path = state_dir / CACHE_FILE
        self._entries: dict[str, Any] | None = None

    def _load(self) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {}
            with contextlib.suppress(OSError, StateError, ValueError):
                fd = open_private_file(self.path, os.O_RDONLY)
                try:
                    raw = os.read(fd, 4 * 1024 * 1024)
                finally:
                    os.close(fd)
                loaded = json.loads(raw)
                if isinstance(loaded, dict):
                    self._entries = loaded
        return self._entries

    def get(self, kind: str, key: str) -> str | None:
        entry = self._load().get(kind)
        if isinstance(entry, dict) and entry.get("key") == key and isinstance(entry.get("value"), str):
            return str(entry["value"])
        return None

    def put(self, kind: str, key: str, value: str) -> None:
        entries = dict(self._load())
        entries[kind] = {"key": key, "value": value}
        self._entries = entries
        tmp = self.path.with_name(f".{CACHE_FILE}.{secrets.token_hex(6)}")
        with contextlib.suppress(OSError, StateError):
            fd = open_private_file(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
            try:
                os.write(fd, json.dumps(entries, sort_keys=True).encode())
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
