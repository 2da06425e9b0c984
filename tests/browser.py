# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A real headless browser for HTML the project writes: Debian's Chromium, offline, with a fresh profile.

Tests load a page from a file, dump the DOM Chromium built from it (what a person's browser renders, after
parsing), take a screenshot, and read the DOM back with the standard library's parser.
"""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

# Offline and quiet: no background fetches, no component updates, no first-run pages; a profile of its own.
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
)
# Attributes that make a browser fetch something (or run it).
FETCHING = frozenset({"src", "href", "action", "srcset", "formaction", "poster", "data", "background", "ping"})


def chromium(*args: str, page: Path, profile: Path, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is needed (Debian package `chromium`; scripts/setup installs it)"
    command = [browser, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)


class Dom(HTMLParser):
    """Elements, attributes and text of a DOM dump."""

    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str, str]] = []
        self.text: list[str] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes.extend((tag, name, value or "") for name, value in attrs)

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    @property
    def all_text(self) -> str:
        return "".join(self.text)

    def problems(self) -> list[str]:
        """What would make the page run code or fetch anything: scripts, frames, objects, event handlers, links
        that leave the page."""
        found = [f"<{t}>" for t in self.tags if t in ("script", "iframe", "object", "embed", "img", "link", "base")]
        for tag, name, value in self.attributes:
            if name.startswith("on"):
                found.append(f"<{tag} {name}>")
            elif name in FETCHING and not value.startswith("#"):
                found.append(f"<{tag} {name}={value[:60]!r}>")
        return found
