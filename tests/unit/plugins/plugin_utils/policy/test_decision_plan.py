# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The decision path's per-action plan and its exact memos decide what the full path decides (issue 22, item 2).

A plain command line's decision skips the steps that cannot act on it, worked out from the rule tables once per
action, and keeps the answers of pure functions for their exact inputs. Held here:

* the module deny step (``evaluate._plan``): for every action the tables know, an action without deny rules of its
  own finds nothing in a request that names no device option and whose option reading found no target path,
  whatever else the request holds (generated); positive controls where the step does apply and is not skipped;
* the state step (``evaluate._plan``): an action a built-in table knows and no collection table lists has no state
  tier without a ``state`` option, whatever else the request holds (generated); positive controls;
* the allowlist (``_commands._allowlist_table``, made once per policy): matches as the entries one by one do;
* the egress step (``_options.may_name_url``): a module whose option table has no URL kind has no option that reads
  as a URL, known or not; positive controls (get_url, uri, git) still have their URLs collected and refused;
* differential: every golden request and generated requests get the same evaluation and the same URLs with the plan
  as with every step run;
* the plain-line shortcut's builders (``_shell._results.plain_command``, ``one_command_analysis``): the dataclass
  constructors' instances, field for field, frozen;
* the memos: the reasons a decision shows (``gate._shown_reasons``) and the connection-surface findings are those
  the functions give afresh, for generated texts and surfaces, a secret-looking reason included (never kept).
"""

from __future__ import annotations

import dataclasses
import fnmatch
import string
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import egress_stage, gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import RequestKind, TaskRequest, Verdict
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import (
    _collections,
    _commands,
    _connopts,
    _modules,
    _options,
    _shell,
    evaluate,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._shell import _results
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.redact import redact_texts
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.golden_decisions import load_golden

BUILTIN = ruleset_mod.load_ruleset(None)
_EVERY_STEP = evaluate._Plan(module_rules=True, state_rules=True)


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


def _swept_args(action: str) -> Iterator[dict[str, Any]]:
    """Every option the action's table knows (and a few it does not), alone with each hostile value, and all at once."""
    names = _option_names(action)
    for name in names:
        for value in _VALUES:
            yield {name: value}
    for offset in range(len(_VALUES)):
        yield {name: _VALUES[(offset + index) % len(_VALUES)] for index, name in enumerate(names)}


def _module_deny_skipped(action: str, args: Mapping[str, Any]) -> bool:
    reading = evaluate._read_options(action, args)
    return not (evaluate._plan(action).module_rules or reading.remote_paths or not args.keys().isdisjoint(
        evaluate._DEVICE_KEYS
    ))  # fmt: skip


def test_an_action_without_rules_of_its_own_finds_nothing_without_devices_or_target_paths() -> None:
    """For every action the tables know, every option alone with every hostile value and all together: where the
    plan skips the module deny step, the step, run anyway, finds nothing."""
    skipped = 0
    for action in ACTIONS:
        for swept in _swept_args(action):
            args = {key: value for key, value in swept.items() if key not in evaluate._DEVICE_KEYS}
            if _module_deny_skipped(action, args):
                assert evaluate._module_deny(action, args, evaluate._read_options(action, args)) == [], (action, args)
                skipped += 1
    assert skipped > 10_000


@settings(max_examples=1500, deadline=None)
@given(st.sampled_from(ACTIONS).flatmap(lambda action: st.tuples(st.just(action), _args(action, device_keys=False))))
def test_generated_arguments_find_nothing_where_the_module_deny_step_is_skipped(case: tuple[str, Any]) -> None:
    action, args = case
    if _module_deny_skipped(action, args):
        assert evaluate._module_deny(action, args, evaluate._read_options(action, args)) == [], (action, args)


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
# The state step
# ---------------------------------------------------------------------------------------------------------------


def test_an_action_without_state_rules_has_no_state_tier_without_a_state_option() -> None:
    """For every action the tables know, every option alone with every hostile value and all together (every
    state-like option a collection module may have included), ``state`` left out: where the plan skips the state
    step, the step, run anyway, answers nothing."""
    skipped = 0
    for action in ACTIONS:
        if evaluate._plan(action).state_rules:
            continue
        for swept in _swept_args(action):
            args = {key: value for key, value in swept.items() if key != "state"}
            args |= {name: "absent" for name in _collections.STATE_OPTIONS if name != "state"}
            assert _modules.state_tier(action, args) is None, (action, args)
            skipped += 1
    assert skipped > 10_000


def test_the_plan_reads_the_state_of_every_action_a_collection_lists_or_no_table_knows() -> None:
    for action in ACTIONS:
        expected = action in _collections.MODULES or action not in _modules._BASE
        assert evaluate._plan(action).state_rules == expected, action


