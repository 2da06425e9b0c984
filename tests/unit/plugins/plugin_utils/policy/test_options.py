# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The escape classes of issue 13, each tested over its whole table or over path spellings, not per example:
options that run a program, dry runs that execute, interpreters and environments, controller paths, relative and
indirect paths. The option table itself is held to the argument specs of the installed ansible-core."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.audit.writer import AuditLog
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import (
    Mode,
    RequestKind,
    TaskRequest,
    Tier,
    Verdict,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _modules, _options, _paths, _talos
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.evaluate import evaluate

BUILTIN = ruleset_mod.load_ruleset(None)
BIN = Path(sys.executable).parent


@cache
def builtin_docs() -> dict[str, Any]:
    """Every ansible.builtin module's documentation as the installed ansible-core's ansible-doc reports it."""
    listing = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", "-t", "module", "-l", "ansible.builtin"],
        capture_output=True, text=True, check=True, env={**os.environ, "ANSIBLE_NOCOLOR": "1"},
    )  # fmt: skip
    names = sorted(json.loads(listing.stdout))
    docs = subprocess.run(
        [str(BIN / "ansible-doc"), "--json", "-t", "module", *names], capture_output=True, text=True, check=True
    )
    return {name: data["doc"] for name, data in json.loads(docs.stdout).items()}


def req(action: str, args: dict[str, Any] | None = None, **kw: Any) -> TaskRequest:
    kw.setdefault("host", "web1")
    return TaskRequest(action=action, args=args or {}, **kw)


def gate_for(tmp_path: Path, mode: Mode) -> Gate:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "PRAXIS_MODE": mode.value, "HOME": str(tmp_path)}
    return Gate.from_settings(load_settings(env, cwd=str(tmp_path), cfg=None), seams=())


# ----------------------------------------------------------------------------------- the table is the real spec
def test_every_option_of_every_builtin_module_is_classified() -> None:
    """Every documented option and alias of every builtin module of this ansible-core has a kind; the table has no
    option this release lacks except internal keys and options of the other supported release."""
    docs = builtin_docs()
    assert len(docs) > 60, sorted(docs)
    missing_modules = sorted(set(docs) - set(_options.OPTIONS))
    assert not missing_modules, f"modules without an option table: {missing_modules}"
    unclassified, stale = [], []
    for module, doc in docs.items():
        table = _options.OPTIONS[module]
        documented: set[str] = set()
        for option, spec in (doc.get("options") or {}).items():
            documented |= {option, *(spec.get("aliases") or [])}
        unclassified += [f"{module}.{name}" for name in sorted(documented - set(table))]
        allowed = _options.INTERNAL_KEYS["*"] | _options.INTERNAL_KEYS.get(module, frozenset())
        allowed |= _options.OTHER_RELEASES.get(module, frozenset())
        stale += [f"{module}.{name}" for name in sorted(set(table) - documented - allowed)]
    assert not unclassified, f"options the gate does not know (classify them in policy/_options.py): {unclassified}"
    assert not stale, f"tabled options this ansible-core does not document: {stale}"
    builtin = {module for module in _options.OPTIONS if module.startswith("ansible.builtin.")}
    assert builtin - set(docs) == set(), "the table names modules this ansible-core lacks"


def test_the_collections_own_modules_are_tabled_by_their_documentation() -> None:
    """praxis.gatekeeper's modules: every documented option is classified, nothing else is, and the table holds no
    module the collection does not ship. The talos module's options are tabled by the talosctl verb table
    (policy/_talos.py MODULE_ARGS, each verb's own options beyond them), held to its documentation the same way."""
    root = Path(_options.__file__).resolve().parents[2]
    ours = {f"praxis.gatekeeper.{path.stem}": path for path in (root / "modules").glob("*.py")}
    assert ours, "the collection ships modules"
    assert _talos.MODULE in ours and _talos.MODULE not in _options.OPTIONS
    assert {m for m in _options.OPTIONS if not m.startswith("ansible.builtin.")} | {_talos.MODULE} == set(ours)
    for module, path in ours.items():
        (doc,) = [
            node.value.value for node in ast.parse(path.read_text()).body
            if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION"
        ]  # fmt: skip
        documented: set[str] = set()
        for option, spec in (yaml.safe_load(doc).get("options") or {}).items():
            documented |= {option, *(spec.get("aliases") or [])}
        table = set(_talos.MODULE_ARGS) if module == _talos.MODULE else set(_options.OPTIONS[module])
        assert table == documented, (module, table ^ documented)


