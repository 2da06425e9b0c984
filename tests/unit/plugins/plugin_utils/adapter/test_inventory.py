# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where praxis_host_type (and a Talos host's node selection) may come from: the operator's inventory only.

Values carry ansible-core's own data tags (Origin); the variable manager's layers are the real attribute names of
ansible-core's VariableManager (the integration tests run the same rules through real plays)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ansible._internal._datatag._tags import Origin
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import inventory
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.inventory import (
    target_host_type,
    untrusted_source,
)


class Templar:
    def template(self, value: Any) -> Any:
        return str(value)


class FactCache(dict):  # type: ignore[type-arg]
    """Like ansible-core's cache plugins: a host without facts is a KeyError."""

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self:
            raise KeyError(key)
        return self[key]


@pytest.fixture
def layout(tmp_path: Path) -> SimpleNamespace:
    inv = tmp_path / "inventory"
    (inv / "group_vars").mkdir(parents=True)
    hosts = inv / "hosts.ini"
    hosts.write_text("[talos]\ncp1\n")
    play = tmp_path / "project"
    (play / "group_vars").mkdir(parents=True)
    host = SimpleNamespace(name="cp1", vars={})
    manager = SimpleNamespace(
        _inventory=SimpleNamespace(_sources=[str(hosts), "a,b,"], hosts={"cp1": host}, get_host=lambda n: host),
        _extra_vars={}, _nonpersistent_fact_cache=defaultdict(dict), _vars_cache=defaultdict(dict),
        _fact_cache=FactCache(),
    )  # fmt: skip
    return SimpleNamespace(inv=inv, hosts=hosts, play=play, host=host, manager=manager)


def tagged(value: str, path: Path | None = None, description: str | None = None) -> str:
    origin = Origin(path=str(path), line_num=1) if path else Origin(description=description)
    return origin.tag(value)  # type: ignore[no-any-return]


def problem(name: str, raw: Any, layout: SimpleNamespace) -> str | None:
    return untrusted_source(name, raw, host=layout.host, manager=layout.manager,
                            sources=inventory.inventory_sources(layout.manager))  # fmt: skip


@pytest.fixture(autouse=True)
def no_snapshot() -> Any:
    saved = inventory._SNAPSHOT[0]
    inventory._SNAPSHOT[0] = None
    yield
    inventory._SNAPSHOT[0] = saved


def test_inventory_sources_are_trusted(layout: SimpleNamespace) -> None:
    assert problem("praxis_host_type", tagged("talos", layout.hosts), layout) is None
    assert problem("praxis_host_type", tagged("talos", layout.inv / "group_vars" / "talos.yml"), layout) is None
    assert problem("praxis_host_type", tagged("talos", layout.inv / "host_vars" / "cp1" / "main.yml"), layout) is None
    plugin = f"<inventory plugin 'ansible.builtin.yaml' with source {str(layout.hosts)!r}>"
    assert problem("praxis_host_type", tagged("talos", description=plugin), layout) is None
    script = f"<inventory script output from {str(layout.hosts)!r}>"
    assert problem("praxis_host_type", tagged("talos", description=script), layout) is None


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("project/play.yml", "not an inventory source"),
        ("project/group_vars/all.yml", "not an inventory source"),  # playbook-adjacent group_vars
        ("project/roles/r/defaults/main.yml", "not an inventory source"),
        ("inventory/other/group_vars/all.yml", "not an inventory source"),  # not beside the source file
        ("inventory/hosts.ini.bak", "not an inventory source"),
    ],
)
def test_playbook_side_files_are_not_the_inventory(layout: SimpleNamespace, where: str, expected: str) -> None:
    path = layout.hosts.parents[1] / where
    assert expected in (problem("praxis_host_type", tagged("talos", path), layout) or "")


@pytest.mark.parametrize(
    "description",
    [
        "<CLI option '-e'>",
        "<inventory plugin 'x' with source '/elsewhere/hosts'>",
        "<inventory script output from '/tmp/evil.sh'>",
        "<adhoc 'command' task>",
    ],
)
def test_other_described_origins_are_not_the_inventory(layout: SimpleNamespace, description: str) -> None:
    assert problem("praxis_host_type", tagged("talos", description=description), layout)


def test_untagged_values_are_not_the_inventory(layout: SimpleNamespace) -> None:
    assert "no recorded origin" in (problem("praxis_host_type", "talos", layout) or "")


@pytest.mark.parametrize(
    ("layer", "label"),
    [
        ("_nonpersistent_fact_cache", "set_fact or register"),
        ("_vars_cache", "include_vars"),
        ("_fact_cache", "as a fact"),
        ("_extra_vars", "extra vars"),
    ],
)
def test_runtime_layers_are_refused_even_with_an_inventory_origin(
    layout: SimpleNamespace, layer: str, label: str
) -> None:
    """A template that copies another inventory variable keeps that variable's origin: only the layer tells."""
    copied = tagged("talos", layout.hosts)
    if layer == "_extra_vars":
        layout.manager._extra_vars["praxis_host_type"] = copied
    else:
        getattr(layout.manager, layer)["cp1"] = {"praxis_host_type": copied}
    assert label in (problem("praxis_host_type", copied, layout) or "")


