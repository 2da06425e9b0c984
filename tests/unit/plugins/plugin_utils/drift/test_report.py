# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report in a real headless Chromium: every value a playbook, an inventory or a host can influence is
hostile, in every field the page shows, and none of them may become markup, run code or fetch anything; the page is
self-contained and renders the grid, the requests and their history."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core.display import render, unsafe_character
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift import diffs
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.model import Baseline, ConvergenceRequest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.drift.report import render_report

from tests.browser import Dom, chromium

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(2)>',
    "' onmouseover='alert(3)' x='",
    "</style><script>alert(4)</script><style>",
    "javascript:alert(5)",
    "&lt;b&gt;entity&lt;/b&gt; & raw & <b>bold</b>",
    "</textarea></title><svg onload=alert(6)>",
    "\u202eevil\u202c <iframe src=//example.com/x>",
    '<a href="https://example.com/track">link</a>',
    "<link rel=stylesheet href=https://example.com/s.css>",
]


def _request(hostile: str, state: str = "proposed", **extra: Any) -> ConvergenceRequest:
    diff = [{"before": f"keep\n{hostile}\n", "after": "keep\nnew\n", "before_header": f"/etc/{hostile}"}]
    summary = [*diffs.summarise(diff), {"kind": "attributes", "path": hostile, "attributes": {hostile: [hostile, "x"]}},
               {"kind": "change", "note": hostile}]  # fmt: skip
    baseline = Baseline(hostile, "b" * 64, "c" * 64, "d" * 64, "e" * 64, hostile, f"/srv/{hostile}", (hostile,), 1)
    request = ConvergenceRequest(
        id=f"cr-{hostile}", host=hostile, task_path=f"{hostile}:3", task_name=hostile, action=hostile, tier="T1",
        diff_digest="a" * 64, summary=tuple(summary), baseline=baseline, scan=hostile, observed_at=NOW,
        first_observed_at=NOW - timedelta(days=2), expires_at=NOW + timedelta(days=5), state=state,
        state_reason=hostile, approval_request=hostile, superseded_by=extra.pop("superseded_by", None),
        outcome={"status": hostile, "at": hostile} if state == "applied" else None,
        history=({"state": hostile, "at": hostile, "actor": hostile, "reason": hostile},),
    )  # fmt: skip
    return replace(request, **extra)


def _scan(hostiles: list[str], requests: list[ConvergenceRequest]) -> dict[str, Any]:
    cells = [{"host": h, "task_path": f"{h}:3", "task": h, "action": h, "tier": "T1", "status": "drift",
              "request": r.id, "note": h} for h, r in zip(hostiles, requests, strict=True)]  # fmt: skip
    cells += [{"host": h, "task_path": "site.yml:9", "task": h, "action": h, "tier": "T2", "status": status,
               "request": None, "note": h} for h in hostiles for status in ("unscannable",)]  # fmt: skip
    cells.append({"host": hostiles[0], "task_path": "site.yml:10", "task": "clean", "action": "a", "tier": "T1",
                  "status": "clean", "request": None, "note": ""})  # fmt: skip
    return {
        "scan_id": hostiles[0], "started_at": hostiles[1], "limit": hostiles[2],
        "baseline": requests[0].baseline.as_dict(),
        "counts": {"hosts": len(hostiles), "drift": len(requests), "unscannable": len(hostiles)}, "cells": cells,
        "errors": hostiles, "cells_truncated": True,
    }  # fmt: skip


@pytest.fixture
def page(tmp_path: Path) -> Path:
    states = ["proposed", "approval-requested", "applied", "superseded", "gone", "expired", "proposed", "proposed",
              "proposed", "proposed"]  # fmt: skip
    requests = [_request(h, s, superseded_by=f"cr-{HOSTILE[0]}" if s == "superseded" else None)
                for h, s in zip(HOSTILE, states, strict=True)]  # fmt: skip
    requests.append(_request("expired-by-time", expires_at=NOW - timedelta(minutes=1)))
    html = render_report(scan=_scan(HOSTILE, requests[: len(HOSTILE)]), requests=requests, generated_at=NOW)
    path = tmp_path / "report.html"
    path.write_text(html, encoding="utf-8")
    return path


def test_no_hostile_value_reaches_the_page_as_markup(page: Path) -> None:
    html = page.read_text()
    for hostile in HOSTILE:
        if set(hostile) & set("<>\"'&"):  # text without markup characters is the same escaped
            assert hostile not in html, hostile
    assert 'href="javascript' not in html and "href='javascript" not in html
    head = html.split("<body>")[0]
    assert "default-src 'none'" in head and "<script" not in html.lower() and "url(" not in html
    # as written (before any browser): no element or attribute that runs code or fetches, links only within the page
    assert Dom(html).problems() == []


def test_the_page_renders_in_headless_chromium_with_every_value_as_text(page: Path, tmp_path: Path) -> None:
    dumped = chromium("--dump-dom", page=page, profile=tmp_path / "profile")
    assert dumped.returncode == 0 and "</html>" in dumped.stdout, dumped.stderr[-3000:]
    dom = Dom(dumped.stdout)
    assert dom.problems() == [], dom.problems()[:10]
    text = dom.all_text
    for hostile in HOSTILE:
        # shown as text, as a terminal shows it: a bidirectional override is a visible escape, never applied
        assert render(hostile) in text, f"{hostile!r} is not shown as text"
    assert "\\u202eevil\\u202c" in text and not [c for c in text if unsafe_character(c) and c not in "\n\t"]
    for heading in ("Drift report", "Hosts by tasks", "Convergence requests", "What differs", "Unscannable", "Errors"):
        assert heading in text
    for state in ("proposed", "approval-requested", "applied", "superseded", "gone", "expired"):
        assert state in text
    assert dom.tags.count("article") == len(HOSTILE) + 1 and dom.tags.count("details") == len(HOSTILE) + 1
    assert "+1 -1 lines" in text and "keep" not in text.split("What differs", 1)[1].split("history")[0]
    shot = tmp_path / "report.png"
    shown = chromium(f"--screenshot={shot}", "--window-size=1280,2000", page=page, profile=tmp_path / "profile2")
    assert shown.returncode == 0 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000


def test_a_page_without_a_scan_or_requests_still_renders(tmp_path: Path) -> None:
    empty = render_report(scan=None, requests=[], generated_at=NOW)
    assert "no scan recorded yet" in empty and "None." in empty
    path = tmp_path / "empty.html"
    path.write_text(empty)
    dumped = chromium("--dump-dom", page=path, profile=tmp_path / "profile")
    assert dumped.returncode == 0 and Dom(dumped.stdout).problems() == []
