# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ruleset cache (policy/ruleset.py): a run with an existing state directory takes the built-in fingerprint and
the validated policy from it, and any change to what they were derived from misses it.

Why these tests: the cache must never make a run use rules other than the ones on disk. Each test compares a
cached load with an uncached one (the derivation from scratch), so a stale or wrong entry cannot pass.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.errors import PolicyFileError
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import ruleset as ruleset_mod

ALLOW_UPTIME = "version: 1\ncommand_allowlist: [uptime]\n"
ALLOW_DF = "version: 1\ncommand_allowlist: [df -h]\n"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    directory = tmp_path / "state"
    directory.mkdir(mode=0o700)
    return directory


def _policy(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "policy.yml"
    path.write_text(text)
    return path


def test_a_cached_load_equals_the_derivation_from_scratch(tmp_path: Path, state: Path) -> None:
    policy = _policy(tmp_path, ALLOW_UPTIME)
    first = ruleset_mod.load_ruleset(policy, cache_dir=state)
    assert (state / ruleset_mod.CACHE_FILE).is_file()
    assert (state / ruleset_mod.CACHE_FILE).stat().st_mode & 0o777 == 0o600
    second = ruleset_mod.load_ruleset(policy, cache_dir=state)
    fresh = ruleset_mod.load_ruleset(policy)
    assert first.digest == second.digest == fresh.digest
    assert second.policy == fresh.policy


def test_a_policy_change_misses_the_cache(tmp_path: Path, state: Path) -> None:
    policy = _policy(tmp_path, ALLOW_UPTIME)
    before = ruleset_mod.load_ruleset(policy, cache_dir=state)
    policy.write_text(ALLOW_DF)  # same size class, new bytes
    after = ruleset_mod.load_ruleset(policy, cache_dir=state)
    assert after.digest != before.digest
    assert after.digest == ruleset_mod.load_ruleset(policy).digest
    assert after.policy.command_allowlist == ("df -h",)


def test_a_policy_change_to_an_invalid_file_is_refused_despite_the_cache(tmp_path: Path, state: Path) -> None:
    policy = _policy(tmp_path, ALLOW_UPTIME)
    ruleset_mod.load_ruleset(policy, cache_dir=state)
    policy.write_text("version: 1\nunknown_key: 1\n")
    with pytest.raises(PolicyFileError):
        ruleset_mod.load_ruleset(policy, cache_dir=state)


def test_a_rule_source_change_misses_the_builtin_fingerprint(
    tmp_path: Path, state: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fingerprint is keyed by the content of the rule sources: another content is another key."""
    ruleset_mod.load_ruleset(None, cache_dir=state)
    entries = json.loads((state / ruleset_mod.CACHE_FILE).read_text())
    assert entries["builtin"]["key"] == ruleset_mod.rule_sources_digest()
    # Poison the entry for the current key: a later run with other sources must not use it.
    entries["builtin"]["value"] = "0" * 64
    (state / ruleset_mod.CACHE_FILE).write_text(json.dumps(entries))
    monkeypatch.setattr(ruleset_mod, "rule_sources_digest", lambda: "another content")
    assert ruleset_mod.load_ruleset(None, cache_dir=state).digest == ruleset_mod.load_ruleset(None).digest


def test_the_source_digest_follows_file_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = tmp_path / "plugin_utils"
    (runner / "policy").mkdir(parents=True)
    (runner / "core").mkdir()
    (runner / "core" / "models.py").write_text("TIERS = 4\n")
    table = runner / "policy" / "_table.py"
    table.write_text("RULES = ['rm']\n")
    monkeypatch.setattr(ruleset_mod, "_RUNNER", runner)
    before = ruleset_mod.rule_sources_digest()
    table.write_text("RULES = ['rm', 'dd']\n")
    assert ruleset_mod.rule_sources_digest() != before


@pytest.mark.parametrize("content", [b"", b"not json", b"[]", b'{"builtin": {"key": 1}}'])
def test_an_unreadable_cache_is_ignored_and_rewritten(tmp_path: Path, state: Path, content: bytes) -> None:
    policy = _policy(tmp_path, ALLOW_UPTIME)
    (state / ruleset_mod.CACHE_FILE).write_bytes(content)
    os.chmod(state / ruleset_mod.CACHE_FILE, 0o600)
    assert ruleset_mod.load_ruleset(policy, cache_dir=state).digest == ruleset_mod.load_ruleset(policy).digest
    assert json.loads((state / ruleset_mod.CACHE_FILE).read_text())["policy"]["value"]


def test_a_symlinked_cache_is_not_followed(tmp_path: Path, state: Path) -> None:
    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    (state / ruleset_mod.CACHE_FILE).symlink_to(elsewhere)
    ruleset = ruleset_mod.load_ruleset(None, cache_dir=state)
    assert ruleset.digest == ruleset_mod.load_ruleset(None).digest
    assert elsewhere.read_text() == "{}"