def test_a_drift_scan_naming_the_gates_files_is_refused(tmp_path: Path) -> None:
    """Its paths are read on the controller (an @file of extra vars too): one naming the gate's state is tamper."""
    gate = gate_for(tmp_path, Mode.GUARDED)
    state = tmp_path / "state"
    base = {"playbook": "/srv/project/site.yml", "inventory": ["/srv/inventory"]}
    plain = gate.explain(req("praxis.gatekeeper.drift_scan", base, connection="local", host="localhost"))
    assert plain.allowed and plain.tier is Tier.T0, plain  # positive control
    for option, value in (("playbook", f"{state}/audit.jsonl"), ("inventory", [f"{state}/state.db"]),
                          ("extra_vars", [f"@{state}/signing.key"])):  # fmt: skip
        args = {**base, option: value}
        decision = gate.explain(req("praxis.gatekeeper.drift_scan", args, connection="local", host="localhost"))
        assert not decision.allowed and decision.rule == "deny.gate-tamper", (option, decision)


def test_every_kind_in_the_table_is_a_known_kind() -> None:
    for module, table in _options.OPTIONS.items():
        for option, kind in table.items():
            assert kind in _options.KINDS, (module, option, kind)


def test_the_check_mode_table_only_holds_modules_that_document_check_mode_support() -> None:
    docs = builtin_docs()
    for module in _modules.CHECK_MODE_HONEST:
        if not module.startswith("ansible.builtin."):
            continue
        support = ((docs[module].get("attributes") or {}).get("check_mode") or {}).get("support")
        # package and service hand the task to a backend module, whose support decides (N/A in their docs).
        assert support in ("full", "partial") or (support == "N/A" and module.endswith((".package", ".service"))), (
            module,
            support,
        )
        quiet, _loud = _modules.CHECK_MODE_HONEST[module]
        for option in quiet:
            assert _options.OPTIONS[module][option] in _options.RUNS_PROGRAM, (module, option)


# ----------------------------------------------------------------------------- class 1: options that run a program
RUNNING_OPTIONS = sorted(
    (module, option, kind)
    for module, table in _options.OPTIONS.items()
    for option, kind in table.items()
    if kind in (_options.COMMAND, _options.PROGRAM, _options.INTERPRETER)
    and module not in _modules.EXEC_MODULES
    and option not in ("_raw_params",)
)


def _base_args(module: str) -> dict[str, Any]:
    """Ordinary arguments for a module, so the option under test is the only thing out of the ordinary."""
    table = _options.OPTIONS[module]
    args: dict[str, Any] = {}
    for name in ("path", "dest", "name"):
        if name in table and table[name] == _options.REMOTE_PATH:
            args[name] = "/srv/app/file"
            break
    content = {".copy": "content", ".lineinfile": "line", ".blockinfile": "block"}
    for suffix, key in content.items():
        if module.endswith(suffix):
            args[key] = "x"
    return args


@pytest.mark.parametrize(
    ("module", "option", "kind"), RUNNING_OPTIONS, ids=[f"{m[16:]}.{o}" for m, o, _unused in RUNNING_OPTIONS]
)
def test_every_option_that_runs_a_program_takes_the_free_form_floor(module: str, option: str, kind: str) -> None:
    payload = ["/tmp/payload.sh"] if option == "extra_opts" else "/tmp/payload.sh"
    args = {**_base_args(module), option: payload}
    evaluation = evaluate(req(module, args), ruleset=BUILTIN)
    assert evaluation.tier >= Tier.T2, (module, option, evaluation.reasons)
    assert any(option in reason for reason in evaluation.reasons), evaluation.reasons
    # the same task without the option stays at the module's own tier (the option is what raised it)
    plain = evaluate(req(module, _base_args(module)), ruleset=BUILTIN)
    assert not any(option in reason for reason in plain.reasons)
    # and a deny-class payload in that option is denied in every mode
    hidden = "echo dG91Y2ggL3RtcC94 | base64 -d | sh"
    denied = evaluate(req(module, {**_base_args(module), option: hidden}), ruleset=BUILTIN)
    assert denied.findings, (module, option)


