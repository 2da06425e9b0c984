# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The published schema describes every request this code writes, in every state, whatever diff it summarises;
the JSON form round-trips; `praxis-gate schema convergence-request` prints the one published copy."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonschema
import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli.main import main
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import IntegrityError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift import diffs
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.model import (
    SCHEMA_PATH,
    STATES,
    Baseline,
    ConvergenceRequest,
    convergence_schema,
    new_request_id,
    parse_duration,
)
from hypothesis import given, settings
from hypothesis import strategies as st

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
VALIDATOR = jsonschema.Draft202012Validator(convergence_schema(), format_checker=jsonschema.FormatChecker())


def request(**overrides: Any) -> ConvergenceRequest:
    fields: dict[str, Any] = {
        "id": new_request_id(), "host": "web1", "task_path": "site.yml:12", "task_name": "sshd port",
        "action": "ansible.builtin.lineinfile", "tier": "T1", "diff_digest": "a" * 64,
        "summary": tuple(diffs.summarise([{"before": "Port 2222\n", "after": "Port 22\n", "before_header": "/etc/s"}])),
        "baseline": Baseline("site.yml", *("b" * 64, "c" * 64, "d" * 64, "e" * 64), None, "/srv/site.yml", ("/i",), 3),
        "scan": "scan-x", "observed_at": NOW, "first_observed_at": NOW - timedelta(days=1),
        "expires_at": NOW + timedelta(days=7),
    }  # fmt: skip
    fields.update(overrides)
    return ConvergenceRequest(**fields)


@pytest.mark.parametrize("state", STATES)
def test_every_state_validates_and_round_trips(state: str) -> None:
    extra: dict[str, Any] = {}
    if state == "superseded":
        extra["superseded_by"] = new_request_id()
    if state in ("approval-requested", "applied"):
        extra["approval_request"] = "req-0123456789abcdef"
    if state == "applied":
        extra["outcome"] = {"at": "2026-12-01T12:00:00+00:00", "run_id": "r", "status": "changed", "decisions": ["d"],
                            "approval_items": ["item-1"], "approval_refs": ["f" * 64], "summary": []}  # fmt: skip
    value = request().moved(state, reason="because", **extra)
    data = value.as_dict()
    VALIDATOR.validate(data)
    assert ConvergenceRequest.from_dict(json.loads(json.dumps(data))).as_dict() == data


def test_the_lifecycle_helpers() -> None:
    value = request(expires_at=NOW)
    assert value.is_open and value.expired_at(NOW) and value.effective_state(NOW) == "expired"
    assert value.effective_state(NOW - timedelta(seconds=1)) == "proposed"
    closed = value.moved("gone", reason="fixed")
    assert not closed.expired_at(NOW + timedelta(days=30)) and closed.effective_state(NOW) == "gone"
    with pytest.raises(ValueError, match="not a convergence request state"):
        value.moved("deleted", reason="no")
    with pytest.raises(IntegrityError, match="malformed"):
        ConvergenceRequest.from_dict({"id": "cr-x"})


@given(
    st.lists(
        st.one_of(
            st.fixed_dictionaries({"before": st.text(max_size=200), "after": st.text(max_size=200)},
                                  optional={"before_header": st.text(max_size=300)}),
            st.fixed_dictionaries({"before": st.dictionaries(st.sampled_from(["path", "mode", "state", "owner"]),
                                                             st.text(max_size=90), min_size=1),
                                   "after": st.dictionaries(st.sampled_from(["path", "mode", "state", "owner"]),
                                                            st.text(max_size=90), min_size=1)}),
            st.text(max_size=300),
        ),
        max_size=30,
    )
)  # fmt: skip
@settings(max_examples=150, deadline=None)
def test_any_diff_summarises_into_the_published_shape(diff: list[Any]) -> None:
    VALIDATOR.validate(request(summary=tuple(diffs.summarise(diff))).as_dict())


def test_durations() -> None:
    assert parse_duration("7d") == timedelta(days=7) and parse_duration("90") == timedelta(seconds=90)
    assert parse_duration(" 12H ") == timedelta(hours=12) and parse_duration("30m") == timedelta(minutes=30)
    for bad in ("0s", "", "1w", "-5m", "367d", "1.5h"):
        with pytest.raises(ValueError, match="not a duration"):
            parse_duration(bad)


def test_praxis_gate_prints_the_published_schema(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["schema", "convergence-request"]) == 0
    assert json.loads(capsys.readouterr().out) == json.loads(SCHEMA_PATH.read_text())
    jsonschema.Draft202012Validator.check_schema(convergence_schema())
