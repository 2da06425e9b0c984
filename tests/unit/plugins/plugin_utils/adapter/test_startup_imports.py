# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What arming the gate must not import, and what every runner module must import without.

Why: an agent runs many one-task playbooks, and the gate's fixed cost is paid by every one. Heavy packages load on
first use (core/requirements.py); one careless top-level import would quietly put them back into every run. The
guard arms the gate for real in a fresh interpreter (ansible-core's plugin loader initialised, the hooks installed,
the run-start record written to an existing state directory) and fails when that imports a module on the deny list
that ansible-core itself had not already imported. The second test imports every runner module with the heavy
packages made unimportable, as ``ansible-test sanity``'s import test does (tests/sanity/FINDINGS.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[5]
PACKAGE = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"

# Heavy for a one-task run, and needed by none of what arming does. A module listed here may load later, when a run
# first uses it (signing a checkpoint, validating a new policy file, redeeming an approval from PostgreSQL).
DENY = (
    "cryptography",
    "pydantic",
    "pydantic_core",
    "jsonschema",
    "jsonschema_specifications",
    "referencing",
    "rfc3161_client",
    "msgspec",
    "psycopg",
    "tree_sitter",
    "tree_sitter_powershell",
    "tree_sitter_language_pack",
    "sqlglot",
    "mcp",
    "ssl",
    "http.client",
    "urllib.request",
    "concurrent.futures.process",
)

