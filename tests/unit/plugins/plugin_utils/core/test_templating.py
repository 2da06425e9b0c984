# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``core.templating.possibly_template`` is ansible-core's own question (``is_possibly_template`` with the default
delimiters), and what it calls plain really renders as itself: generated strings over the characters that make
templates (start and end strings, the override header, its keys), against ansible-core's function and its templar.
The positive control is the class the predicate once missed: a ``#jinja2:`` header that redefines the delimiters,
so that a string with no ``{{`` renders an expression."""

from __future__ import annotations

import itertools

import pytest
from ansible._internal._datatag._tags import Origin, TrustedAsTemplate
from ansible._internal._templating._jinja_bits import is_possibly_template
from ansible.errors import AnsibleError
from ansible.module_utils._internal._datatag import AnsibleTagHelper
from ansible.template import Templar
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.templating import (
    OVERRIDE_HEADER,
    START_STRINGS,
    overrides_delimiters,
    possibly_template,
)
from hypothesis import given, settings
from hypothesis import strategies as st

PLAY = Origin(path="/srv/site/vars.yml", line_num=1)
# Pieces that make (or almost make) templates: every start and end string, halves of them, the header and its keys,
# other delimiters a header can choose, and ordinary text.
PIECES = [
    "{{", "}}", "{%", "%}", "{#", "#}", "{", "}", "%", "#", "#jinja2:", "#jinja", "jinja2:", "#JINJA2:", " #jinja2:",
    "variable_start_string:'[['", "variable_end_string:']]'", "block_start_string:'<%'", "comment_start_string:'<#'",
    ",", "\n", " ", "[[", "]]", "<%", "%>", "x", "6*7", "lookup('pipe', 'id')", "é", "\\",
]  # fmt: skip
HEADERS = [
    "#jinja2:variable_start_string:'[[', variable_end_string:']]'\n",
    "#jinja2: variable_start_string: '<<', variable_end_string: '>>'\n",
    "#jinja2:block_start_string:'[%', block_end_string:'%]', variable_start_string:'((', variable_end_string:'))'\n",
]
BODIES = {"[[ 6*7 ]]": 42, "<< 6*7 >>": 42, "(( 6*7 ))": 42}  # ansible-core renders native types


def trusted(text: str) -> str:
    """Text ansible-core would template: written in a playbook, vars file, inventory or ``-e``."""
    return AnsibleTagHelper.tag(text, {TrustedAsTemplate(), PLAY})


def rendered(text: str) -> object:
    """What ansible-core's templar makes of ``text`` trusted as a template, or the exception's class name."""
    try:
        return Templar(variables={}).template(trusted(text))
    except AnsibleError as exc:
        return type(exc).__name__


def generated() -> list[str]:
    """Every string of up to three pieces (about 33,000): each start string, each half, the header anywhere."""
    return ["".join(parts) for size in (1, 2, 3) for parts in itertools.product(PIECES, repeat=size)]


def test_the_predicate_is_ansible_cores_on_every_generated_string() -> None:
    strings = generated()
    differing = [text for text in strings if possibly_template(text) != is_possibly_template(text)]
    assert differing == []
    # Both answers occur in quantity, so that neither side passes by answering one way.
    flagged = sum(1 for text in strings if possibly_template(text))
    assert 1000 < flagged < len(strings) - 1000


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from([*PIECES, "a", "\x00", "ÿ"]), max_size=12).map("".join) | st.text())
def test_the_predicate_is_ansible_cores_on_arbitrary_text(text: str) -> None:
    assert possibly_template(text) == is_possibly_template(text)


@pytest.mark.parametrize("header", HEADERS)
@pytest.mark.parametrize(("body", "value"), sorted(BODIES.items()))
def test_a_header_that_moves_the_delimiters_renders_without_any_default_start_string(
    header: str, body: str, value: int
) -> None:
    """The positive control: the class is real (ansible-core renders these), has none of the default start strings,
    and is caught. A body in delimiters its header did not choose stays text: the header alone decides."""
    text = header + body
    assert not any(start in text for start in START_STRINGS)
    assert possibly_template(text)
    assert overrides_delimiters(text)
    chosen = header.split("variable_start_string")[1].split("'")[1]
    expected: object = value if body.startswith(chosen) else body
    assert rendered(text) == expected


def test_what_the_predicate_calls_plain_renders_as_itself() -> None:
    plain = [text for text in generated() if not possibly_template(text)]
    assert len(plain) > 1000
    changed = [text for text in plain[::7] if rendered(text) != text]
    assert changed == []


def test_what_the_predicate_calls_a_template_often_renders_to_something_else() -> None:
    """The other direction is an over-approximation by design (``{{`` in a literal counts); this only shows the flag
    is not vacuous: most of the short templates among the generated strings do not render as themselves."""
    templates = [text for text in generated() if possibly_template(text) and len(text) <= 8][:400]
    assert len(templates) == 400
    assert sum(1 for text in templates if rendered(text) != text) > 200


def test_the_header_counts_only_at_the_very_start() -> None:
    assert overrides_delimiters(OVERRIDE_HEADER + "trim_blocks:False\nx")
    for text in (" " + OVERRIDE_HEADER + "x\n", "\n" + OVERRIDE_HEADER + "x\n", "x" + OVERRIDE_HEADER, "#JINJA2:x\n"):
        assert not overrides_delimiters(text)
        assert possibly_template(text) == is_possibly_template(text)