@pytest.mark.parametrize(
    ("action", "args"),
    [
        ("amazon.aws.ec2_instance", {"state": "terminated"}),  # a collection table's states
        ("community.general.unknown_module", {"action": "destroy"}),  # no table: destructive words
        ("community.general.unknown_module", {"state": "absent"}),
        ("ansible.builtin.file", {"path": "/srv/data", "state": "absent"}),  # a built-in table, with a state
        ("ansible.builtin.command", {"_raw_params": "true", "state": "absent"}),  # an option command does not have
    ],
)
def test_the_state_step_runs_where_it_can_find_something(action: str, args: dict[str, Any]) -> None:
    verdict = _modules.state_tier(action, args)
    assert verdict is not None and verdict[0] >= 2, verdict
    assert evaluate._plan(action).state_rules or "state" in args
    evaluation = evaluate.evaluate(TaskRequest(action=action, args=args, host="h1"), ruleset=BUILTIN)
    assert evaluation.tier >= verdict[0]
    assert any(verdict[1] in reason for reason in evaluation.reasons), evaluation.reasons


# ---------------------------------------------------------------------------------------------------------------
# The allowlist table
# ---------------------------------------------------------------------------------------------------------------


def _allowlisted_long_way(text: str, entries: Sequence[str]) -> bool:
    """``matches_allowlist``'s entry loop as it was before the table: one entry at a time."""
    words = _commands.posix_words(text)
    for entry in entries:
        patterns = _commands._allowlist_words(entry)
        if patterns is None or words is None or len(patterns) != len(words):
            continue
        if tuple(words) == patterns or (
            not _commands._GLOB_CHARS.isdisjoint(entry)
            and all(fnmatch.fnmatchcase(word, pattern) for word, pattern in zip(words, patterns, strict=True))
        ):
            return True
    return False


_WORDS = ["uname", "-a", "id", "-u", "df", "-h", "cat", "/proc/loadavg", "/var/log/*", "?", "[ab]", "'a b'", "x"]


@settings(max_examples=1500, deadline=None)
@given(
    st.lists(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=3).map(" ".join), max_size=5),
    st.lists(st.sampled_from([w for w in _WORDS if not set(w) & set("*?[]'")] + ["/var/log/app"]), min_size=1,
             max_size=3).map(" ".join),
)  # fmt: skip
def test_the_allowlist_table_matches_as_the_entries_one_by_one(entries: list[str], text: str) -> None:
    as_tuple = tuple(entries)
    analysis = _shell.analyze(text)
    expected = _allowlisted_long_way(text, entries)
    assert _commands.matches_allowlist(text, as_tuple, analysis=analysis) == expected  # the table, then kept
    assert _commands.matches_allowlist(text, as_tuple, analysis=analysis) == expected
    assert _commands.matches_allowlist(text, entries, analysis=analysis) == expected  # a list: read afresh


def test_a_list_of_entries_is_never_kept_and_a_changed_one_is_read_again() -> None:
    entries = ["uname -a"]
    assert _commands.matches_allowlist("uname -a", entries)
    entries[0] = "id -u"
    assert not _commands.matches_allowlist("uname -a", entries)
    assert _commands.matches_allowlist("id -u", entries)
    kept = ("df -h",)
    assert _commands.matches_allowlist("df -h", kept) and not _commands.matches_allowlist("df -h", ("df -H",))


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


# ---------------------------------------------------------------------------------------------------------------
# The plain-line shortcut's builders
# ---------------------------------------------------------------------------------------------------------------

_ARGV = st.lists(st.text(string.ascii_letters + "-./*?", min_size=1, max_size=6), min_size=1, max_size=5).map(tuple)


@settings(max_examples=500, deadline=None)
@given(_ARGV, st.text(max_size=8), st.one_of(st.none(), st.just("/srv/app")), st.booleans())
def test_the_plain_line_builders_are_the_constructors(
    argv: tuple[str, ...], name: str, cwd: str | None, dynamic: bool
) -> None:
    """Every field set, each to what the dataclass constructors give it; equal, hashed alike, and frozen."""
    built = _results.plain_command(argv, name, cwd, dynamic, (cwd,))
    made = _results.SimpleCommand(argv=argv, name=name, cwd=cwd, dynamic_name=dynamic,
                                  empty_forms=(None,) * len(argv), cwds=(cwd,))  # fmt: skip
    for field in dataclasses.fields(_results.SimpleCommand):
        assert getattr(built, field.name) == getattr(made, field.name), field.name
    assert built == made and hash(built) == hash(made)
    assert type(built) is _results.SimpleCommand  # pylint: disable=unidiomatic-typecheck  # exactly the class
    analysis = _results.one_command_analysis(built, " ".join(argv))
    expected = _results.ShellAnalysis(commands=(made,), pipelines=(), uncertain=False, text=" ".join(argv))
    for field in dataclasses.fields(_results.ShellAnalysis):
        assert getattr(analysis, field.name) == getattr(expected, field.name), field.name
    assert analysis == expected and hash(analysis) == hash(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.name = "rm"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        analysis.commands = ()  # type: ignore[misc]


def test_the_builders_know_every_field() -> None:
    assert tuple(f.name for f in dataclasses.fields(_results.SimpleCommand)) == _results._SIMPLE_FIELDS
    assert tuple(f.name for f in dataclasses.fields(_results.ShellAnalysis)) == _results._ANALYSIS_FIELDS
