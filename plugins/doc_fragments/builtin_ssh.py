# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of ansible.builtin.ssh, for praxis.gatekeeper.ssh, which extends that plugin.

Why a fragment built from ansible-core's own documentation rather than a copy: praxis.gatekeeper.ssh runs core's
ssh code, which reads every one of core's options with ``get_option``; the options must be exactly those of the
ansible-core that is installed (2.19 and 2.21 are supported), and a copy would drift. ``version_added`` values are
ansible-core's, not this collection's, so they are left out (ansible-test's validate-modules reads them as
collection versions).
"""

from __future__ import annotations

from typing import Any

import yaml
from ansible.plugins.connection import ssh as _builtin_ssh


def _without_core_versions(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_core_versions(v) for k, v in value.items() if k not in ("version_added", "deprecated")}
    if isinstance(value, list):
        return [_without_core_versions(item) for item in value]
    return value


class ModuleDocFragment:
    """``extends_documentation_fragment: praxis.gatekeeper.builtin_ssh``"""

    DOCUMENTATION = yaml.safe_dump(
        {"options": _without_core_versions(yaml.safe_load(_builtin_ssh.DOCUMENTATION)["options"])}, sort_keys=True
    )
