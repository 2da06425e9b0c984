# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision path's per-action plan and its exact memos decide what the full path decides (issue 22, item 2).

A plain command line's decision skips the steps that cannot act on it, worked out from the rule tables once per
action, and keeps the answers of pure functions for their exact inputs. Held here:

* the module deny step (``evaluate._plan``): for every action the tables know, an action without deny rules of its
  own finds nothing in a request that names no device option and whose option reading found no target path,
  whatever else the request holds (generated); positive controls where the step does apply and is not skipped;
* the egress step (``_options.may_name_url``): a module whose option table has no URL kind has no option that reads
  as a URL, known or not; positive controls (get_url, uri, git) still have their URLs collected and refused;
* differential: every golden request and generated requests get the same evaluation and the same URLs with the plan
  as with every step run;
* the memos: the reasons a decision shows (``gate._shown_reasons``) and the connection-surface findings are those
  the functions give afresh, for generated texts and surfaces, a secret-looking reason included (never kept).
"""

from __future__ import annotations

import string
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import egress_stage, gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import (
    _collections,
    _connopts,
    _modules,
    _options,
    evaluate,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import redact_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.golden_decisions import load_golden

BUILTIN = ruleset_mod.load_ruleset(None)
_EVERY_STEP = evaluate._Plan(module_rules=True)


def _known_actions() -> list[str]:
    """Every action some table of the policy knows."""
    actions = {*_options.OPTIONS, *_modules._BASE, *_collections.MODULES, *_modules.EXEC_MODULES}
    actions |= {*_modules.CONTROL_MODULES, *_modules.MODE_MODULES, "community.general.unknown_module"}
    return sorted(actions)


ACTIONS = _known_actions()
# Values hostile to exactly the rules the skipped steps hold: devices, system directories, commands, URLs.
_VALUES = [
    "/dev/sda", "/dev/nvme0n1", "/dev/mapper/root", "/", "/etc", "/usr", "/boot", "~/.ssh/authorized_keys",
    "rm -rf /", "dd if=/dev/zero of=/dev/sda", "Remove-Item -Recurse -Force C:\\", "format C: /q", "absent", "true",
    "yes", "0777", "http://169.254.169.254/latest/meta-data/", "https://example.com/x.tgz", "ext::sh -c id", "",
    "relative/path", "/tmp/x", "C:\\Windows",
]  # fmt: skip
_VALUE = st.one_of(
    st.sampled_from(_VALUES),
    st.lists(st.sampled_from(_VALUES), max_size=3),
    st.booleans(),
    st.integers(min_value=-1, max_value=4096),
    st.none(),
)


def _option_names(action: str) -> list[str]:
    table = _options.option_table(action) or {}
    return sorted({*table, "state", "recurse", "delete", "mode", "owner", "src", "url", "repo", "executable"})


@st.composite
def _args(draw: st.DrawFn, action: str, *, device_keys: bool = True) -> dict[str, Any]:
    names = _option_names(action)
    keys = draw(
        st.lists(st.one_of(st.sampled_from(names), st.text(string.ascii_lowercase + "_", min_size=1, max_size=8)))
    )
    if not device_keys:
        keys = [key for key in keys if key not in evaluate._DEVICE_KEYS]
    return {key: draw(_VALUE) for key in keys}


@st.composite
def _requests(draw: st.DrawFn) -> TaskRequest:
    action = draw(st.sampled_from(ACTIONS))
    return TaskRequest(
        action=action,
        args=draw(_args(action)),
        host="h1",
        kind=draw(st.sampled_from([RequestKind.TASK, RequestKind.TASK, RequestKind.CHECK, RequestKind.LOOKUP])),
        check_mode=draw(st.booleans()),
        become=draw(st.booleans()),
        connection=draw(st.sampled_from(["ssh", "local"])),
        sub_actions=tuple(draw(st.lists(st.tuples(st.sampled_from(ACTIONS), _args("x")), max_size=2))),
    )


# ---------------------------------------------------------------------------------------------------------------
# The module deny step
# ---------------------------------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_an_action_without_rules_of_its_own_finds_nothing_without_devices_or_target_paths(data: st.DataObject) -> None:
    """For every action the tables know: where the plan skips the module deny step (no rules of the action's own,
    no device option named, no target path read), the step, run anyway, finds nothing."""
    skipped = 0
    for action in ACTIONS:
        if evaluate._plan(action).module_rules:
            continue
        args = data.draw(_args(action, device_keys=False))
        reading = evaluate._read_options(action, args)
        if reading.remote_paths:
            continue  # the step runs for these (below)
        assert evaluate._module_deny(action, args, reading) == [], (action, args)
        skipped += 1
    assert skipped > 100  # the property is about the many actions the plan skips the step for


def test_the_plan_knows_every_action_with_rules_of_its_own() -> None:
    """Each action with module deny rules (read from the rules themselves: file, synchronize, the collection tables'
    PowerShell and Windows options) keeps the step, and nothing else does."""
    own = {"ansible.builtin.file", "ansible.posix.synchronize"}
    own |= {action for action, spec in _collections.MODULES.items() if spec.get("pwsh") or spec.get("windows")}
    assert {"ansible.windows.win_shell", "ansible.windows.win_powershell", "ansible.windows.win_command"} <= own
    assert {action for action in ACTIONS if evaluate._plan(action).module_rules} == own & set(ACTIONS)


@pytest.mark.parametrize(
    ("action", "args", "rule"),
    [
        # rules of the action's own: the step runs whatever the options are
        ("ansible.builtin.file", {"path": "/usr", "state": "absent"}, "deny.root-wipe"),
        ("ansible.builtin.file", {"path": "/", "recurse": True, "mode": "0777"}, "deny.recursive-perms-root"),
        ("ansible.posix.synchronize", {"src": "x/", "dest": "/usr", "delete": True}, "deny.root-wipe"),
        ("ansible.windows.win_shell", {"_raw_params": "Remove-Item -Recurse -Force C:\\"}, None),
        # no rules of its own, but a device option (known or not) or a target path read by the option table
        ("ansible.builtin.command", {"_raw_params": "true", "dest": "/dev/sda"}, "deny.raw-disk-write"),
        ("ansible.builtin.copy", {"content": "x", "dest": "/dev/sda"}, "deny.raw-disk-write"),
        ("ansible.builtin.command", {"_raw_params": "true", "creates": "/dev/sda"}, "deny.raw-disk-write"),
    ],
)
def test_the_module_deny_step_runs_where_it_can_find_something(action: str, args: dict[str, Any], rule: str) -> None:
    """Positive controls: each of these is denied by the module deny step, and the plan does not skip it."""
    reading = evaluate._read_options(action, args)
    found = evaluate._module_deny(action, args, reading)
    assert found and (rule is None or rule in {f.rule for f in found}), found
    runs = (
        evaluate._plan(action).module_rules or reading.remote_paths or not args.keys().isdisjoint(evaluate._DEVICE_KEYS)
    )
    assert runs
    decision = evaluate.evaluate(TaskRequest(action=action, args=args, host="h1"), ruleset=BUILTIN)
    assert {f.rule for f in found} <= {f.rule for f in decision.findings}


# ---------------------------------------------------------------------------------------------------------------
# The egress step
# ---------------------------------------------------------------------------------------------------------------


def test_a_module_without_url_options_has_no_option_that_reads_as_a_url() -> None:
    """For every option table: when the plan says no URL, no option of it (nor any other key, through ``*``) is of
    the URL kind; when it says URL, one is."""
    without = 0
    for action, table in _options.OPTIONS.items():
        keys = [*table, "url", "uri", "src", "repo", "anything", "*"]
        kinds = {_options.option_kind(table, key) for key in keys}
        assert _options.may_name_url(action, table) == (_options.URL in kinds), action
        without += not _options.may_name_url(action, table)
    assert without > 50 and not _options.may_name_url(
        "ansible.builtin.command", _options.OPTIONS["ansible.builtin.command"]
    )


def test_a_replaced_table_is_read_again() -> None:
    table = {"src": _options.REMOTE_PATH}
    assert not _options.may_name_url("test.plan.module", table)
    assert _options.may_name_url("test.plan.module", {**table, "src": _options.URL})


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("ansible.builtin.get_url", {"url": "http://169.254.169.254/latest/meta-data/", "dest": "/tmp/x"}),
        ("ansible.builtin.uri", {"url": "http://169.254.169.254/latest/meta-data/"}),
        ("ansible.builtin.git", {"repo": "http://169.254.169.254/x.git", "dest": "/tmp/x"}),
    ],
)
def test_modules_with_url_options_still_have_them_collected_and_refused(action: str, args: dict[str, Any]) -> None:
    table = _options.option_table(action)
    assert table is not None and _options.may_name_url(action, table)
    request = TaskRequest(action=action, args=args, host="h1")
    assert egress_stage.fetched_urls(request) == [args.get("url", args.get("repo"))]
    policy = gate.EgressPolicy.parse("")
    findings = egress_stage.egress_findings(request, policy=policy, resolver=lambda host, port: [])
    assert findings and all(f.rule.startswith("deny.") for f in findings), findings


# ---------------------------------------------------------------------------------------------------------------
# Differential: the plan against every step run
# ---------------------------------------------------------------------------------------------------------------


def _golden_requests() -> Iterator[TaskRequest]:
    for row in load_golden():
        data = dict(row["request"])
        data["kind"] = RequestKind(data.get("kind", "task"))
        data["approval_tokens"] = tuple(data.get("approval_tokens", ()))
        yield TaskRequest(**data)


def _every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(evaluate, "_plan", lambda action: _EVERY_STEP)
    monkeypatch.setattr(_options, "may_name_url", lambda action, table: True)


def _outcomes(requests: list[TaskRequest]) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    for request in requests:
        try:
            result: tuple[Any, ...] = (evaluate.evaluate(request, ruleset=BUILTIN), egress_stage.fetched_urls(request))
        except Exception as exc:  # the same request must fail the same way (the gate denies it either way)
            result = (type(exc).__name__,)
        out.append(result)
    return out


def test_every_golden_request_is_evaluated_as_with_every_step(monkeypatch: pytest.MonkeyPatch) -> None:
    requests = list(_golden_requests())
    assert len(requests) > 5000
    planned = _outcomes(requests)
    _every_step(monkeypatch)
    full = _outcomes(requests)
    moved = [(r.action, r.args) for r, p, f in zip(requests, planned, full, strict=True) if p != f]
    assert not moved, moved[:5]


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.lists(_requests(), min_size=1, max_size=8))
def test_generated_requests_are_evaluated_as_with_every_step(requests: list[TaskRequest]) -> None:
    planned = _outcomes(requests)
    with pytest.MonkeyPatch.context() as patch:
        _every_step(patch)
        full = _outcomes(requests)
    assert planned == full


# ---------------------------------------------------------------------------------------------------------------
# The memos
# ---------------------------------------------------------------------------------------------------------------

_REASON = st.one_of(
    st.sampled_from([
        "T0 within the guarded ceiling (observes only)", "T2: free-form command execution",
        "password=hunter2 in the arguments", "token ghp_" + "a" * 36, "x" * 500, "",
    ]),
    st.text(max_size=60),
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_REASON, min_size=1, max_size=5))
def test_the_reasons_a_decision_shows_are_redact_texts_afresh(texts: list[str]) -> None:
    expected = tuple(redact_texts(texts, limits=[400, *[200] * (len(texts) - 1)]))
    for _twice in range(2):  # the second time from the memo, when kept
        assert gate._shown_reasons(tuple(texts)) == expected
    kept = gate._SHOWN.get(tuple(texts))
    assert kept is None or kept == tuple(texts)  # only texts that redaction leaves as they are are kept


def test_a_secret_looking_reason_is_redacted_and_never_kept() -> None:
    texts = ("allowed", "T2: password=hunter2 was given")
    shown = gate._shown_reasons(texts)
    assert "hunter2" not in shown[1] and texts not in gate._SHOWN


def test_a_str_subclass_takes_the_long_way() -> None:
    class Loud(str):
        def __hash__(self) -> int:
            raise RuntimeError("never hashed")

    texts = (Loud("T0 within the guarded ceiling (observes only)"),)
    assert gate._shown_reasons(texts) == ("T0 within the guarded ceiling (observes only)",)


def test_the_reasons_memo_is_bounded() -> None:
    for index in range(gate._SHOWN_LIMIT * 2):
        gate._shown_reasons((f"reason {index}",))
    assert 0 < len(gate._SHOWN) <= gate._SHOWN_LIMIT


_OPTION_VALUE = st.one_of(
    st.sampled_from(["-o ProxyCommand=sh -c id", "ssh", "/usr/bin/python3", "~/.ansible/tmp", "root", "10.0.0.1"]),
    st.booleans(),
    st.integers(min_value=0, max_value=2),
    st.floats(min_value=0, max_value=2),
    st.none(),
    st.lists(st.just("x"), max_size=1),  # unhashable: checked afresh
)
_OPTION_NAMES = ["ssh_args", "ssh_executable", "host_key_checking", "remote_user", "remote_tmp", "ansible_python"]


@settings(max_examples=500, deadline=None)
@given(
    st.sampled_from(["ssh", "ansible.builtin.ssh", "local", "paramiko_ssh", "community.docker.docker"]),
    st.sampled_from(["linux", "talos"]),
    st.dictionaries(st.sampled_from([*_OPTION_NAMES, "host", "port", "become_exe"]), _OPTION_VALUE, max_size=6),
)
def test_connection_findings_from_the_memo_are_those_found_afresh(
    connection: str, host_type: str, options: Mapping[str, Any]
) -> None:
    expected = _connopts._connection_findings(connection, host_type, options)
    for _twice in range(2):
        assert _connopts.connection_findings(connection=connection, host_type=host_type, options=options) == expected


# ---------------------------------------------------------------------------------------------------------------
# The whole pipeline: the plain command lines the target is about, and the memo kept out of a secret's way
# ---------------------------------------------------------------------------------------------------------------


def test_plain_command_lines_decide_the_same_twice_and_recorded(tmp_path: Path) -> None:
    env = {"PRAXIS_STATE_DIR": str(tmp_path / "state"), "HOME": str(tmp_path), "PRAXIS_MODE": "guarded"}
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\ncommand_allowlist:\n  - uname -a\n")
    env["PRAXIS_POLICY"] = str(policy)
    gatekeeper = Gate.from_settings(load_settings(env, cwd=str(tmp_path), cfg=None), seams=())
    for line, verdict in [("uname -a", Verdict.ALLOWED), ("ls -l /var/log", Verdict.ALLOWED),
                          ("rm -rf /", Verdict.DENIED)]:  # fmt: skip
        request = TaskRequest(action="ansible.builtin.command", args={"_raw_params": line}, host="h1")
        first, second = gatekeeper.explain(request), gatekeeper.explain(request)
        recorded = gatekeeper.decide(request)
        assert (first.verdict, first.tier, first.reason, first.reasons) == (
            second.verdict, second.tier, second.reason, second.reasons
        ) == (recorded.verdict, recorded.tier, recorded.reason, recorded.reasons)  # fmt: skip
        assert first.verdict is verdict, first
