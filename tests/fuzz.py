# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A longer fuzz run of the properties in tests/properties.py: random (not derandomised) hypothesis rounds, shared
out over a time budget, until the budget is spent or a property fails.

    python -m tests.fuzz --seconds 600            # every property, about equal time each
    python -m tests.fuzz --seconds 120 --only redaction,deny
    nice python -m tests.fuzz --seconds 3600      # overnight-ish; prints each round

Exit status 1 and the shrunk counterexample when a property fails. A failure found here becomes a case in
tests/unit/test_properties.py (or a unit test beside the code) before it is fixed.
"""

from __future__ import annotations

import argparse
import string
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# imported for its effect: it makes ansible_collections.praxis.gatekeeper import from this checkout
from tests import conftest  # noqa: F401  # pylint: disable=unused-import
from tests import properties as props


def _targets(gates: props.Gates, signed: props.SignedToken, work: Path) -> dict[str, Callable[..., None]]:
    """name -> a hypothesis test function (settings applied per round)."""

    @given(props.module_requests())
    def classification(request: object) -> None:
        props.check_classification(request)  # type: ignore[arg-type]

    @given(props.unknown_actions, st.dictionaries(st.text(max_size=8), props.values, max_size=3))
    def unknown(action: str, args: dict[str, object]) -> None:
        props.check_unknown_module(action, args)

    @given(props.wrapped_payloads(), st.booleans(), st.sampled_from(["ansible.builtin.shell", "ansible.builtin.raw"]))
    def deny(command: str, check_mode: bool, module: str) -> None:
        props.check_deny_everywhere(gates, command, check_mode=check_mode, module=module)

    @given(props.redaction_cases(max_depth=8))
    def redaction(case: props.RedactionCase) -> None:
        props.check_redaction(case)

    @given(st.sampled_from(props.SPLIT_FLAGS), st.text(alphabet=string.ascii_letters + string.digits, min_size=8,
                                                       max_size=40), st.text(min_size=1, max_size=10))  # fmt: skip
    def split(flag: str, value: str, program: str) -> None:
        props.check_split_redaction(flag, value, program)

    @given(st.one_of(st.text(max_size=2000), st.from_regex(r"pxa1\.[A-Za-z0-9_\-.]{0,400}", fullmatch=True)))
    def token(text: str) -> None:
        props.check_token_parsing(text)

    @given(st.integers(0, 100_000), st.characters())
    def mutation(position: int, replacement: str) -> None:
        props.check_token_mutation(signed, position, replacement)

    @given(st.one_of(st.binary(max_size=2000), st.dictionaries(st.text(max_size=20), props.values, max_size=6)
                     .map(lambda d: yaml.safe_dump(d).encode())))  # fmt: skip
    def policy(raw: bytes) -> None:
        props.check_policy_parsing(raw, work)

    @given(st.one_of(st.text(alphabet="0123456789abcdefxX.", max_size=40), st.text(max_size=40)))
    def literal(text: str) -> None:
        props.check_literal_reader(text)

    @given(st.one_of(st.text(max_size=200), st.builds(lambda h: f"http://{h}/", st.text(max_size=60))))
    def url(text: str) -> None:
        props.check_judge_url(text)

    return {"classification": classification, "unknown": unknown, "deny": deny, "redaction": redaction,
            "split": split, "token": token, "mutation": mutation, "policy": policy, "literal": literal,
            "url": url}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="fuzz the gate's properties for a time budget")
    parser.add_argument("--seconds", type=float, default=300.0)
    parser.add_argument("--only", default="", help="comma-separated property names")
    parser.add_argument("--round", type=int, default=200, help="examples per round")
    args = parser.parse_args(argv)
    gates, signed = props.Gates(), props.SignedToken()
    with tempfile.TemporaryDirectory(prefix="praxis-fuzz-") as work:
        targets = _targets(gates, signed, Path(work))
        chosen = [name for name in targets if not args.only or name in args.only.split(",")]
        examples = dict.fromkeys(chosen, 0)
        ends = time.perf_counter() + args.seconds
        round_settings = settings(max_examples=args.round, deadline=None, derandomize=False, database=None,
                                  suppress_health_check=list(HealthCheck))  # fmt: skip
        runners = {name: round_settings(targets[name]) for name in chosen}
        try:
            while time.perf_counter() < ends:
                for name in chosen:
                    if time.perf_counter() >= ends:
                        break
                    try:
                        runners[name]()
                    except Exception:
                        traceback.print_exc()
                        print(f"FAILED: {name} after {examples[name]} examples", file=sys.stderr)
                        return 1
                    examples[name] += args.round
                print("examples so far: " + ", ".join(f"{k}={v}" for k, v in examples.items()), flush=True)
        finally:
            gates.close()
    print(f"no property failed in {args.seconds:g} s: " + ", ".join(f"{k}={v}" for k, v in examples.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