ARM = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    import ansible.cli.playbook  # what ansible-playbook has imported when its plugin loader starts
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()  # without PRAXIS_GATE: the pip-installed start-up hook must not arm its own copy here
    os.environ["PRAXIS_GATE"] = "enforce"
    before = set(sys.modules)
    if os.environ.get("GUARD_CONTROL"):
        import jsonschema  # the positive control's stand-in for a careless top-level import
    if os.environ.get("GUARD_CONTROL_RUNNER"):  # the same for a runner module that loads on first use
        import importlib
        importlib.import_module(os.environ["GUARD_CONTROL_RUNNER"])
    from ansible_collections.praxis.gatekeeper.plugins.callback import gate as callback
    armed = callback.arm(via="import guard")
    assert armed is not None, "the gate did not arm"
    print(json.dumps({"before": sorted(before), "after": sorted(sys.modules)}))
    sys.stdout.flush()
    """
)


def _shim() -> str:
    """The folder that holds ansible_collections/praxis/gatekeeper -> this checkout (tests/conftest.py made it)."""
    for entry in sys.path:
        if (Path(entry) / "ansible_collections" / "praxis" / "gatekeeper").resolve() == ROOT:
            return entry
    raise AssertionError("tests/conftest.py's collection shim is not on sys.path")


def _arm(tmp_path: Path, **env: str) -> tuple[set[str], set[str]]:
    state = tmp_path / "state"
    state.mkdir(mode=0o700, exist_ok=True)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_"))},
        "PRAXIS_STATE_DIR": str(state),
        "HOME": str(tmp_path),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **env,
    }
    done = subprocess.run([sys.executable, "-c", ARM, _shim()], env=environment, cwd=tmp_path, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return set(result["before"]), set(result["after"])


# The runner's own modules (and packages, with everything under them) that arming must not import: a plain run's
# decisions never use them, so they load on first use, by the runs that need them (their positive controls are the
# tests of those runs, which fail without them). Each loads in the controller before workers fork where every
# worker would otherwise import it per task (approvals.stage.warm for a run that presents approval tokens).
NOT_AT_ARMING = {
    "drift": "the drift job (a run of `praxis-gate drift`)",
    "agents.sessions": "an agent session's run, a task that needs approval, a tripped emergency stop",
    "store": "the same: the session book, an approval, the emergency stop",
    "approvals.operators": "the approver registry: verifying or signing an approval token (issue 22)",
    "approvals.queue": "a task that needs approval",
    "approvals.bodies": "a task that needs approval",
    "approvals.notify": "the approval webhook, at a run's end",
    "egress._http": "an HTTP(S) exchange: the webhook, a checkpoint's timestamp",
    "audit.timestamps": "a checkpoint being stamped",
    "cli": "the praxis-gate console",
}


def _denied(before: set[str], after: set[str]) -> list[str]:
    return sorted(m for m in after - before if any(m == d or m.startswith(d + ".") for d in DENY))


def _not_at_arming(after: set[str]) -> list[str]:
    names = tuple(f"{PACKAGE}.{name}" for name in NOT_AT_ARMING)
    return sorted(m for m in after if any(m == n or m.startswith(n + ".") for n in names))


def test_arming_the_gate_imports_nothing_heavy(tmp_path: Path) -> None:
    before, after = _arm(tmp_path)
    assert f"{PACKAGE}.core.gate" in after, "the guard did not arm the gate"
    assert _denied(before, after) == []
    assert _not_at_arming(after) == []


def test_the_guard_sees_a_runner_module_that_loads_on_first_use(tmp_path: Path) -> None:
    """Positive control of NOT_AT_ARMING: a listed runner module imported while the gate arms is reported."""
    _before, after = _arm(tmp_path, GUARD_CONTROL_RUNNER=f"{PACKAGE}.approvals.operators")
    assert _not_at_arming(after) == [f"{PACKAGE}.approvals.operators"]


def test_arming_with_a_policy_file_seen_before_imports_no_validator(tmp_path: Path) -> None:
    policy = tmp_path / "policy.yml"
    policy.write_text("version: 1\ncommand_allowlist: [uptime]\n")
    _unused, first = _arm(tmp_path, PRAXIS_POLICY=str(policy))
    assert "jsonschema" in first, "control: a policy file the cache has not seen is validated"
    before, after = _arm(tmp_path, PRAXIS_POLICY=str(policy))
    assert _denied(before, after) == []
    policy.write_text("version: 1\ncommand_allowlist: [df -h]\n")
    _unused, changed = _arm(tmp_path, PRAXIS_POLICY=str(policy))
    assert "jsonschema" in changed, "a changed policy file is validated again"


def test_the_guard_sees_a_heavy_import(tmp_path: Path) -> None:
    """Positive control: a heavy import made while the gate arms is reported."""
    before, after = _arm(tmp_path, GUARD_CONTROL="1")
    assert "jsonschema" in _denied(before, after)


TALOS_TABLES = f"{PACKAGE}.policy._talos_tables"

# A fresh interpreter decides the request argv[2] names after arming (argv[1]: the shim) and prints whether deciding
# it loaded the talosctl tables.
DECIDE = textwrap.dedent(
    """
    import json, os, sys
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.gate import Gate
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.models import TaskRequest
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.settings import load_settings
    gate = Gate.from_settings(load_settings(dict(os.environ), cfg=False), seams=())
    tables = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._talos_tables"
    armed = tables in sys.modules
    action, args, host_type, connection = json.loads(sys.argv[2])
    decision = gate.explain(TaskRequest(action=action, args=args, host="h1", host_type=host_type,
                                        connection=connection))
    print(json.dumps({"armed": armed, "decided": tables in sys.modules, "tier": str(decision.tier),
                      "verdict": decision.verdict.value}))
    """
)


def _decide(tmp_path: Path, request: list[object]) -> dict[str, object]:
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_"))},
        "PRAXIS_STATE_DIR": str(tmp_path / "state"),
        "HOME": str(tmp_path),
        "PRAXIS_MODE": "guarded",
    }
    done = subprocess.run([sys.executable, "-c", DECIDE, _shim(), json.dumps(request)], env=environment,
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_the_talosctl_tables_load_only_when_talos_is_seen(tmp_path: Path) -> None:
    """The talosctl verb table costs milliseconds to build and almost no run needs it: arming the gate (with the
    ruleset's fingerprint cached from an earlier run) and deciding plain tasks must not build it; a talosctl command
    line or a talos task loads it and is decided by it (T3 reset on no node is denied, as before)."""
    (tmp_path / "state").mkdir(mode=0o700)
    first = _decide(tmp_path, ["ansible.builtin.command", {"_raw_params": "uname -a"}, "linux", "ssh"])
    assert first["armed"] is True, "control: the first run builds the ruleset's fingerprint from the tables"
    plain = [
        ["ansible.builtin.command", {"_raw_params": "uname -a"}, "linux", "ssh"],
        ["ansible.builtin.shell", {"_raw_params": "ps -eo pid,comm | head -n 5"}, "linux", "ssh"],
        ["ansible.builtin.copy", {"dest": "/etc/motd", "content": "hello\n"}, "linux", "ssh"],
        ["ansible.builtin.setup", {}, "linux", "ssh"],
    ]
    for request in plain:
        result = _decide(tmp_path, request)
        assert (result["armed"], result["decided"]) == (False, False), (request, result)
    talos = [
        ["ansible.builtin.command", {"_raw_params": "talosctl reset"}, "linux", "ssh"],
        ["praxis.gatekeeper.talos", {"command": ["reset"]}, "talos", "praxis.gatekeeper.talosctl"],
    ]
    for request in talos:
        result = _decide(tmp_path, request)
        assert (result["armed"], result["decided"]) == (False, True), (request, result)
        assert (result["verdict"], result["tier"]) == ("denied", "T3"), (request, result)


BLOCKED = ("cryptography", "pydantic", "pydantic_core", "jsonschema", "rfc3161_client", "msgspec", "psycopg")

# The start of a fresh interpreter's script: the collection shim (argv[1]) on the path, and every import of a
# package named in argv[2] (comma-separated) refused as if it were not installed.
_BLOCKING = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[1])
    blocked = tuple(filter(None, sys.argv[2].split(",")))
    class Block:
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in blocked:
                raise ImportError(f"No module named {name!r} (blocked by the test)")
            return None
    sys.meta_path.insert(0, Block())
    """
)