def test_add_host_is_refused_against_the_snapshot(layout: SimpleNamespace) -> None:
    original = tagged("linux", layout.hosts)
    layout.host.vars["praxis_host_type"] = original
    inventory.snapshot(layout.manager._inventory)
    assert problem("praxis_host_type", original, layout) is None
    layout.host.vars["praxis_host_type"] = tagged("talos", layout.hosts)  # add_host: same origin, another object
    assert "add_host" in (problem("praxis_host_type", layout.host.vars["praxis_host_type"], layout) or "")
    stranger = SimpleNamespace(name="new1", vars={"praxis_host_type": tagged("talos", layout.hosts)})
    found = untrusted_source("praxis_host_type", stranger.vars["praxis_host_type"], host=stranger,
                             manager=layout.manager, sources=inventory.inventory_sources(layout.manager))  # fmt: skip
    assert "not in the inventory" in (found or "")


def test_a_broken_fact_cache_fails_closed(layout: SimpleNamespace) -> None:
    class Broken:
        def get(self, key: str) -> Any:
            raise RuntimeError("down")

    layout.manager._fact_cache = Broken()
    assert problem("praxis_host_type", tagged("talos", layout.hosts), layout)


def test_host_type_and_talos_selection(layout: SimpleNamespace) -> None:
    job_vars = {"praxis_host_type": tagged("talos", layout.hosts), "ansible_host": tagged("10.5.0.2", layout.hosts)}
    assert target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar()) == ("talos", ())  # fmt: skip
    job_vars["ansible_host"] = tagged("10.9.9.9", layout.play / "play.yml")  # play vars pick another node
    host_type, problems = target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                                           templar=Templar())  # fmt: skip
    assert host_type == "talos" and problems and "ansible_host" in problems[0]
    # a Linux host's ansible_host is not inventory-only (add_host and plays set it routinely)
    linux = {"praxis_host_type": tagged("linux", layout.hosts), "ansible_host": tagged("x", layout.play / "p.yml")}
    assert target_host_type(linux, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar()) == ("linux", ())  # fmt: skip
    assert target_host_type({}, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar()) == ("linux", ())  # fmt: skip


def test_an_address_ansible_core_filled_in_is_the_inventory_name(layout: SimpleNamespace) -> None:
    job_vars = {"praxis_host_type": tagged("talos", layout.hosts), "ansible_host": "cp1"}  # untagged, as 2.21 adds it
    assert target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar()) == ("talos", ())  # fmt: skip
    job_vars["ansible_host"] = tagged("cp1", description="<Config var: inventory_hostname>")  # as 2.21 fills it in
    assert target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar()) == ("talos", ())  # fmt: skip
    job_vars["ansible_host"] = "10.9.9.9"  # untagged and another address: not the default, not the inventory's
    assert target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                            templar=Templar())[1]  # fmt: skip


def test_the_inventory_name_written_by_the_play_or_the_run_is_not_filled_in(layout: SimpleNamespace) -> None:
    """Only ansible-core's own filled-in value is exempt: the host's name written by a play would replace the
    inventory's address (talosctl would resolve the name), and a run-assigned one is the run's."""

    def problems(job_vars: dict[str, Any]) -> tuple[str, ...]:
        return target_host_type(job_vars, host=layout.host, delegate_to=None, manager=layout.manager,
                                templar=Templar())[1]  # fmt: skip

    talos = tagged("talos", layout.hosts)
    written = tagged("cp1", layout.play / "play.yml")
    assert "play.yml" in problems({"praxis_host_type": talos, "ansible_host": written})[0]
    filled_in = tagged("cp1", description="<Config var: inventory_hostname>")
    other_config = tagged("cp1", description="<Config var: something_else>")
    assert problems({"praxis_host_type": talos, "ansible_host": other_config})
    for layer, label in (("_nonpersistent_fact_cache", "set_fact"), ("_vars_cache", "include_vars")):
        # set_fact: ansible_host="{{ inventory_hostname }}"
        getattr(layout.manager, layer)["cp1"] = {"ansible_host": "cp1"}
        assert label in problems({"praxis_host_type": talos, "ansible_host": "cp1"})[0]
        assert label in problems({"praxis_host_type": talos, "ansible_host": filled_in})[0]
        getattr(layout.manager, layer).clear()
    layout.manager._extra_vars["ansible_host"] = "cp1"
    assert "extra vars" in problems({"praxis_host_type": talos, "ansible_host": "cp1"})[0]
    layout.manager._extra_vars.clear()
    assert problems({"praxis_host_type": talos, "ansible_host": filled_in}) == ()  # positive control


def test_a_delegated_task_takes_the_delegates_type(layout: SimpleNamespace) -> None:
    job_vars = {"praxis_host_type": tagged("talos", layout.hosts),
                "ansible_delegated_vars": {"localhost": {"ansible_host": "127.0.0.1"}}}  # fmt: skip
    assert target_host_type(job_vars, host=layout.host, delegate_to="localhost", manager=layout.manager,
                            templar=Templar()) == ("linux", ())  # fmt: skip
