# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`praxis-gate approvals` at the scale of a role (issue 16, item 4): what `show`, `approve` and `list` print and do
with a plan of many items, through the real entry point (``main``, in this process) against a real SQLite store in
a temporary state directory, with a real operator key made by `praxis-gate operator init`.

The plan is recorded the way the gate's approvals stage records one (approvals/stage.py ``_record_item``): one
request per gated task on one host, ``req-<run>.<hex>`` ids, the item payload the stage writes, the stage's own
diff bounding (``_bounded_diff``) for the bodies, and the queue's claim per binding. It holds a hardening role's
shapes: a loop over sysctl keys on two hosts whose items interleave as forks record them, a template with a diff
longer than the review limit, T1..T3, and a T3 reboot on two hosts.

Filters are checked against a selection the test computes on its own from the plan's table, for every filter value
the plan holds and every pair of filter kinds; the closed-pipe test runs the command as a separate process.
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import os
import re
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals import stage
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.operators import load_registry
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.queue import GRANTS, binding_of, claim
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.approvals.tokens import (
    MintedToken,
    plan_id,
    verify_token,
)
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import approvals as approvals_cli
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import main as cli_main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli._common import EXIT_ERROR
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import load_ruleset
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import ApprovalItem, open_store

from tests.operator_env import operator_environment

REPO_ROOT = Path(__file__).resolve().parents[5]
SYSCTL_KEYS = ("net.ipv4.ip_forward", "kernel.kptr_restrict", "fs.suid_dumpable")
KERNEL_TASK = "Harden kernel parameters by sysctl"  # " by " in a task name: it is a name, not a state's "by"
# about 12,000 characters: longer than the review limit (stage.DIFF_LIMIT)
SSHD_CONFIG = "".join(
    f"# hardening comment line {n:04d} explaining the option below in some detail\n" for n in range(160)
)


@dataclass(frozen=True)
class Spec:
    """One gated task on one host, as a --check run of a hardening role reaches it (play order)."""

    task: str
    action: str
    host: str
    tier: str
    args: dict[str, Any]
    diff: Any = None
    for_real: bool = False
    line: int = 0


def _sysctl(host: str, key: str) -> Spec:
    diff = {"before": f"{key} = 1\n", "after": f"{key} = 0\n", "before_header": "/etc/sysctl.d/99-hardening.conf",
            "after_header": "/etc/sysctl.d/99-hardening.conf"}  # fmt: skip
    return Spec(KERNEL_TASK, "ansible.posix.sysctl", host, "T2", {"name": key, "value": "0"}, diff, line=12)


def _template(host: str) -> Spec:
    diff = {"before": SSHD_CONFIG + "PermitRootLogin yes\n", "after": "PermitRootLogin no\n" + SSHD_CONFIG,
            "before_header": "/etc/ssh/sshd_config", "after_header": "/etc/ssh/sshd_config"}  # fmt: skip
    return Spec("Install sshd_config", "ansible.builtin.template", host, "T2",
                {"src": "sshd_config.j2", "dest": "/etc/ssh/sshd_config", "mode": "0600"}, diff, line=20)  # fmt: skip


# Play order. The loop's items interleave across hosts, as two forks record them.
PLAN: tuple[Spec, ...] = (
    *(_sysctl(host, key) for key in SYSCTL_KEYS for host in ("web1", "web2")),
    *(_template(host) for host in ("web1", "web2", "db1")),
    Spec(
        "Write the login banner",
        "ansible.builtin.copy",
        "db1",
        "T1",
        {"dest": "/etc/issue.net", "content": "x"},
        {
            "before": "Debian\n",
            "after": "Authorised use only\n",
            "before_header": "/etc/issue.net",
            "after_header": "/etc/issue.net",
        },
        line=30,
    ),
    Spec(
        "Restart sshd",
        "ansible.builtin.service",
        "db1",
        "T2",
        {"name": "ssh", "state": "restarted"},
        for_real=True,
        line=35,
    ),
    *(
        Spec(
            "Reboot after the kernel update",
            "ansible.builtin.reboot",
            host,
            "T3",
            {"reboot_timeout": 600},
            for_real=True,
            line=40,
        )
        for host in ("web1", "db1")
    ),
)
TASKS = tuple(dict.fromkeys(s.task for s in PLAN))
HOSTS = tuple(dict.fromkeys(s.host for s in PLAN))
MODULES = tuple(dict.fromkeys(s.action for s in PLAN))
TIERS = tuple(dict.fromkeys(s.tier for s in PLAN))