@pytest.mark.parametrize(
    ("module", "option", "kind"), RUNNING_OPTIONS, ids=[f"{m[16:]}.{o}" for m, o, _unused in RUNNING_OPTIONS]
)
def test_readonly_refuses_and_guarded_gates_every_program_option(
    tmp_path: Path, module: str, option: str, kind: str
) -> None:
    args = {**_base_args(module), option: "/tmp/payload.sh"}
    readonly = gate_for(tmp_path / "r", Mode.READONLY).explain(req(module, args))
    assert readonly.verdict is Verdict.REFUSED, readonly
    guarded = gate_for(tmp_path / "g", Mode.GUARDED).explain(req(module, args))
    assert guarded.tier >= Tier.T2


def test_ordinary_validate_on_a_sudoers_file_is_an_approvable_t3_write(tmp_path: Path) -> None:
    args = {"path": "/etc/sudoers.d/ops", "line": "%ops ALL=(ALL) ALL", "create": True, "validate": "visudo -cf %s"}
    evaluation = evaluate(req("ansible.builtin.lineinfile", args), ruleset=BUILTIN)
    assert not evaluation.findings
    assert evaluation.tier is Tier.T3
    decision = gate_for(tmp_path, Mode.OPEN).explain(req("ansible.builtin.lineinfile", args))
    assert decision.verdict is Verdict.ALLOWED  # no approvals stage here: approvable, not denied


def test_an_absolute_copy_keeps_its_tier() -> None:
    evaluation = evaluate(req("ansible.builtin.copy", {"content": "x", "dest": "/srv/app/config"}), ruleset=BUILTIN)
    assert evaluation.tier is Tier.T1 and not evaluation.findings


@pytest.mark.parametrize(
    "module",
    sorted(
        m
        for m, t in _options.OPTIONS.items()
        if _modules.base_tier(m) is not None and "*" not in t and m not in _modules.CONTROL_MODULES
    ),
)
def test_an_option_the_table_does_not_know_rounds_up_to_t2(module: str) -> None:
    evaluation = evaluate(req(module, {**_base_args(module), "frobnicate_hook": "x"}), ruleset=BUILTIN)
    assert evaluation.tier >= Tier.T2
    assert any("frobnicate_hook" in reason for reason in evaluation.reasons)


def test_modules_whose_options_are_not_tabled_round_up_to_t2() -> None:
    evaluation = evaluate(
        req("ansible.posix.acl", {"path": "/srv/x", "entity": "bob", "etype": "user"}), ruleset=BUILTIN
    )
    assert evaluation.tier is Tier.T2
    assert evaluate(req("acme.tools.frobnicate", {"name": "x"}), ruleset=BUILTIN).tier is Tier.T2


@pytest.mark.parametrize("value", ["ansible.builtin.shell", "command", "acme.evil.run", "raw"])
@pytest.mark.parametrize("module", ["ansible.builtin.package", "ansible.builtin.service"])
def test_use_naming_another_module_rounds_up(module: str, value: str) -> None:
    evaluation = evaluate(req(module, {"name": "x", "use": value}), ruleset=BUILTIN)
    assert evaluation.tier is Tier.T3


def test_gather_facts_is_judged_by_the_fact_modules_it_runs() -> None:
    sub = (("ansible.builtin.setup", {"fact_path": "/tmp/facts.d"}),)
    evaluation = evaluate(req("ansible.builtin.gather_facts", {}, sub_actions=sub), ruleset=BUILTIN)
    assert evaluation.tier >= Tier.T2
    assert not evaluate(
        req("ansible.builtin.gather_facts", {}, sub_actions=(("ansible.builtin.setup", {}),)), ruleset=BUILTIN
    ).reasons


