# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runner loads through Python's bytecode cache, from the files the collection loader chose, and nothing else;
what is alive once the gate is armed is frozen out of the garbage collector's reach.

Why: ansible-core's collection loader compiles every module from source on every run (about 190 ms of a gated
run's CPU, issue 22). adapter/bytecode.py hands the runner's modules to the standard source loader instead. These
tests hold what must not change with that: the same files (the copy ansible-core resolved), only ``.py`` sources
(no extension module or source-less bytecode planted beside them), names outside the runner untouched, and the
callback still armed the way it always was. The start-up hook installs the finder; tests/integration/test_packaging.py
checks that wiring on the installed copy.
"""

from __future__ import annotations

import importlib.machinery
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import bytecode

ROOT = Path(__file__).resolve().parents[5]
PACKAGE = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"

ARM = textwrap.dedent(
    """
    import gc, json, os, sys
    sys.path.insert(0, sys.argv[1])
    import ansible.cli.playbook
    from ansible.plugins.loader import init_plugin_loader
    init_plugin_loader()
    os.environ["PRAXIS_GATE"] = "enforce"
    # as the start-up hook does before it imports the callback (test_packaging.py runs the hook itself)
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.bytecode import use_bytecode_cache
    use_bytecode_cache()
    from ansible_collections.praxis.gatekeeper.plugins.callback import gate as callback
    frozen_before = gc.get_freeze_count()
    assert callback.arm(via="bytecode test") is not None, "the gate did not arm"
    frozen = {"before": frozen_before, "after": gc.get_freeze_count()}
    modules = {name: {"loader": type(module.__spec__.loader).__name__, "file": getattr(module, "__file__", None)}
               for name, module in list(sys.modules.items()) if name.startswith("ansible_collections.praxis.")}
    print(json.dumps({"modules": modules, "frozen": frozen}))
    """
)


def _shim() -> str:
    """The folder that holds ansible_collections/praxis/gatekeeper -> this checkout (tests/conftest.py made it)."""
    for entry in sys.path:
        if (Path(entry) / "ansible_collections" / "praxis" / "gatekeeper").resolve() == ROOT:
            return entry
    raise AssertionError("tests/conftest.py's collection shim is not on sys.path")


def test_arming_loads_the_runner_with_the_source_loader_from_the_collection_loaders_copy(tmp_path: Path) -> None:
    state = tmp_path / "state"
    state.mkdir(mode=0o700)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRAXIS_", "ANSIBLE_"))}
    env.update(PRAXIS_STATE_DIR=str(state), HOME=str(tmp_path), ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"))
    done = subprocess.run([sys.executable, "-c", ARM, _shim()], env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    modules, frozen = report["modules"], report["frozen"]
    # what was alive when the gate armed is in the permanent generation: no later collection walks it again
    assert frozen["before"] == 0 and frozen["after"] > 10_000, frozen
    runner = {name: info for name, info in modules.items() if name.startswith(PACKAGE + ".")}
    assert len(runner) > 40, sorted(runner)  # the gate armed: the pipeline, policy and audit modules are loaded
    by_ansible = sorted(name for name, info in runner.items() if info["loader"] != "SourceFileLoader")
    # adapter/ and adapter.bytecode itself are imported before the finder exists; everything after it is cached
    assert by_ansible == [f"{PACKAGE}.adapter", f"{PACKAGE}.adapter.bytecode"], by_ansible
    plugin_utils = (ROOT / "plugins" / "plugin_utils").resolve()
    for name, info in runner.items():
        relative = name[len(PACKAGE) + 1 :].replace(".", os.sep)
        expected = {plugin_utils / f"{relative}.py", plugin_utils / relative / "__init__.py"}
        assert Path(info["file"]).resolve() in expected, (name, info["file"])
    # positive control: what is not the runner is still loaded by ansible-core's collection loader
    callback = modules["ansible_collections.praxis.gatekeeper.plugins.callback.gate"]
    assert callback["loader"] != "SourceFileLoader"


@pytest.fixture
def fake_runner(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A package standing in for plugin_utils, imported the ordinary way, with the finder limited to it."""
    name = f"praxis_bytecode_probe_{os.getpid()}"
    package = tmp_path / name
    package.mkdir()
    (package / "__init__.py").write_text("")
    sys.path.insert(0, str(tmp_path))
    try:
        __import__(name)
        yield name, package
    finally:
        sys.path.remove(str(tmp_path))
        for module in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
            del sys.modules[module]


def test_the_finder_finds_python_sources_and_packages_with_the_caching_loader(fake_runner: tuple[str, Path]) -> None:
    name, package = fake_runner
    (package / "plain.py").write_text("VALUE = 1\n")
    (package / "sub").mkdir()
    (package / "sub" / "__init__.py").write_text("")
    finder = bytecode.RunnerFinder(name)
    plain = finder.find_spec(f"{name}.plain")
    assert plain is not None and isinstance(plain.loader, importlib.machinery.SourceFileLoader)
    assert plain.origin == str(package / "plain.py")
    sub = finder.find_spec(f"{name}.sub")
    assert sub is not None and sub.submodule_search_locations == [str(package / "sub")]


@pytest.mark.parametrize(
    "planted",
    [
        "planted.cpython-311-x86_64-linux-gnu.so",  # an extension module
        "planted.abi3.so",
        "planted.pyc",  # source-less bytecode
        "planted.pyw",
        "planted",  # a directory without __init__.py is no package of the runner's
    ],
)
def test_the_finder_finds_nothing_but_python_sources(fake_runner: tuple[str, Path], planted: str) -> None:
    name, package = fake_runner
    target = package / planted
    if planted == "planted":
        target.mkdir()
    else:
        target.write_bytes(b"\x7fELF not a module")
    finder = bytecode.RunnerFinder(name)
    found = finder.find_spec(f"{name}.planted")
    assert found is None, found  # left to the collection loader, which decides as it did before
    # positive control: the same name as a source is found
    (package / "planted.py").write_text("")
    if planted == "planted":
        target.rmdir()
    control = bytecode.RunnerFinder(name).find_spec(f"{name}.planted")
    assert control is not None and control.origin == str(package / "planted.py")


def test_the_finder_leaves_every_other_name_and_unimported_parents_alone(fake_runner: tuple[str, Path]) -> None:
    name, package = fake_runner
    (package / "plain.py").write_text("")
    finder = bytecode.RunnerFinder(name)
    assert finder.find_spec(name) is None  # the package itself is the collection loader's
    assert finder.find_spec(f"{name}x.plain") is None  # a look-alike prefix
    assert finder.find_spec("json") is None
    assert finder.find_spec(f"{name}.missing.plain") is None  # parent never imported: nothing to search
    assert finder.find_spec(f"{name}.plain") is not None  # positive control


def test_installing_twice_puts_one_finder_first() -> None:
    before = list(sys.meta_path)
    try:
        sys.meta_path[:] = [f for f in before if not isinstance(f, bytecode.RunnerFinder)]
        bytecode.use_bytecode_cache("praxis_bytecode_probe_install")
        bytecode.use_bytecode_cache("praxis_bytecode_probe_install")
        ours = [f for f in sys.meta_path if isinstance(f, bytecode.RunnerFinder)]
        assert len(ours) == 1 and sys.meta_path[0] is ours[0]
    finally:
        sys.meta_path[:] = before