@dataclass(frozen=True)
class Recorded:
    spec: Spec
    item_id: str
    request_id: str


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> dict[str, str]:
    """An operator's environment: a private state directory, and operator alice's key (made by `operator init`)."""
    values = operator_environment(tmp_path, monkeypatch, state=tmp_path / "state", mode="open",
                                  principal="deploy@controller")  # fmt: skip
    code, _unused, err = _cli(capsys, "operator", "init", "--name", "alice", "--no-passphrase")
    assert code == 0, err
    return values


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _record(specs: tuple[Spec, ...], *, expires_in: timedelta = timedelta(hours=24)) -> tuple[str, list[Recorded]]:
    """Record ``specs`` as one run's plan, the way the approvals stage records each gated task."""
    settings = load_settings()
    ruleset = load_ruleset(settings.policy_path).digest
    run_id = uuid.uuid4().hex
    plan = plan_id(run_id)
    recorded: list[Recorded] = []
    with open_store(settings) as store:
        for spec in specs:
            request_id = f"{plan}.{uuid.uuid4().hex[:10]}"
            item_id = f"item-{uuid.uuid4().hex[:20]}"
            payload: dict[str, Any] = {
                "task": spec.task, "args": spec.args, "reasons": [f"{spec.action} changes state"],
                "decision_id": uuid.uuid4().hex, "dry_run": spec.diff is not None, "become": True,
                "become_user": None, "address": f"{spec.host}.example.test", "batch_size": 1,
                "task_path": f"roles/hardening/tasks/main.yml:{spec.line}",
            }  # fmt: skip
            if spec.diff is not None:
                payload["dry_run_status"] = "changed"
            if spec.for_real:
                payload["executes_for_real"] = True
            item = ApprovalItem(item_id, request_id, spec.action, spec.host, spec.tier, uuid.uuid4().hex * 2, payload)
            request = store.add_approval_request(
                request_id=request_id, requester="deploy@controller", session="", run_id=run_id,
                ruleset_digest=ruleset, expires_at=datetime.now(UTC).replace(microsecond=0) + expires_in,
                payload={"plan": plan, "check_run": True, "mode": "open"}, items=[item],
                bodies={item_id: {"diff": stage._bounded_diff(spec.diff)}} if spec.diff is not None else None,
            )  # fmt: skip
            claim(store, binding_of(request, item), item=item_id, request=request_id, plan=plan, actor="deploy")
            recorded.append(Recorded(spec, item_id, request_id))
    return plan, recorded


@pytest.fixture
def plan(env: dict[str, str]) -> tuple[str, list[Recorded]]:
    return _record(PLAN)


def _ids(text: str) -> list[str]:
    return re.findall(r"\bitem-[0-9a-f]{20}\b", text)


def _show_json(capsys: pytest.CaptureFixture[str], request: str, *filters: str) -> dict[str, Any]:
    code, out, err = _cli(capsys, "approvals", "show", request, "--json", *filters)
    assert code == 0, err
    shown: dict[str, Any] = json.loads(out)
    return shown


# ---------------------------------------------------------------------------------------------------------- show
def _summary_counts(out: str) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for line in out.splitlines():
        found = re.fullmatch(r"  by (\w+): (.*)", line)
        if found:
            pairs = [entry.rsplit(" ", 1) for entry in found.group(2).split(", ")]
            counts[found.group(1)] = {name: int(count) for name, count in pairs}
    return counts