# ----------------------------------------------------------------------------- class 2: dry runs that execute
@pytest.mark.parametrize(
    ("module", "option", "kind"), RUNNING_OPTIONS, ids=[f"{m[16:]}.{o}" for m, o, _unused in RUNNING_OPTIONS]
)
def test_a_program_option_that_runs_under_check_mode_is_no_dry_run(module: str, option: str, kind: str) -> None:
    args = {**_base_args(module), option: "/tmp/payload.sh"}
    evaluation = evaluate(req(module, args, check_mode=True), ruleset=BUILTIN)
    quiet, _unused = _modules.CHECK_MODE_HONEST.get(module, (frozenset(), frozenset()))
    assert evaluation.dry_run is (option in quiet and not evaluation.findings and module in _modules.CHECK_MODE_HONEST)


@pytest.mark.parametrize("module", sorted(m for m in _modules.CHECK_MODE_HONEST if m in _options.OPTIONS))
def test_an_honest_module_with_ordinary_options_stays_a_dry_run(module: str) -> None:
    evaluation = evaluate(req(module, _base_args(module), check_mode=True), ruleset=BUILTIN)
    assert evaluation.dry_run, (module, evaluation.reasons)


@pytest.mark.parametrize(
    ("module", "args"),
    [
        ("ansible.builtin.git", {"repo": "https://example.com/x.git", "dest": "/srv/x"}),
        ("ansible.builtin.pip", {"name": "x", "executable": "/tmp/pip"}),
        ("ansible.builtin.setup", {"fact_path": "/tmp/facts"}),
        ("ansible.builtin.mount_facts", {"mount_binary": "/tmp/mount"}),
        ("ansible.builtin.assemble", {"src": "/srv/parts", "dest": "/srv/all", "validate": "true %s"}),
        ("ansible.builtin.script", {"_raw_params": "x.sh"}),
        ("ansible.builtin.raw", {"_raw_params": "true"}),
        ("ansible.builtin.stat", {"path": "/srv/x", "unknown_option": 1}),
    ],
)
def test_dry_runs_that_execute_are_real_runs(module: str, args: dict[str, Any]) -> None:
    assert not evaluate(req(module, args, check_mode=True), ruleset=BUILTIN).dry_run


def test_a_non_inert_environment_makes_a_check_run_real() -> None:
    env = {"PYTHONWARNINGS": "ignore::x.y", "BROWSER": "/tmp/x"}
    evaluation = evaluate(
        req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"}, check_mode=True, environment=env),
        ruleset=BUILTIN,
    )
    assert not evaluation.dry_run and evaluation.tier >= Tier.T2


# ----------------------------------------------------------------------------- class 3: interpreters, environment
INTERPRETER_ESCAPES = [
    "/tmp/x.sh",
    "/home/u/bin/python3",
    "/usr/bin/../../tmp/python3",
    "./python3",
    "/usr/bin/python3 -c 'import os'",
    "/tmp/python3",
    "/usr/bin/env /tmp/x",
    "/usr/local/bin/evil",
    "x.sh",
]


@pytest.mark.parametrize("value", INTERPRETER_ESCAPES)
@pytest.mark.parametrize("variable", ["python_interpreter", "perl_interpreter", "ruby_interpreter", "sh_interpreter"])
def test_interpreter_variables_must_name_a_known_interpreter(variable: str, value: str) -> None:
    evaluation = evaluate(req("ansible.builtin.ping", {}, connection_options={variable: value}), ruleset=BUILTIN)
    assert any(f.rule == "deny.connection-injection" for f in evaluation.findings), (variable, value)


@pytest.mark.parametrize(
    "value", ["/usr/bin/python3", "python3", "/usr/bin/env python3", "/usr/libexec/platform-python"]
)
def test_known_interpreters_pass(value: str) -> None:
    assert not evaluate(
        req("ansible.builtin.ping", {}, connection_options={"python_interpreter": value}), ruleset=BUILTIN
    ).findings


def test_an_operator_trusted_interpreter_passes() -> None:
    venv = "/opt/venvs/app/bin/python3"
    options = {"python_interpreter": venv}
    assert evaluate(req("ansible.builtin.ping", {}, connection_options=options), ruleset=BUILTIN).findings
    trusted = evaluate(
        req("ansible.builtin.ping", {}, connection_options=options), ruleset=BUILTIN, trusted_interpreters=(venv,)
    )
    assert not trusted.findings


