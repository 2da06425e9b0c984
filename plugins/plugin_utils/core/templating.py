# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether ansible-core would treat a string as a template: the one spelling of that question in the runner.

Why one place: three readers ask it (the agent runner refuses templates in agent extra vars, the request builder
reads ``{{ name }}`` without Jinja only when the value holds no template, argument provenance parses templates for
the variables they read), and each once spelled its own list of markers. A list of markers is a rule that lists what
is dangerous: all three missed ansible-core's override header. A string that starts with ``#jinja2:`` is a template
whose first line may redefine the delimiters (``#jinja2:variable_start_string:'[[', variable_end_string:']]'``,
then ``[[ lookup('pipe', 'id') ]]``), so it holds no ``{{`` and still runs. ansible-core's own test
(``is_possibly_template`` with the default delimiters) is the header or any of the three start strings; this module
says exactly that, and ``tests/unit/plugins/plugin_utils/core/test_templating.py`` holds it to ansible-core's
function on generated strings and to what ansible-core's templar really renders.

Plain Python (no Ansible import): the agent runner uses it outside any Ansible process.

Security constraints: SEC-4 (docs/security-constraints.yml).
"""

from __future__ import annotations

__all__ = ["OVERRIDE_HEADER", "START_STRINGS", "overrides_delimiters", "possibly_template"]

# ansible-core's JINJA2_OVERRIDE: a first line that sets the template's delimiters and options.
OVERRIDE_HEADER = "#jinja2:"
# Jinja's default block, variable and comment start strings (ansible-core's TemplateOverrides.DEFAULT).
START_STRINGS = ("{%", "{{", "{#")


def possibly_template(text: str) -> bool:
    """True when ansible-core would hand ``text`` to Jinja (if trusted as a template): it starts with the override
    header or contains a default start string. Over-approximates what renders to something other than itself
    (``{{`` inside a quoted literal counts), never under-approximates."""
    return text.startswith(OVERRIDE_HEADER) or "{{" in text or "{%" in text or "{#" in text


def overrides_delimiters(text: str) -> bool:
    """True when ``text`` begins with the override header, so that its delimiters may not be Jinja's defaults: a
    reader that parses it with the default delimiters would not see what it reads."""
    return text.startswith(OVERRIDE_HEADER)
