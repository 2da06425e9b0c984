# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests (hypothesis) of classification, the deny list, redaction, token, policy-file and host-literal
parsing. The properties and strategies live in tests/properties.py; ``python -m tests.fuzz`` runs the same ones
for as long as it is given. The derandomised profile keeps CI runs reproducible; the fuzz script explores."""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import properties as props

COMMON = settings(max_examples=150, deadline=None, derandomize=True,
                  suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])  # fmt: skip


@pytest.fixture(scope="module")
def gates() -> Iterator[props.Gates]:
    made = props.Gates()
    yield made
    made.close()


@pytest.fixture(scope="module")
def signed() -> props.SignedToken:
    return props.SignedToken()


@COMMON
@given(props.module_requests())
def test_classification_never_raises_and_never_goes_below_the_base_tier(request: object) -> None:
    props.check_classification(request)  # type: ignore[arg-type]


@COMMON
@given(props.unknown_actions, st.dictionaries(st.text(max_size=8), props.values, max_size=3))
def test_an_unknown_module_is_at_least_t2(action: str, args: dict[str, object]) -> None:
    props.check_unknown_module(action, args)


@COMMON
@given(props.wrapped_payloads(), st.booleans(), st.sampled_from(["ansible.builtin.shell", "ansible.legacy.shell",
                                                                 "ansible.builtin.raw"]))  # fmt: skip
def test_a_deny_listed_payload_is_denied_in_every_mode_wherever_it_sits(
    gates: props.Gates, command: str, check_mode: bool, module: str
) -> None:
    props.check_deny_everywhere(gates, command, check_mode=check_mode, module=module)


@pytest.mark.parametrize("payload", props.DENY_PAYLOADS)
def test_each_deny_payload_alone_is_denied(gates: props.Gates, payload: str) -> None:
    """The generator's base cases, each on its own (so a failing property names a payload that works alone)."""
    props.check_deny_everywhere(gates, payload, check_mode=False, module="ansible.builtin.shell")


@COMMON
@given(props.redaction_cases())
def test_no_covered_secret_survives_redaction(case: props.RedactionCase) -> None:
    props.check_redaction(case)


@COMMON
@given(
    st.sampled_from(props.SPLIT_FLAGS),
    st.text(alphabet=string.ascii_letters + string.digits, min_size=8, max_size=24),
    st.sampled_from(["mysql", "curl", "sshpass", "vault"]),
)
def test_a_secret_split_across_arguments_does_not_survive(flag: str, value: str, program: str) -> None:
    props.check_split_redaction(flag, value, program)


@COMMON
@given(st.one_of(st.text(max_size=300), st.from_regex(r"pxa1\.[A-Za-z0-9_\-.]{0,200}", fullmatch=True)))
def test_token_parsing_never_raises_and_never_accepts_without_a_key(text: str) -> None:
    props.check_token_parsing(text)


@COMMON
@given(st.integers(0, 10_000), st.sampled_from(list(string.ascii_letters + string.digits + "-_.=+/ ")))
def test_a_mutated_token_does_not_verify(signed: props.SignedToken, position: int, replacement: str) -> None:
    props.check_token_mutation(signed, position, replacement)


@COMMON
@given(raw=st.one_of(
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
    st.dictionaries(st.sampled_from(["version", "deny", "module_tiers", "command_allowlist", "extra"]),
                    props.values, max_size=4).map(lambda d: __import__("yaml").safe_dump(d).encode()),
))  # fmt: skip
def test_policy_file_parsing_never_raises_and_never_accepts_what_the_schema_refuses(raw: bytes, tmp_path: Path) -> None:
    props.check_policy_parsing(raw, tmp_path)


@COMMON
@given(st.one_of(st.text(alphabet="0123456789abcdefxX.", max_size=24), st.text(max_size=24)))
def test_the_literal_reader_never_raises_and_agrees_with_inet_aton(text: str) -> None:
    props.check_literal_reader(text)


@COMMON
@given(st.one_of(st.text(max_size=80), st.builds(lambda h: f"http://{h}/", st.text(max_size=30))))
def test_url_judgement_never_raises(text: str) -> None:
    props.check_judge_url(text)


def test_the_ci_suite_runs_neither_the_fuzz_script_nor_mutation_testing() -> None:
    """The CI budget is 30 minutes: scripts/test runs pytest over tests/, whose collection takes test_*.py files only,
    so tests/fuzz.py (an open-ended search) and scripts/mutation (hours) must stay out of both; the properties above
    run a fixed, derandomised number of examples."""
    root = Path(__file__).resolve().parents[2]
    ci = (root / "scripts" / "test").read_text()
    assert "mutation" not in ci and "mutmut" not in ci and "fuzz" not in ci
    collected = [p for p in (root / "tests").rglob("*.py") if p.name.startswith("test_") or p.name.endswith("_test.py")]
    assert collected and not [p for p in collected if "fuzz" in p.name]
    for path in collected:
        if path == Path(__file__).resolve():
            continue  # this test names what it looks for
        text = path.read_text()
        assert "tests.fuzz" not in text and "from tests import fuzz" not in text, path
        assert "import mutmut" not in text and '"mutation"' not in text, path
    assert COMMON.max_examples <= 200 and COMMON.derandomize