CODE_LOADING = [
    *sorted(_modules.CODE_ENV_VARS),
    "GIT_CONFIG_KEY_0",
    "GIT_CONFIG_VALUE_0",
    "X_SOMETHING_NEW",
    "<unparsed>",
]


@pytest.mark.parametrize("name", CODE_LOADING)
def test_environment_keys_outside_the_inert_list_round_up(name: str) -> None:
    evaluation = evaluate(req("ansible.builtin.stat", {"path": "/srv"}, environment={name: "x"}), ruleset=BUILTIN)
    assert evaluation.tier >= Tier.T2, name


@pytest.mark.parametrize("name", [*sorted(_modules.INERT_ENV_VARS), "LC_MESSAGES", "LC_CTYPE"])
def test_inert_environment_keys_stay_t0(name: str) -> None:
    assert (
        evaluate(req("ansible.builtin.stat", {"path": "/srv"}, environment={name: "C"}), ruleset=BUILTIN).tier
        is Tier.T0
    )


# ----------------------------------------------------------------------------- class 4: controller paths
def _spellings(path: str) -> list[str]:
    head, _separator, tail = path.rpartition("/")
    first = path.split("/")[1]
    return [
        path,
        head + "/./" + tail,
        head + "//" + tail,
        f"/{first}/../{path.lstrip('/')}",
        head + "/" + tail.replace(".", "%2E"),
        head + "/" + tail.replace(".", "%252E"),
        "file://" + path,
        "file://" + head + "/" + tail.replace("a", "%61"),
    ]


@pytest.fixture
def gate_files(tmp_path: Path) -> tuple[Gate, list[str]]:
    gate = gate_for(tmp_path, Mode.OPEN)
    settings = gate.settings
    files = [
        str(settings.audit_path),
        str(settings.state_dir / "audit.key"),
        str(settings.approvers_path),
        str(settings.killswitch_path),
        str(Path(_options.__file__).resolve()),
    ]
    return gate, files


CARRIERS = [
    ("fetch-dest", lambda p: req("ansible.builtin.fetch", {"src": "/etc/hostname", "dest": p, "flat": True})),
    (
        "fetch-resolved",
        lambda p: req("ansible.builtin.fetch", {"src": "/etc/hostname", "dest": "out/"}, controller_paths={"dest": p}),
    ),
    ("copy-src", lambda p: req("ansible.builtin.copy", {"src": p, "dest": "/srv/x"})),
    ("template-src", lambda p: req("ansible.builtin.template", {"src": p, "dest": "/srv/x"})),
    ("unarchive-src", lambda p: req("ansible.builtin.unarchive", {"src": p, "dest": "/srv/x"})),
    ("script", lambda p: req("ansible.builtin.script", {"_raw_params": p})),
    ("lookup-term", lambda p: req("ansible.builtin.url", {"_terms": [p]}, kind=RequestKind.LOOKUP, connection="local")),
]


@pytest.mark.parametrize("carrier", CARRIERS, ids=[c[0] for c in CARRIERS])
def test_every_spelling_of_a_gate_file_is_refused_through_every_carrier_on_ssh(
    gate_files: tuple[Gate, list[str]], carrier: Any, tmp_path: Path
) -> None:
    gate, files = gate_files
    build = carrier[1]
    for path in files:
        for spelling in _spellings(path):
            decision = gate.explain(build(spelling))
            assert decision.verdict is Verdict.DENIED and decision.rule == "deny.gate-tamper", (carrier[0], spelling)
    # positive control: the same spellings of an ordinary controller file are not tamper
    ordinary = tmp_path / "project" / "files" / "app.conf"
    for spelling in _spellings(str(ordinary)):
        assert gate.explain(build(spelling)).rule != "deny.gate-tamper", (carrier[0], spelling)


