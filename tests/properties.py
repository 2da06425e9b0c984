# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Properties the gate must hold for every input, with the hypothesis strategies that generate the inputs.

Shared by the unit tests (tests/unit/test_properties.py: a few hundred examples each, on every run) and the fuzz
script (``python -m tests.fuzz``: as many as a time budget allows). Each ``check_*`` raises AssertionError with the
counterexample when a property fails.

- classification never raises and never puts a task below its module's base tier; unknown modules are at least T2;
- a deny-listed payload is denied in every mode, wherever it sits in a command line;
- no covered secret class survives redaction: inside text, under any key, nested, or split across argv items;
- approval tokens, policy files and host literals: parsing never raises anything but its own error, and never
  accepts malformed input.
"""

from __future__ import annotations

import json
import socket
import string
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import InvalidToken, verify_token
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import PolicyFileError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import Mode, TaskRequest, Tier, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.egress import addresses, rules
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.egress.addresses import EgressPolicy
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _modules, _options, ruleset
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import redact, redact_text
from hypothesis import strategies as st

BUILTIN = ruleset.load_ruleset(None)
MODULES = sorted(_options.OPTIONS)
DENY_PAYLOADS = (
    "rm -rf /",
    "rm -rf --no-preserve-root /",
    "rm -rf /*",
    ":(){ :|:& };:",
    "mkfs.ext4 /dev/sda",
    "dd if=/dev/zero of=/dev/sda",
    "chmod -R 777 /",
    "shred /dev/sda",
    "echo x > /dev/sda",
    "wipefs -a /dev/sda",
)
BENIGN = ("true", "echo ok", "ls -la /tmp", "uptime", "cat /etc/hostname", "date", "id -u", "sleep 0")
SEPARATORS = ("; ", " && ", " || ", "\n", " | ", " & ")

# ------------------------------------------------------------------------------------------------ strategies
_scalar = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.text(max_size=40),
    st.sampled_from(["/etc/sudoers", "../../dev/sda", "~/.ssh/authorized_keys", "absent", "yes", "$(id)", "/"]),
)  # fmt: skip
values = st.recursive(
    _scalar,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=12,
)


@st.composite
def module_requests(draw: st.DrawFn) -> TaskRequest:
    """A task of a module the gate knows, with options drawn from its own table (and some it does not know)."""
    action = draw(st.sampled_from(MODULES))
    names = sorted(_options.OPTIONS[action])
    keys = draw(st.lists(st.sampled_from(names) if names else st.text(max_size=8), max_size=5, unique=True))
    args = {key: draw(values) for key in keys}
    if draw(st.booleans()):
        args[draw(st.text(min_size=1, max_size=10))] = draw(values)
    return TaskRequest(
        action=draw(st.sampled_from([action, action.replace("ansible.builtin.", "ansible.legacy."),
                                     action.rsplit(".", 1)[-1]])),
        args=args, host="web1", become=draw(st.booleans()), check_mode=draw(st.booleans()),
        connection=draw(st.sampled_from(["ssh", "local"])),
        environment=draw(st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=2)),
    )  # fmt: skip


unknown_actions = st.from_regex(r"[a-z]{2,8}\.[a-z]{2,8}\.[a-z_]{2,12}", fullmatch=True).filter(
    lambda name: _modules.base_tier(name) is None and name not in _options.OPTIONS
)


@st.composite
def wrapped_payloads(draw: st.DrawFn) -> str:
    """A deny-listed payload among benign commands, joined by any separator."""
    before = draw(st.lists(st.sampled_from(BENIGN), max_size=3))
    after = draw(st.lists(st.sampled_from(BENIGN), max_size=3))
    payload = draw(st.sampled_from(DENY_PAYLOADS))
    parts = [*before, payload, *after]
    return "".join(part + (draw(st.sampled_from(SEPARATORS)) if i < len(parts) - 1 else "")
                   for i, part in enumerate(parts))  # fmt: skip


_alnum = string.ascii_letters + string.digits


@st.composite
def secrets(draw: st.DrawFn) -> tuple[str, str]:
    """(secret class, a secret of that class) for every token shape redaction promises to cover."""

    def run(alphabet: str, size: int) -> str:
        return draw(st.text(alphabet=alphabet, min_size=size, max_size=size))

    kind = draw(st.sampled_from(["github", "aws", "slack", "anthropic", "openai", "hf", "npm", "jwt", "pem",
                                 "bearer", "url-password", "gitlab", "stripe", "google", "praxis"]))  # fmt: skip
    made = {
        "github": lambda: "ghp_" + run(_alnum, 36),
        "aws": lambda: "AKIA" + run(string.ascii_uppercase + string.digits, 16),
        "slack": lambda: "xoxb-" + run(string.digits, 11) + "-" + run(_alnum, 24),
        "anthropic": lambda: "sk-ant-api03-" + run(_alnum, 40),
        "openai": lambda: "sk-proj-" + run(_alnum, 40),
        "hf": lambda: "hf_" + run(_alnum, 34),
        "npm": lambda: "npm_" + run(_alnum, 36),
        "jwt": lambda: "eyJ" + run(_alnum, 20) + ".eyJ" + run(_alnum, 20) + "." + run(_alnum, 20),
        "pem": lambda: "-----BEGIN PRIVATE KEY-----\n" + run(_alnum, 64) + "\n-----END PRIVATE KEY-----",
        "bearer": lambda: "Bearer " + run(_alnum, 32),
        "url-password": lambda: "https://deploy:" + run(_alnum, 16) + "@git.example.com/repo.git",
        "gitlab": lambda: "glpat-" + run(_alnum, 20),
        "stripe": lambda: "sk_live_" + run(_alnum, 24),
        "google": lambda: "AIza" + run(_alnum, 35),
        "praxis": lambda: "pxa1." + run(_alnum, 40) + "." + run(_alnum, 20),
    }
    return kind, made[kind]()


def secret_part(kind: str, secret: str) -> str:
    """The part of a secret that must not survive (for forms that carry a visible prefix)."""
    if kind == "bearer":
        return secret.split(" ", 1)[1]
    if kind == "url-password":
        return secret.split(":", 2)[2].split("@", 1)[0]
    if kind == "pem":
        return secret.splitlines()[1]
    return secret


_filler = st.text(alphabet=string.ascii_letters + string.digits + " /._-", max_size=30)
_boundary = st.sampled_from([" ", "\n", "\t", ", ", "; ", "=", ": ", "(", "[", "'", '"'])

SPLIT_FLAGS = ("--password", "--passwd", "--db-password", "--token", "--api-key", "--secret", "--client-secret",
               "-p", "Authorization:", "DB_PASSWORD=", "--vault-password", "--auth-key")  # fmt: skip


# ------------------------------------------------------------------------------------------------ the checks
def check_classification(request: TaskRequest) -> None:
    evaluation = evaluate(request, ruleset=BUILTIN)  # must not raise
    base = BUILTIN.policy.module_tiers.get(evaluation.action) or _modules.base_tier(evaluation.action)
    if base is not None and evaluation.action not in _modules.EXEC_MODULES:
        assert evaluation.tier >= base, (request, evaluation)
    if request.become and evaluation.action not in _modules.CONTROL_MODULES:
        # (controller-side actions never reach a target, so an inherited become is no escalation: issue 16)
        assert evaluation.tier >= Tier.T2, (request, evaluation)
    assert all(isinstance(reason, str) for reason in evaluation.reasons)


def check_unknown_module(action: str, args: Mapping[str, Any]) -> None:
    evaluation = evaluate(TaskRequest(action=action, args=args, host="web1"), ruleset=BUILTIN)
    assert evaluation.tier >= Tier.T2, (action, evaluation)


class Gates:
    """One gate per mode in a private state directory (explain only: nothing is recorded)."""

    def __init__(self) -> None:
        self._tmp = tempfile.TemporaryDirectory(prefix="praxis-props-")
        base = self._tmp.name
        self.by_mode = {
            mode: Gate.from_settings(
                load_settings({"PRAXIS_STATE_DIR": f"{base}/state", "PRAXIS_MODE": str(mode), "HOME": base}, cfg=False),
                seams=(),
                resolver=lambda host, port: ["93.184.216.34"],
            )
            for mode in Mode
        }

    def close(self) -> None:
        self._tmp.cleanup()


def check_deny_everywhere(gates: Gates, command: str, *, check_mode: bool, module: str) -> None:
    args = {"_raw_params": command} if module.endswith(("shell", "command")) else {"cmd": command}
    for mode, gate in gates.by_mode.items():
        decision = gate.explain(TaskRequest(action=module, args=args, host="web1", check_mode=check_mode))
        assert decision.verdict is Verdict.DENIED and decision.rule.startswith("deny."), (mode, command, decision)


@dataclass(frozen=True)
class RedactionCase:
    kind: str
    secret: str
    before: str
    after: str
    key: str
    depth: int


@st.composite
def redaction_cases(draw: st.DrawFn, max_depth: int = 4) -> RedactionCase:
    """A covered secret between fillers that end and start at a boundary, under a key, nested ``depth`` deep."""
    kind, secret = draw(secrets())
    before = draw(_filler) + draw(_boundary)
    after = draw(_boundary) + draw(_filler)
    key = draw(st.sampled_from(["msg", "body", "data", "content", "x"]))
    return RedactionCase(kind, secret, before, after, key, draw(st.integers(0, max_depth)))


def check_redaction(case: RedactionCase) -> None:
    kind, secret, before, after, key, depth = (case.kind, case.secret, case.before, case.after, case.key, case.depth)
    hidden = secret_part(kind, secret)
    if hidden in before or hidden in after:
        return  # the filler happens to spell the secret itself: nothing to tell apart
    text = f"{before}{secret}{after}"
    assert hidden not in redact_text(text, limit=100_000), (kind, text)
    structure: Any = text
    for level in range(depth):
        structure = {key: structure} if level % 2 == 0 else [before, structure]
    assert hidden not in json.dumps(redact({"args": structure}, max_str=100_000)), (kind, structure)


def check_split_redaction(flag: str, value: str, program: str) -> None:
    if value in program or value in flag or value in "--verbose":
        return  # the other items spell the value themselves
    record = json.dumps(redact({"argv": [program, flag, value, "--verbose"]}))
    assert value not in record, (flag, value, record)


def check_token_parsing(text: str) -> None:
    try:
        verify_token(text, approvers={}, now=datetime(2026, 1, 1, tzinfo=UTC), max_ttl=900)
    except InvalidToken:
        return
    raise AssertionError(f"a token was accepted with no approver registered: {text!r}")


def check_policy_parsing(raw: bytes, directory: Path) -> None:
    path = directory / "policy.yml"
    path.write_bytes(raw)
    try:
        policy = ruleset.load_policy(path)
    except PolicyFileError:
        return
    # accepted: it must be what the published schema allows, and every pattern compiled
    import jsonschema
    import yaml

    jsonschema.validate(yaml.safe_load(raw.decode("utf-8")), ruleset.policy_schema())
    assert all(rule.pattern.pattern for rule in policy.deny)


def check_literal_reader(text: str) -> None:
    parsed = addresses.parse_ip_literal(text)  # must not raise
    try:
        packed: bytes | None = socket.inet_aton(text)
    except (OSError, ValueError):
        packed = None
    if text.strip() != text or not text.isascii() or any(c in text for c in "%[]:") or "\x00" in text:
        return  # inet_aton stops at whitespace; the reader also folds and unwraps what inet_aton never sees
    if parsed is not None and parsed.version == 4 and not text.endswith("."):
        # (a trailing dot is read as the literal on purpose: a resolver may, and reading it rounds up)
        assert packed == parsed.packed, (text, parsed, packed)
    if packed is not None and not text.endswith("."):
        assert parsed is not None and parsed.packed == packed, (text, parsed, packed)


def check_judge_url(text: str) -> None:
    for on_controller in (True, False):
        refusal = rules.judge_url(text, on_controller=on_controller, policy=EgressPolicy(),
                                  resolver=lambda host, port: ["10.0.0.1"])  # fmt: skip
        assert refusal is None or refusal.rule.startswith("deny.egress-")


class SignedToken:
    """A real token from a real operator key, to mutate: a token that differs from a signed one in any character
    must not verify (or must verify to exactly what was signed, when the change is invisible to the decoder)."""

    def __init__(self) -> None:
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import Approver
        from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import TokenItem, sign_token
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

        key = Ed25519PrivateKey.generate()
        approver = Approver("alice", key.public_key())
        self.registry = {approver.key_id: approver}
        self.now = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
        item = TokenItem(item_id="item-1", digest="d" * 64, target="web1", tier="T2")
        self.token = sign_token(plan="req-0123456789abcdef", items=[item], key=key, approver=approver, ttl=600,
                                now=self.now)  # fmt: skip
        self.verified = verify_token(self.token, approvers=self.registry, now=self.now, max_ttl=900)


def check_token_mutation(signed: SignedToken, position: int, replacement: str) -> None:
    index = position % len(signed.token)
    mutated = signed.token[:index] + replacement + signed.token[index + 1 :]
    if mutated == signed.token:
        return
    try:
        verified = verify_token(mutated, approvers=signed.registry, now=signed.now, max_ttl=900)
    except InvalidToken:
        return
    # base64 without padding can spell the same bytes two ways in its last character: then it is the same token
    assert verified.items == signed.verified.items and verified.plan == signed.verified.plan, mutated
    assert verified.ref != "" and verified.approvers == signed.verified.approvers
