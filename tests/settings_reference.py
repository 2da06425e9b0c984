# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write the configuration reference (docs/settings.md) and the callback's ansible-doc options from the one table in
plugins/plugin_utils/core/options.py.

    python -m tests.settings_reference            # exit 1 and name the files that disagree with the table
    python -m tests.settings_reference --write    # regenerate them

tests/unit/test_settings_reference.py runs the check.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

# imported for its effect: it makes ansible_collections.praxis.gatekeeper import from this checkout
from tests import conftest  # noqa: F401  # pylint: disable=unused-import

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "settings.md"
CALLBACK = ROOT / "plugins" / "callback" / "gate.py"
BEGIN, END = "# settings:begin (generated from plugin_utils/core/options.py)\n", "# settings:end\n"


def expected() -> dict[Path, str]:
    from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.options import (
        documentation_options,
        reference_page,
    )

    text = CALLBACK.read_text()
    head, _separator, rest = text.partition(BEGIN)
    _head, _separator, tail = rest.partition(END)
    return {PAGE: reference_page(), CALLBACK: head + BEGIN + documentation_options() + END + tail}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    stale = [path for path, text in expected().items() if not path.exists() or path.read_text() != text]
    if args.write:
        for path, text in expected().items():
            path.write_text(text)
        print(f"wrote {', '.join(str(p.relative_to(ROOT)) for p in expected())}")
        return 0
    for path in stale:
        print(f"{path.relative_to(ROOT)} disagrees with the settings table", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