def test_a_symlink_to_a_gate_file_is_resolved(gate_files: tuple[Gate, list[str]], tmp_path: Path) -> None:
    gate, files = gate_files
    link = tmp_path / "innocent.txt"
    Path(files[0]).parent.mkdir(parents=True, exist_ok=True)
    Path(files[0]).touch()
    link.symlink_to(files[0])
    assert gate.lookup_touches_gate([str(link)], {})
    assert not gate.lookup_touches_gate([str(tmp_path / "other.txt")], {})


def test_a_password_lookup_writing_a_file_is_a_controller_write(tmp_path: Path) -> None:
    lookup = req(
        "ansible.builtin.password", {"_terms": ["creds/db length=12"]}, kind=RequestKind.LOOKUP, connection="local"
    )
    assert evaluate(lookup, ruleset=BUILTIN).tier is Tier.T1
    assert gate_for(tmp_path, Mode.READONLY).explain(lookup).verdict is Verdict.REFUSED


# ----------------------------------------------------------------------------- class 5: relative and indirect paths
SENSITIVE_TARGETS = {
    "/dev/sda": "deny",
    "/etc/sudoers.d/x": Tier.T3,
    "/etc/shadow": Tier.T3,
    "/root/.ssh/authorized_keys": Tier.T3,
    "/var/spool/cron/crontabs/root": Tier.T2,
    "/lib/systemd/system/x.service": Tier.T2,
    "/usr/lib/python3/dist-packages/x.pth": Tier.T2,
    "/usr/bin/ls": Tier.T2,
    "/root/.bashrc": Tier.T2,
    "/root/.ssh/config": Tier.T3,
    "/etc/profile.d/x.sh": Tier.T2,
}


def _relative_spellings(target: str) -> list[str]:
    rel = target.lstrip("/")
    return ["../" * depth + rel for depth in (1, 2, 4, 8)] + ["./../" * 3 + rel, "x/../../../" + rel]


WRITERS = sorted(
    (module, option)
    for module, table in _options.OPTIONS.items()
    for option, kind in table.items()
    if kind == _options.REMOTE_PATH
    and _modules.base_tier(module) not in (None, Tier.T0)
    and module not in _modules.EXEC_MODULES
    and option in ("dest", "path", "name")
)


@pytest.mark.parametrize(("module", "option"), WRITERS, ids=[f"{m[16:]}.{o}" for m, o in WRITERS])
def test_relative_paths_are_judged_by_their_worst_reading(module: str, option: str) -> None:
    for target, expected in SENSITIVE_TARGETS.items():
        absolute = evaluate(req(module, {option: target}), ruleset=BUILTIN)
        for spelling in _relative_spellings(target):
            evaluation = evaluate(req(module, {option: spelling}), ruleset=BUILTIN)
            if expected == "deny":
                assert evaluation.findings, (module, option, spelling)
            else:
                assert evaluation.findings or evaluation.tier >= max(expected, absolute.tier), (module, spelling)


@pytest.mark.parametrize("target", sorted(t for t, e in SENSITIVE_TARGETS.items() if e != "deny"))
def test_persistence_and_t3_paths_floor_absolute_writes(target: str) -> None:
    evaluation = evaluate(req("ansible.builtin.copy", {"content": "x", "dest": target}), ruleset=BUILTIN)
    assert evaluation.tier >= SENSITIVE_TARGETS[target]


@pytest.mark.parametrize("src", ["/etc/sudoers.d", "../../../etc/sudoers.d", "sudoers.d"])
def test_a_link_is_judged_by_its_target(src: str) -> None:
    args = {"path": "/etc/link" if src == "sudoers.d" else "/tmp/link", "src": src, "state": "link"}
    assert evaluate(req("ansible.builtin.file", args), ruleset=BUILTIN).tier is Tier.T3


@pytest.mark.parametrize("dest", ["/", "/etc", "/etc/", "/root/", "/boot"])
def test_tree_copies_and_archives_are_judged_by_everything_under_their_destination(dest: str) -> None:
    assert evaluate(req("ansible.builtin.copy", {"src": "tree/", "dest": dest}), ruleset=BUILTIN).tier is Tier.T3
    assert evaluate(req("ansible.builtin.unarchive", {"src": "a.tgz", "dest": dest}), ruleset=BUILTIN).tier is Tier.T3
    assert (
        evaluate(req("ansible.builtin.unarchive", {"src": "a.tgz", "dest": "/srv/app"}), ruleset=BUILTIN).tier
        is Tier.T1
    )


