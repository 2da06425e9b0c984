# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""`praxis-gate policy validate`: the gate's own loader, run before a policy file is deployed."""

from __future__ import annotations

from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import main as cli
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy.ruleset import RULESET_VERSION

EXIT_OK, EXIT_ERROR = 0, 2

VALID = "version: 1\ncommand_allowlist:\n  - uptime\ndeny:\n  - id: no-curl\n    pattern: 'curl\\s'\n"

# One file per way a policy can be wrong: each must be refused with the reason in the message.
INVALID = {
    "not-yaml": ("version: [1\n", "not valid YAML"),
    "unknown-key": ("version: 1\nallow_everything: true\n", "does not match the published schema"),
    "wrong-version": ("version: 2\n", "does not match the published schema"),
    "bad-tier": ("version: 1\nmodule_tiers:\n  x.y.z: T9\n", "does not match the published schema"),
    "bad-regex": ("version: 1\ndeny:\n  - id: broken\n    pattern: '('\n", "invalid pattern"),
    "not-a-mapping": ("- version: 1\n", "does not match the published schema"),
}


@pytest.fixture(autouse=True)
def _operator_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(home))
    for name in ("ANSIBLE_CONFIG", "PRAXIS_POLICY", "PRAXIS_MODE", "PRAXIS_STATE_DIR"):
        monkeypatch.delenv(name, raising=False)


def test_a_valid_policy_is_accepted_with_its_ruleset_label(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text(VALID)
    assert cli.main(["policy", "validate", str(policy)]) == EXIT_OK
    out = capsys.readouterr().out
    assert out.startswith(f"{policy}: valid ({RULESET_VERSION}/")


@pytest.mark.parametrize("case", sorted(INVALID))
def test_each_kind_of_invalid_policy_is_refused_with_its_reason(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text, reason = INVALID[case]
    policy = tmp_path / f"{case}.yml"
    policy.write_text(text)
    assert cli.main(["policy", "validate", str(policy)]) == EXIT_ERROR
    err = capsys.readouterr().err
    assert reason in err and str(policy) in err


def test_one_bad_file_among_several_fails_the_whole_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(VALID)
    bad.write_text(INVALID["unknown-key"][0])
    assert cli.main(["policy", "validate", str(good), str(bad)]) == EXIT_ERROR


def test_a_missing_file_is_an_error_not_an_empty_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["policy", "validate", str(tmp_path / "absent.yml")]) == EXIT_ERROR
    assert "cannot read the policy file" in capsys.readouterr().err
