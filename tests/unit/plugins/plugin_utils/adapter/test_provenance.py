# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument provenance from ansible-core's data tags, on values tagged the way ansible-core tags them (measured in
real runs: tests/integration/test_agents.py covers the same through ansible-playbook). Each class: trusted verbatim
values, computed values that read only trusted variables, and the ways host output gets in (registered results,
facts, set_fact values, hostvars/vars, lookups, loop items, followed templates, unknown origin)."""

from __future__ import annotations

from typing import Any

import pytest
from ansible._internal._datatag._tags import Origin, SourceWasEncrypted, TrustedAsTemplate, VaultedValue
from ansible.module_utils._internal._datatag import AnsibleTagHelper
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.adapter.provenance import read_provenance

PLAY = Origin(path="/srv/site/play.yml", line_num=3)


def trusted(text: str) -> str:
    """A value written verbatim in a playbook, vars file, inventory or -e."""
    return AnsibleTagHelper.tag(text, {TrustedAsTemplate(), PLAY})


def computed(text: str) -> str:
    """A value produced at run time at a template site in the playbook."""
    return AnsibleTagHelper.tag(text, {PLAY})


VARIABLES: dict[str, Any] = {
    "base": trusted("/srv/app"),
    "composed": trusted("{{ base }}/conf"),  # a play var that is itself a template of trusted data
    "registered": {"stdout": "hello from the host", "rc": 0},  # module results carry no tags at all
    "ansible_hostname": "web1",  # an injected fact: no tags
    "from_set_fact": computed("hello from the host"),  # set_fact of a registered value: Origin only
    "trusted_fact": trusted("/opt"),  # set_fact of a trusted value keeps the trust tag
    "via_registered": trusted("{{ registered.stdout }}/x"),  # a play var whose template reads host output
    "deep1": trusted("{{ deep2 }}"),
    "deep2": trusted("{{ deep3 }}"),
    "deep3": trusted("{{ registered }}"),
    "inventory_hostname": computed("web1"),
    "item": "line from the host",  # a loop over host output yields untagged items
    "users": [trusted("alice"), trusted("bob")],
}


@pytest.mark.parametrize(
    ("raw", "value", "derived"),
    [
        ("{{ base }}/motd", computed("/srv/app/motd"), False),
        ("{{ composed }}/x", computed("/srv/app/conf/x"), False),
        ("{{ base | upper }}", computed("/SRV/APP"), False),
        ("{{ inventory_hostname }}.conf", computed("web1.conf"), False),
        ("{{ users | join(',') }}", computed("alice,bob"), False),
        ("{{ lookup('ansible.builtin.env', 'HOME') }}/x", computed("/root/x"), False),
        ("{{ lookup('env', 'HOME') }}", computed("/root"), False),
        ("{{ registered.stdout }}", computed("hello from the host"), True),
        ("/x/{{ registered.stdout }}", computed("/x/hello from the host"), True),
        ("{{ ansible_hostname }}.conf", computed("web1.conf"), True),
        ("{{ from_set_fact }}", computed("hello from the host"), True),
        ("{{ trusted_fact }}/bin", computed("/opt/bin"), False),
        ("{{ via_registered }}", computed("hello from the host/x"), True),
        ("{{ deep1 }}", computed("x"), True),
        ("{{ hostvars['web2'].anything }}", computed("x"), True),
        ("{{ vars['registered'] }}", computed("x"), True),
        ("{{ ansible_facts.hostname }}", computed("web1"), True),
        ("{{ lookup('ansible.builtin.pipe', 'id') }}", computed("uid=0"), True),
        ("{{ lookup('vars', 'registered') }}", computed("x"), True),
        ("{{ query('ansible.builtin.template', 'x.j2') }}", computed("x"), True),
        ("{{ item }}", computed("line from the host"), True),
        ("{% for l in registered.stdout_lines %}{{ l }}{% endfor %}", computed("x"), True),
        ("{{ unclosed", computed("x"), True),  # a template the gate cannot read rounds up
        # an override header may move the delimiters: not read with Jinja's defaults, so it rounds up, whatever it reads
        ("#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ registered.stdout ]]", computed("x"), True),
        ("#jinja2:variable_start_string:'[[', variable_end_string:']]'\n[[ base ]]", computed("/srv/app"), True),
        ("#jinja2:trim_blocks:False\n{{ base }}", computed("/srv/app"), True),
        ("[[ registered.stdout ]]", computed("[[ registered.stdout ]]"), False),  # without the header: plain text
        ("{# only a comment #}", computed(""), False),  # a comment reads nothing
        ("no template here", computed("no template here"), False),
    ],
)
def test_computed_arguments_are_host_derived_only_when_their_template_reads_host_output(
    raw: str, value: str, derived: bool
) -> None:
    provenance = read_provenance({"dest": value}, {"dest": trusted(raw)}, VARIABLES)
    assert provenance.computed == ("dest",)
    assert provenance.host_derived == (("dest",) if derived else ())


def test_verbatim_values_are_neither_computed_nor_derived() -> None:
    args = {"dest": trusted("/srv/app/motd"), "mode": trusted("0644"), "opts": [trusted("-a"), trusted("-b")]}
    provenance = read_provenance(args, dict(args), VARIABLES)
    assert provenance.computed == () and provenance.host_derived == () and provenance.vaulted == ()


def test_a_template_that_renders_a_structure_stands_for_every_string_in_it() -> None:
    value = {"a": computed("hello from the host"), "b": [computed("x")]}
    provenance = read_provenance({"env": value}, {"env": trusted("{{ registered }}")}, VARIABLES)
    assert set(provenance.host_derived) == {"env.a", "env.b[0]"}


def test_an_argument_with_no_raw_template_is_of_unknown_origin_and_rounds_up() -> None:
    """module_defaults and arguments an action adds: the gate never saw their template."""
    provenance = read_provenance({"dest": computed("/x")}, {}, VARIABLES)
    assert provenance.host_derived == ("dest",)
    assert read_provenance({"dest": computed("/x")}, None, VARIABLES).host_derived == ("dest",)


def test_vault_decrypted_values_are_marked_vaulted() -> None:
    secret = AnsibleTagHelper.tag("s3cret", {VaultedValue(ciphertext="$ANSIBLE_VAULT;1.1;AES256\n00"), PLAY})
    whole_file = AnsibleTagHelper.tag("s3cret", {SourceWasEncrypted(), TrustedAsTemplate(), PLAY})
    provenance = read_provenance({"password": secret, "token": whole_file, "user": trusted("app")},
                                 {"password": trusted("{{ vault_pw }}"), "token": whole_file,
                                  "user": trusted("app")}, VARIABLES)  # fmt: skip
    assert set(provenance.vaulted) == {"password", "token"}


def test_hostile_sizes_stay_bounded_and_what_is_not_read_rounds_up() -> None:
    args = {f"k{i}": trusted("x") for i in range(5000)}
    provenance = read_provenance(args, dict(args), VARIABLES)
    assert len(provenance.computed) == 1 and provenance.host_derived == provenance.computed
    assert "beyond what the gate reads" in provenance.host_derived[0]
    nested: Any = trusted("x")
    for _repeat in range(50):
        nested = [nested]
    deep = read_provenance({"deep": nested}, {"deep": nested}, VARIABLES)
    assert len(deep.host_derived) == 1 and deep.host_derived[0].startswith("deep")