@pytest.mark.parametrize("spelling", ["../../../..", "../../../../", ".", "/"])
def test_recursive_permissions_on_a_relative_root_are_denied(spelling: str) -> None:
    args = {"path": spelling, "recurse": True, "mode": "0777", "state": "directory"}
    evaluation = evaluate(req("ansible.builtin.file", args), ruleset=BUILTIN)
    if spelling == ".":
        assert evaluation.tier >= Tier.T1
    else:
        assert any(f.rule == "deny.recursive-perms-root" for f in evaluation.findings), spelling


@pytest.mark.parametrize("jid", ["/etc/passwd", "../../x", "j1.2/../../x", "x", ""])
def test_async_status_jid_must_be_a_job_id(jid: str) -> None:
    evaluation = evaluate(req("ansible.builtin.async_status", {"jid": jid, "mode": "cleanup"}), ruleset=BUILTIN)
    assert any(f.rule == "deny.async-job-path" for f in evaluation.findings) or jid == ""
    ok = evaluate(req("ansible.builtin.async_status", {"jid": "j123456789.4242", "mode": "cleanup"}), ruleset=BUILTIN)
    assert not ok.findings and ok.tier is Tier.T0


@pytest.mark.parametrize(
    ("module", "option"),
    [
        ("ansible.builtin.tempfile", "prefix"),
        ("ansible.builtin.apt_repository", "filename"),
        ("ansible.builtin.yum_repository", "file"),
    ],
)
def test_names_joined_onto_a_directory_round_up_with_a_slash(module: str, option: str) -> None:
    assert evaluate(req(module, {option: "../../etc/cron.d/x"}), ruleset=BUILTIN).tier is Tier.T3
    assert evaluate(req(module, {option: "plain"}), ruleset=BUILTIN).tier < Tier.T3


def test_readings_cover_root_home_and_anchor() -> None:
    assert _paths.readings("../../dev/sda") == ["/dev/sda"]
    assert "~/.ssh/config" in _paths.readings(".ssh/config")
    assert "/etc/sudoers.d" in _paths.readings("sudoers.d", anchors=("/etc",))


# ----------------------------------------------------------------------------- item 6: the log changed under a run
@pytest.mark.parametrize("change", ["replaced", "truncated", "rewritten", "deleted"])
def test_a_log_changed_during_a_run_refuses_everything_above_t0(tmp_path: Path, change: str) -> None:
    gate = gate_for(tmp_path, Mode.OPEN)
    assert gate.start_run()
    write = req("ansible.builtin.copy", {"content": "x", "dest": "/srv/x"})
    assert gate.decide(write).verdict is Verdict.ALLOWED
    path = gate.settings.audit_path
    data = path.read_bytes()
    if change == "replaced":
        path.rename(path.with_name("moved.jsonl"))
        path.write_bytes(data)
        os.chmod(path, 0o600)
    elif change == "truncated":
        os.truncate(path, len(data) // 2)
    elif change == "rewritten":
        path.write_bytes(data.replace(b"/srv/x", b"/srv/y"))
    else:
        path.unlink()
    refused = gate.decide(write)
    assert refused.verdict is Verdict.REFUSED and refused.rule == "audit-unavailable", refused
    # a deleted log is recreated empty: a new file, or (when the file system reuses the inode) a truncated one
    expected = ("replaced", "truncated") if change == "deleted" else (change,)
    assert any(f"was {word}" in refused.reason for word in expected), refused.reason
    assert gate.decide(req("ansible.builtin.stat", {"path": "/srv"})).verdict is Verdict.ALLOWED  # T0 reads go on
    assert gate.decide(write).verdict is Verdict.REFUSED  # and it stays refused for the run


def test_a_log_that_only_grew_is_not_a_change(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit.jsonl", fsync=False)
    log.watch()
    assert log.append({"event": "a"})
    other = AuditLog(tmp_path / "audit.jsonl", fsync=False)  # another run appending to the same log
    assert other.append({"event": "b"})
    assert log.append({"event": "c"}), log.last_error