IMPORT_ALL = _BLOCKING + textwrap.dedent(
    """
    import importlib, json, pkgutil
    package = importlib.import_module(sys.argv[3])
    failed = {}
    names = [m.name for m in pkgutil.walk_packages(package.__path__, package.__name__ + ".")]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed[name] = f"{type(exc).__name__}: {exc}"
    print(json.dumps({"modules": len(names), "failed": failed}))
    """
)


# Modules that still import a heavy package when loaded, each with the reason and who owns the fix. Kept exact both
# ways: a module that starts failing fails the test, and one that is fixed must leave this table. Empty since the MCP
# tools' pydantic models import with inert stand-ins when pydantic is missing (agents/mcp_server.py).
KNOWN: dict[str, str] = {}


@pytest.mark.parametrize("blocked", [BLOCKED, ()], ids=["without-heavy-packages", "control"])
def test_every_runner_module_imports_without_the_heavy_packages(blocked: tuple[str, ...]) -> None:
    """What ``ansible-test sanity``'s import test needs: a module may use a heavy package, not import it at load."""
    done = subprocess.run([sys.executable, "-c", IMPORT_ALL, _shim(), ",".join(blocked), PACKAGE],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["modules"] > 50
    expected = dict(KNOWN) if blocked else {}
    assert {name: (package if package in why else why) for name, why in result["failed"].items()
            for package in [expected.get(name, "")]} == expected  # fmt: skip


def test_a_missing_package_is_named_with_the_pip_command(monkeypatch: pytest.MonkeyPatch) -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import requirements

    real = requirements.importlib.import_module

    def refuse(name: str) -> object:
        if name.startswith("cryptography"):
            raise ImportError(f"No module named {name!r}")
        return real(name)

    monkeypatch.setattr(requirements.importlib, "import_module", refuse)
    stand_in = requirements.lazy("cryptography.hazmat.primitives.asymmetric.ed25519")
    with pytest.raises(requirements.MissingRequirement) as info:
        stand_in.Ed25519PrivateKey.generate()
    message = str(info.value)
    assert "cryptography>=42" in message
    assert f"{sys.executable} -m pip install 'cryptography>=42'" in message


TOOLS = _BLOCKING + textwrap.dedent(
    """
    import json
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.agents import mcp_server
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.requirements import MissingRequirement
    outcomes = []
    for use in (mcp_server.mcp_tools_schema, lambda: mcp_server.GateTools(
            session="s", settings=None, runner=None, explain=None, record=None, trip=None, store=lambda: None)):
        try:
            result = use()
            outcomes.append(sorted(result["tools"]) if isinstance(result, dict) else type(result).__name__)
        except MissingRequirement as exc:
            outcomes.append(exc.diagnostics())
    print(json.dumps(outcomes))
    """
)


@pytest.mark.parametrize("blocked", [("pydantic", "pydantic_core"), ()], ids=["without-pydantic", "control"])
def test_the_mcp_tools_refuse_without_pydantic_and_name_the_pip_command(blocked: tuple[str, ...]) -> None:
    """The MCP server module imports without pydantic (sanity's import test); using its tools then refuses clearly."""
    done = subprocess.run([sys.executable, "-c", TOOLS, _shim(), ",".join(blocked)],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    schema, tools = json.loads(done.stdout.strip().splitlines()[-1])
    if blocked:
        for message in (schema, tools):
            assert "pydantic>=2.7,<3" in message and "-m pip install 'pydantic>=2.7,<3'" in message, message
    else:
        assert "explain_task" in schema and tools == "GateTools"


CLI = textwrap.dedent(
    """
    import json, sys
    sys.path.insert(0, sys.argv[1])
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.cli import main
    parser = main.build_parser()
    if sys.argv[2]:  # the positive control: the one command that needs the server loads it
        args = parser.parse_args(["schema", "mcp-tools"])
        import contextlib, io
        with contextlib.redirect_stdout(io.StringIO()):
            args.func(args, None)
    print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "mcp")
                            or m.endswith("agents.mcp_server"))))
    """
)


@pytest.mark.parametrize("control", [False, True], ids=["parser", "control-mcp-tools-schema"])
def test_the_console_loads_the_mcp_server_only_for_its_commands(control: bool) -> None:
    """Every `praxis-gate` command builds the whole parser; the MCP server, its SDK and pydantic load only for
    `praxis-gate mcp` and `praxis-gate schema mcp-tools`, so an operator's `approvals approve` does not pay for them
    (they were half of the console's start-up)."""
    done = subprocess.run([sys.executable, "-c", CLI, _shim(), "1" if control else ""],
                          capture_output=True, text=True, timeout=300, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    if control:
        assert any(name.endswith("agents.mcp_server") for name in loaded), loaded
    else:
        assert loaded == [], loaded


STORE_DRIVER = _BLOCKING + textwrap.dedent(
    """
    import json, os
    import ansible.cli.playbook
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()
    os.environ["PRAXIS_GATE"] = "enforce"
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import hooks
    try:
        hooks.arm(via="test")
        print(json.dumps({"armed": True}))
    except Exception as exc:
        print(json.dumps({"armed": False, "error": str(exc)}))
    """
)


@pytest.mark.parametrize(
    ("dsn", "blocked", "armed"),
    [("host=/nonexistent dbname=x", "psycopg", False), ("", "psycopg", True), ("host=/nonexistent dbname=x", "", True)],
    ids=["dsn-without-driver", "control-no-dsn", "control-driver-present"],
)
def test_a_postgresql_store_without_its_driver_is_refused_at_arming(
    tmp_path: Path, dsn: str, blocked: str, armed: bool
) -> None:
    """The store opens on first use, so a run naming a PostgreSQL store whose driver this Python lacks would start and
    meet it at its first approval or at its end; arming looks for the driver and refuses up front, naming the pip
    command. (The control with the driver present arms: the store itself is not opened, the DSN is not reached.)"""
    pytest.importorskip("psycopg")
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_"))},
        "PRAXIS_STATE_DIR": str(state), "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        **({"PRAXIS_STORE_DSN": dsn} if dsn else {}),
    }  # fmt: skip
    done = subprocess.run([sys.executable, "-c", STORE_DRIVER, _shim(), blocked], env=environment, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["armed"] is armed, result
    if not armed:
        assert "PRAXIS_STORE_DSN names a PostgreSQL store" in result["error"], result
        assert "-m pip install 'praxis-gatekeeper[postgres]'" in result["error"], result


def test_the_store_variable_is_the_stores() -> None:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils import store
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import requirements

    assert requirements.STORE_DSN_VARIABLE == store.DSN_VARIABLE