def test_show_prints_the_summary_first_and_it_counts_right(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    code, out, err = _cli(capsys, "approvals", "show", request)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith(f"request {request}: {len(PLAN)} item(s), asked by deploy@controller"), lines[0]
    assert "[from a --check run]" in lines[0]
    summary_at = lines.index(f"summary ({len(PLAN)} item(s)):")
    first_item = next(n for n, line in enumerate(lines) if _ids(line))
    assert summary_at < first_item, out
    expected = {
        "tier": Counter(s.tier for s in PLAN), "module": Counter(s.action for s in PLAN),
        "task": Counter(s.task for s in PLAN), "host": Counter(s.host for s in PLAN),
        "state": Counter({"pending": len(PLAN)}),
    }  # fmt: skip
    assert _summary_counts("\n".join(lines[summary_at:first_item])) == expected, out
    # every item is shown once, after the summary
    assert sorted(_ids(out)) == sorted(r.item_id for r in recorded)


def test_show_keeps_play_order_and_groups_loop_items_under_their_task(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    code, out, err = _cli(capsys, "approvals", "show", request)
    assert code == 0, err
    item_lines = [line for line in out.splitlines() if _ids(line)]
    shown = [_ids(line)[0] for line in item_lines]
    by_id = {r.item_id: r for r in recorded}
    # tasks appear in play order, each task's items together
    assert list(dict.fromkeys(by_id[i].spec.task for i in shown)) == list(TASKS), shown
    assert [by_id[i].spec.task for i in shown] == sorted((by_id[i].spec.task for i in shown), key=TASKS.index)
    # a task's items on one host form one group: the first under a header, the others as its loop items
    groups: dict[tuple[str, str], list[str]] = {}
    for r in recorded:
        groups.setdefault((r.spec.task, r.spec.host), []).append(r.item_id)
    for (task, host), members in groups.items():
        at = shown.index(members[0])
        assert shown[at : at + len(members)] == members, (task, host, shown)  # together, in recorded order
        assert members[0] in item_lines[at] and item_lines[at].endswith(f" on {host}"), item_lines[at]
        assert "(loop item of the task above)" not in item_lines[at], item_lines[at]
        for follower in item_lines[at + 1 : at + len(members)]:
            assert follower.endswith("(loop item of the task above)"), (task, host, follower)
    # the loop really was recorded interleaved (web1, web2, web1, ...): the grouping above is not the store's order
    assert [r.spec.host for r in recorded[:4]] == ["web1", "web2", "web1", "web2"]
    # JSON keeps the same order
    assert [i["item"] for i in _show_json(capsys, request)["items"]] == shown


def _diff_block(out: str, item_id: str) -> list[str]:
    """The lines an item shows after its own line, up to the next item."""
    lines = out.splitlines()
    start = next(n for n, line in enumerate(lines) if item_id in line)
    end = next((n for n in range(start + 1, len(lines)) if _ids(lines[n])), len(lines))
    return [line.strip() for line in lines[start + 1 : end] if line.strip()]


def test_show_renders_unified_diffs_and_marks_the_shortened_ones(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    code, out, err = _cli(capsys, "approvals", "show", request)
    assert code == 0, err
    marker = f"[this diff was shortened for review; the store keeps at most {stage.DIFF_LIMIT} characters of it]"
    for r in recorded:
        block = _diff_block(out, r.item_id)
        if r.spec.action == "ansible.builtin.template":
            assert "--- before: /etc/ssh/sshd_config" in block and "+++ after: /etc/ssh/sshd_config" in block, block
            assert "+PermitRootLogin no" in block and any(line.startswith("@@ ") for line in block), block
            assert block[-1] == marker, block
        elif r.spec.diff is not None:  # the positive control: a short diff, complete and unmarked
            header = r.spec.diff["before_header"]
            assert f"--- before: {header}" in block and f"+++ after: {header}" in block, block
            assert f"-{r.spec.diff['before'].strip()}" in block and f"+{r.spec.diff['after'].strip()}" in block
            assert marker not in block, block
        else:
            assert "diff:" not in block and "executes for real (not run by the --check run)" in block, block


def _selected(filters: dict[str, list[str]]) -> set[int]:
    """The plan rows a filter set selects, computed from the table (not by the command's matcher)."""

    def module_matches(action: str, wanted: str) -> bool:
        return action == wanted or action.rsplit(".", 1)[-1] == wanted or fnmatch.fnmatchcase(action, wanted)

    return {
        n
        for n, spec in enumerate(PLAN)
        if (not filters.get("tier") or spec.tier in {t.upper() for t in filters["tier"]})
        and (not filters.get("module") or any(module_matches(spec.action, m) for m in filters["module"]))
        and (not filters.get("task") or any(t in spec.task for t in filters["task"]))
        and (not filters.get("host") or spec.host in filters["host"])
    }


def _filter_cases() -> list[dict[str, list[str]]]:
    """Every filter value the plan holds (modules by FQCN, short name and glob; tasks by name and by a word of it;
    tiers in either case), every pair of filter kinds, and a repeated filter (either value)."""
    values: dict[str, list[str]] = {
        "tier": [*TIERS, "t2"],
        "module": [*MODULES, *(m.rsplit(".", 1)[-1] for m in MODULES), "ansible.posix.*"],
        "task": [*TASKS, "sysctl", "sshd"],
        "host": list(HOSTS),
    }
    cases: list[dict[str, list[str]]] = [{}]
    cases += [{kind: [value]} for kind, options in values.items() for value in options]
    for first, second in itertools.combinations(values, 2):
        cases += [{first: [a], second: [b]} for a in values[first] for b in values[second]]
    cases += [{kind: list(options[:2])} for kind, options in values.items()]
    return cases


def _argv(filters: dict[str, list[str]], *, host_flag: str = "--host") -> list[str]:
    return [arg for kind, chosen in filters.items() for value in chosen
            for arg in ((host_flag if kind == "host" else f"--{kind}"), value)]  # fmt: skip


def test_show_filters_select_exactly_the_matching_items(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    cases = _filter_cases()
    wrong: list[str] = []
    sizes = Counter()
    for filters in cases:
        expected = {recorded[n].item_id for n in _selected(filters)}
        sizes["empty" if not expected else "all" if len(expected) == len(PLAN) else "some"] += 1
        shown = {i["item"] for i in _show_json(capsys, request, *_argv(filters))["items"]}
        code, out, err = _cli(capsys, "approvals", "show", request, *_argv(filters))
        text = set(_ids(out))
        if shown != expected or text != expected or code != 0:
            wrong.append(f"{filters}: expected {len(expected)}, json {len(shown)}, text {len(text)} ({err})")
        elif (
            filters
            and expected != {r.item_id for r in recorded}
            and (f"summary ({len(expected)} item(s) matching the filters):" not in out)
        ):
            wrong.append(f"{filters}: the summary does not say it counts the filtered items")
    assert not wrong, "\n".join(wrong)
    assert len(cases) > 150 and sizes["some"] > 50 and sizes["empty"] > 10 and sizes["all"] >= 1, sizes


# ------------------------------------------------------------------------------------------------------- approve
def _grants(request: str) -> list[dict[str, Any]]:
    with open_store(load_settings()) as store:
        return [dict(f.content) for f in store.history(request, *GRANTS) if isinstance(f.content, dict)]


def _verified_items(token: str) -> set[str]:
    settings = load_settings()
    verified = verify_token(token, approvers=load_registry(settings.approvers_path, settings.approver_keys),
                            now=datetime.now(UTC), max_ttl=settings.approval_max_ttl)  # fmt: skip
    return {item.item_id for item in verified.items}


def test_approve_with_filters_signs_exactly_the_matching_items(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    wrong: list[str] = []
    signed = refused = 0
    for filters in _filter_cases():
        if len(filters.get("host", [])) > 1:
            continue  # approve takes one --host
        chosen = [recorded[n] for n in sorted(_selected(filters))]
        t3_hosts = sorted({r.spec.host for r in chosen if r.spec.tier == "T3"})
        confirm = ["--confirm-host", t3_hosts[0]] if len(t3_hosts) == 1 else []
        before = len(_grants(request))
        code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice",
                              *_argv(filters), *confirm)  # fmt: skip
        if not chosen or len(t3_hosts) > 1:
            refused += 1
            reason = "T3 items on several hosts" if chosen else "no pending item"
            if code != 2 or out or reason not in err or len(_grants(request)) != before:
                wrong.append(f"{filters}: expected a refusal ({reason}), got {code} {out[:40]!r} {err!r}")
            continue
        signed += 1
        expected = {r.item_id for r in chosen}
        grants = _grants(request)
        if code != 0 or _verified_items(out.strip()) != expected or set(grants[-1]["items"]) != expected:
            wrong.append(f"{filters}: signed {code} {err!r}, expected {len(expected)} items")
            continue
        listed = [line for line in err.splitlines() if line.startswith("  item-")]
        if (
            err.splitlines()[0] != f"signing {len(expected)} item(s) of {request}:"
            or {_ids(line)[0] for line in listed} != expected
        ):
            wrong.append(f"{filters}: the listing before signing does not name what was signed: {err!r}")
    assert not wrong, "\n".join(wrong)
    assert signed > 40 and refused > 10, (signed, refused)


def test_approve_lists_what_it_signs_before_it_signs(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    request, recorded = plan
    seen_before_signing: list[str] = []
    real_sign = approvals_cli.sign_tokens

    def watching(**kwargs: Any) -> tuple[MintedToken, ...]:
        seen_before_signing.append(capsys.readouterr().err)
        return real_sign(**kwargs)

    monkeypatch.setattr(approvals_cli, "sign_tokens", watching)
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--module", "sysctl",
                          "--host", "web2")  # fmt: skip
    assert code == 0, err
    expected = [r for r in recorded if r.spec.action == "ansible.posix.sysctl" and r.spec.host == "web2"]
    (before,) = seen_before_signing
    assert before.splitlines() == [
        f"signing 3 item(s) of {request}:",
        *(f"  {r.item_id}  T2  ansible.posix.sysctl on web2: {KERNEL_TASK}" for r in expected),
    ], before
    assert _verified_items(out.strip()) == {r.item_id for r in expected}
    assert "approved 3 item(s)" in err and "Token (" in err and out.strip() not in err


def test_token_file_is_owner_only_and_the_token_stays_off_stdout(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    request, recorded = plan
    token_file = tmp_path / "approval.token"
    old = os.umask(0)  # whatever the umask: the file is created 0600
    try:
        code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--tier", "T2",
                              "--token-file", str(token_file))  # fmt: skip
    finally:
        os.umask(old)
    assert code == 0, err
    assert out == "" and (token_file.stat().st_mode & 0o777) == 0o600
    token = token_file.read_text().strip()
    assert token.startswith("pxa1.") and token not in err and f"PRAXIS_APPROVAL_FILE={token_file}" in err, err
    assert _verified_items(token) == {r.item_id for r in recorded if r.spec.tier == "T2"}
    # positive control: without --token-file the token is what standard output carries
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--tier", "T1")
    assert code == 0 and out.startswith("pxa1.") and len(out.strip().splitlines()) == 1, err


# A fleet's plan: 20 tasks on 60 hosts, more items than one token may carry (approvals/tokens.py sign_tokens).
FLEET_TASKS = 20
FLEET_HOSTS = 60


def _fleet_plan() -> tuple[Spec, ...]:
    return tuple(
        Spec(
            f"touch marker {n:02d}",
            "ansible.builtin.command",
            f"host{h:03d}.fleet.example.test",
            "T2",
            {"_raw_params": f"touch /srv/markers/{n:02d}"},
            for_real=True,
            line=n,
        )
        for n in range(FLEET_TASKS)
        for h in range(FLEET_HOSTS)
    )


@pytest.mark.parametrize("to_file", [False, True])
def test_a_fleet_plan_is_approved_as_several_tokens_that_a_run_reads_and_accepts(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], tmp_path: Path, to_file: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """One approval of 1,200 items: the tokens, one per line (standard output or the token file), each verifies,
    together they carry every item once; the run's own reader (PRAXIS_APPROVAL_FILE) takes them all; the grants
    recorded name every item. Before, one token carried them all and no run accepted it."""
    request, recorded = _record(_fleet_plan())
    token_file = tmp_path / "fleet.tokens"
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice",
                          *(["--token-file", str(token_file)] if to_file else []))  # fmt: skip
    assert code == 0, err
    text = token_file.read_text() if to_file else out
    assert (out == "") is to_file
    tokens = text.splitlines()
    assert len(tokens) > 1 and all(token.startswith("pxa1.") for token in tokens), text[:200]
    assert f"in {len(tokens)} tokens (present them all)" in err, err
    carried = [item for token in tokens for item in sorted(_verified_items(token))]
    assert sorted(carried) == sorted(r.item_id for r in recorded)  # every item, each once
    granted = {item for grant in _grants(request) for item in grant["items"]}
    assert granted == {r.item_id for r in recorded}
    if not to_file:
        token_file.write_text(text)
    monkeypatch.setenv("PRAXIS_APPROVAL_FILE", str(token_file))
    assert load_settings().approval_tokens == tuple(tokens)


def test_an_approval_larger_than_a_run_reads_is_refused_and_signs_nothing(
    env: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Tokens a run could not read (more than PRAXIS_APPROVAL_FILE's bound) are not minted: the operator is told to
    approve in parts. The bound is lowered here below what a 1,200-item plan needs (about 240 KB)."""
    request, _unused = _record(_fleet_plan())
    monkeypatch.setattr(approvals_cli, "MAX_APPROVAL_FILE", 100_000)
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice")
    assert code == 2 and out == "", err
    assert "more than a run reads (100000 bytes); nothing was approved" in err and "--host or --task" in err, err
    assert _grants(request) == []
    # positive control: the same plan in parts fits
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--task", "touch marker 00")
    assert code == 0 and len(out.splitlines()) >= 1, err


def test_an_existing_token_file_is_refused_before_anything_is_signed(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A refused token file must not leave a recorded grant nobody holds, nor purge the diffs the operator still
    needs to review before approving again."""
    request, _unused = plan
    token_file = tmp_path / "taken"
    token_file.write_text("someone else's file\n")
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--module", "template",
                          "--token-file", str(token_file))  # fmt: skip
    assert code == 2 and out == "" and f"cannot create the token file {token_file}" in err, err
    assert "nothing was approved" in err and "name a new file" in err, err
    assert token_file.read_text() == "someone else's file\n"
    assert _grants(request) == []
    states = {i["item"]: i["state"] for i in _show_json(capsys, request)["items"]}
    assert set(states.values()) == {"pending"}, states
    code, out, err = _cli(capsys, "approvals", "show", request, "--module", "template")
    assert code == 0 and "purged" not in out and "+PermitRootLogin no" in out, out


def test_approve_refusals_say_what_was_refused_and_sign_nothing(
    plan: tuple[str, list[Recorded]], capsys: pytest.CaptureFixture[str]
) -> None:
    request, recorded = plan
    cases: list[tuple[list[str], list[str]]] = [
        (["req-0000000000000000"], ["no approval request req-0000000000000000", "approvals list"]),
        ([request, "--module", "apt"], ["no pending item", "--module apt", f"approvals show {request}"]),
        ([request, "--task", "Reboot", "--host", "web2"], ["no pending item", "--task Reboot", "--host web2"]),
        ([request, "--tier", "T3"], ["T3 items on several hosts (db1, web1)", "add --host HOST"]),
        ([request, "--tier", "T3", "--host", "db1", "--confirm-host", "web1"],
         ["the typed host name does not match db1; nothing approved"]),
        ([request, "--tier", "T3", "--host", "db1", "--confirm-host", "db1.example.test"],
         ["the typed host name does not match db1; nothing approved"]),
    ]  # fmt: skip
    for argv, messages in cases:
        code, out, err = _cli(capsys, "approvals", "approve", *argv, "--as", "alice")
        assert code == 2 and out == "", (argv, code, out, err)
        assert err.startswith("praxis-gate: error: "), (argv, err)
        for message in messages:
            assert message in err, (argv, message, err)
        assert "Traceback" not in err
    assert _grants(request) == []
    # positive control: the T3 item on db1, confirmed with its name, signs exactly that item
    code, out, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--tier", "T3", "--host", "db1",
                          "--confirm-host", "db1")  # fmt: skip
    assert code == 0, err
    reboot_db1 = [r.item_id for r in recorded if r.spec.tier == "T3" and r.spec.host == "db1"]
    assert _verified_items(out.strip()) == set(reboot_db1) and _grants(request)[-1]["items"] == reboot_db1


# ---------------------------------------------------------------------------------------------------------- list
def _consume(items: list[Recorded]) -> None:
    with open_store(load_settings()) as store:
        for r in items:
            assert store.consume(r.item_id, consumer=f"decision-{r.item_id}", context={"run_id": "real-run"})


def _wait_until(moment: datetime) -> None:
    while datetime.now(UTC) <= moment:
        time.sleep(0.05)


def test_list_shows_each_request_state_with_approver_and_expiry(
    env: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    small = (PLAN[0], PLAN[1])
    pending, _unused = _record(small)
    approved, _unused = _record(small)
    used, used_items = _record(small)
    denied, _unused = _record(small)
    expired, expired_items = _record(small, expires_in=timedelta(seconds=2))
    for request in (approved, used):
        code, _unused, err = _cli(capsys, "approvals", "approve", request, "--as", "alice", "--ttl", "600")
        assert code == 0, err
    _consume(used_items)
    code, _unused, err = _cli(capsys, "approvals", "deny", denied, "--reason", "not during the freeze", "--as", "bob")
    assert code == 0, err
    with open_store(load_settings()) as store:
        expires_at = store.approval_request(expired_items[0].request_id).expires_at  # type: ignore[union-attr]
    _wait_until(expires_at)

    code, out, err = _cli(capsys, "approvals", "list", "--all", "--json")
    assert code == 0, err
    rows = {row["request"]: row for row in json.loads(out)}
    assert {name: rows[name]["states"] for name in (pending, approved, used, denied, expired)} == {
        pending: {"pending": 2}, approved: {"approved": 2}, used: {"used": 2}, denied: {"denied": 2},
        expired: {"expired": 2},
    }  # fmt: skip
    assert rows[pending]["status"] == "pending" and rows[approved]["status"] == "approved"
    assert rows[denied]["status"] == "denied"
    assert rows[approved]["approvers"] == ["alice"] and rows[used]["approvers"] == ["alice"]
    assert rows[pending]["approvers"] == [] and rows[pending]["approval_expires"] is None
    granted_until = datetime.fromisoformat(rows[approved]["approval_expires"])
    assert timedelta(seconds=590) <= granted_until - datetime.now(UTC) <= timedelta(seconds=601)
    assert rows[expired]["expires"] == expires_at.isoformat(timespec="seconds")

    code, out, err = _cli(capsys, "approvals", "list", "--all")
    assert code == 0, err
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert re.search(r"\bpending\b.*\b2 pending\b.*reviewable until \S+$", lines[pending]), lines[pending]
    assert re.search(r"\b2 approved\b.*approved by alice until \S+$", lines[approved]), lines[approved]
    assert re.search(r"\b2 used\b.*approved by alice until \S+$", lines[used]), lines[used]
    assert re.search(r"\bdenied\b.*\b2 denied\b", lines[denied]), lines[denied]
    assert (
        "2 expired" in lines[expired]
        and f"reviewable until {expires_at.isoformat(timespec='seconds')}" in (lines[expired])
    )
    # by default: only what an operator can still act on (pending, and approved but unused)
    code, out, _unused = _cli(capsys, "approvals", "list")
    assert {line.split()[0] for line in out.splitlines()} == {pending, approved}, out
    # each item's own state says who approved it and until when, and that it is unused
    states = {i["state"] for i in _show_json(capsys, approved)["items"]}
    assert len(states) == 1 and re.fullmatch(r"approved by alice, unused, valid until \S+", states.pop())


# ---------------------------------------------------------------------------------------------------- closed pipe
_ENTRY = "import sys; from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main; " + (
    "sys.exit(main())"
)


def _process_env(buffered: bool) -> dict[str, str]:
    """This checkout on the path; ``buffered``: standard output block-buffered, as on an operator's machine (this
    environment sets PYTHONUNBUFFERED, which hides what a buffered flush at exit does)."""
    assert Path(cli_main.__file__).resolve() == REPO_ROOT / "plugins/plugin_utils/cli/main.py"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED" or not buffered}
    if not buffered:
        env["PYTHONUNBUFFERED"] = "1"
    env["PYTHONPATH"] = str(Path(cli_main.__file__).parents[6])
    return env


def _cli_process(argv: list[str], *, buffered: bool, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    """`praxis-gate ARGV` as its own process, from this checkout (the console script's body: sys.exit(main()))."""
    return subprocess.run([sys.executable, "-c", _ENTRY, *argv], env=_process_env(buffered), text=True,
                          timeout=120, check=False, **kwargs)  # fmt: skip


@pytest.mark.parametrize("buffered", [True, False], ids=["buffered", "unbuffered"])
@pytest.mark.parametrize("command", [["list", "--all"], ["show", "{request}"], ["show", "{request}", "--json"]])
def test_output_to_a_closed_pipe_ends_quietly(
    plan: tuple[str, list[Recorded]], command: list[str], buffered: bool
) -> None:
    """No traceback and no "Exception ignored": the documented error exit code (cli/main.py), or 0 when the reader
    took everything before it left."""
    request, _unused = plan
    argv = ["approvals", *(part.format(request=request) for part in command)]
    # positive control: the whole output, when someone reads it
    whole = _cli_process(argv, buffered=buffered, capture_output=True)
    assert whole.returncode == 0 and len(whole.stdout) > 100 and whole.stderr == "", whole.stderr
    # a reader that has gone before anything is written (deterministic)
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        gone = _cli_process(argv, buffered=buffered, stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert gone.stderr == "" and gone.returncode == EXIT_ERROR, (gone.returncode, gone.stderr)
    # and a real `| head -c 1`, with the praxis-gate process's own exit status taken from the pipeline
    piped = subprocess.run(
        ["bash", "-c", '"$1" -c "$2" "${@:3}" | head -c 1; echo " ${PIPESTATUS[0]}"', "bash", sys.executable, _ENTRY,
         *argv],
        env=_process_env(buffered), capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert piped.stderr == "" and piped.stdout in (f"{whole.stdout[0]} 0\n", f"{whole.stdout[0]} {EXIT_ERROR}\n"), (
        piped.stdout,
        piped.stderr,
    )
