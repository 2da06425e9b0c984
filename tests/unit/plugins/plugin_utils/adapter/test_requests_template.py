# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request's templated values are exactly ansible-core's: ``requests._template`` answers ``{{ name }}`` without
Jinja when it can (adapter/requests.py ``_bare_variable``), and must give what the templar gives in every case, or
fail the way it fails. Generated over template spellings, variable values (plain, tagged, template-looking,
non-string) and trust, against ansible-core's own TemplateEngine and Templar (the hook gets the first, plugins the
second), with the fast path's use counted so that a test cannot pass by never taking it."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
from ansible._internal._templating._engine import TemplateEngine
from ansible.module_utils._internal._datatag import AnsibleTagHelper
from ansible.template import Templar
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter import requests
from hypothesis import given, settings
from hypothesis import strategies as st

PLAY = Origin(path="/srv/site/inventory.ini", line_num=3)


def trusted(text: str) -> str:
    return AnsibleTagHelper.tag(text, {TrustedAsTemplate(), PLAY})


def computed(text: str) -> str:
    return AnsibleTagHelper.tag(text, {PLAY})


VALUES: list[Any] = [
    "/usr/bin/python3", "", "123", "True", "[1, 2]", "{'a': 1}", "  padded  ", "line\n", "C:\\python", "ünï",
    trusted("/usr/bin/python3"), computed("/opt/py/bin/python"), trusted("{{ other }}"), computed("{{ other }}"),
    trusted("{% if true %}/x{% endif %}"), trusted("{# c #}/x"), trusted("#jinja2: trim_blocks:False\n/x"),
    "{{ other }}", 5, 2.5, None, True, ["a"], {"a": 1},
]  # fmt: skip
SPELLINGS = [
    "{{ v }}", "{{v}}", "{{   v   }}", "{{ v }} ", " {{ v }}", "{{- v -}}", "{{ v | upper }}", "{{ v.x }}",
    "{{ v }}{{ v }}", "{{ 'v' }}", "{{ missing }}", "{{ true }}", "{{ none }}", "{{ self }}", "{{ loop }}",
    "{{ in }}", "#jinja2: trim_blocks:False\n{{ v }}", "{{ v\n}}", "{{\tv }}",
]  # fmt: skip


def _variables(value: Any) -> dict[str, Any]:
    # The same value also under names Jinja reads otherwise: the fast path must not take them for variables.
    return {"v": value, "other": "/usr/bin/other", "true": "/x", "none": "/x", "self": "/x", "loop": "/x", "in": "/x"}


def _outcome(call: Any) -> tuple[str, Any]:
    try:
        return "value", call()
    except Exception as exc:  # the same failure, or the same value
        return "error", type(exc).__name__


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Each text the fast path answered (not None)."""
    taken: list[str] = []
    real = requests._bare_variable

    def spy(templar: Any, text: str) -> str | None:
        found = real(templar, text)
        if found is not None:
            taken.append(text)
        return found

    monkeypatch.setattr(requests, "_bare_variable", spy)
    return taken


@pytest.mark.parametrize("make", [TemplateEngine, Templar], ids=["engine", "templar"])
def test_every_spelling_and_value_templates_as_ansible_core_does(make: Any, counted: list[str]) -> None:
    checked = 0
    for value, spelling, trust in itertools.product(VALUES, SPELLINGS, (True, False)):
        templar = make(variables=_variables(value))
        raw = trusted(spelling) if trust else computed(spelling)
        ours = _outcome(lambda: requests._template(templar, raw))  # noqa: B023 - called at once
        theirs = _outcome(lambda: templar.template(raw))  # noqa: B023
        assert ours == theirs, (value, spelling, trust)
        assert type(ours[1]) is type(theirs[1]) or isinstance(ours[1], str) == isinstance(theirs[1], str)
        checked += 1
    assert checked == len(VALUES) * len(SPELLINGS) * 2
    # Positive control: the fast path answered the plain cases (and only trusted text: untrusted text is not
    # templated by ansible-core at all, which the equality above holds it to).
    assert len(counted) >= 3 * 10
    assert all(TrustedAsTemplate.is_tagged_on(text) for text in counted)


@settings(max_examples=300, deadline=None)
@given(value=st.text(max_size=40), spelling=st.sampled_from(SPELLINGS[:5]))
def test_generated_values_template_as_ansible_core_does(value: str, spelling: str) -> None:
    templar = TemplateEngine(variables=_variables(trusted(value)))
    raw = trusted(spelling)
    assert _outcome(lambda: requests._template(templar, raw)) == _outcome(lambda: templar.template(raw))


def test_the_controllers_python_is_read_without_jinja(counted: list[str]) -> None:
    """The case the benchmark's inventory and most local-connection plays use."""
    templar = TemplateEngine(variables={"ansible_playbook_python": "/usr/bin/python3"})
    raw = trusted("{{ ansible_playbook_python }}")
    assert requests._template(templar, raw) == "/usr/bin/python3" == templar.template(raw)
    assert counted == [raw]


def test_non_strings_are_templated_by_ansible_core(counted: list[str]) -> None:
    templar = TemplateEngine(variables={"v": "/x"})
    for raw in ([trusted("{{ v }}")], {"k": trusted("{{ v }}")}, 5, None):
        assert requests._template(templar, raw) == templar.template(raw)
    assert counted == []
