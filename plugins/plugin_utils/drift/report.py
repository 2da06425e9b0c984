# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift report: one self-contained HTML page a person would rather look at than read.

Hosts by tasks at a glance (what drifted, what is clean, what could not be checked), then every convergence request
with what differs (the redacted summary), since when, and its state and history. Self-contained on purpose: no
script, no stylesheet, font or image from anywhere (a Content-Security-Policy of ``default-src 'none'`` says so to
the browser too), so the page opens the same from a mail attachment, an AWX artifact or an air-gapped share. Every
value is escaped: host names, task names and paths come from inventories and playbooks, which are hostile input.
What is shown is what the store holds: digests and redacted summaries, never a diff body or a module's output.

Security constraints: SEC-6 (docs/security-constraints.yml).
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ..core.display import render
from . import diffs
from .model import ConvergenceRequest, iso

__all__ = ["render_report"]

_MAX_REQUESTS = 500
_STATUS_LABEL = {
    "drift": "drift",
    "clean": "clean",
    "unscannable": "unscannable",
    "failed": "check failed",
    "unreachable": "unreachable",
}
_CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#d9dde5; --bg:#f6f7f9; --drift:#c2410c; --drift-bg:#ffedd5;
  --clean:#15803d; --clean-bg:#dcfce7; --grey:#4b5563; --grey-bg:#e5e7eb; --bad:#b91c1c; --bad-bg:#fee2e2;
  --blue:#1d4ed8; --blue-bg:#dbeafe; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
  background: var(--bg); }
header, section, footer { max-width: 1400px; margin: 0 auto; padding: 16px 24px; }
h1 { font-size: 22px; margin: 8px 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; }
h3 { font-size: 15px; margin: 0; }
.meta { color: var(--muted); margin: 0; } code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, monospace;
  font-size: 12.5px; }
.tiles { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 12px; }
.tile { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 10px 16px; min-width: 130px; }
.tile b { display: block; font-size: 24px; } .tile span { color: var(--muted); }
.tile.drift b { color: var(--drift); } .tile.bad b { color: var(--bad); } .tile.grey b { color: var(--grey); }
.scroll { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; }
table { border-collapse: collapse; width: 100%; } table.grid { width: auto; }
th, td { border-bottom: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
table.grid th.task { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; max-height: 220px;
  font-weight: 500; padding: 8px 4px; }
table.grid td { text-align: center; padding: 4px; } table.grid th.host { white-space: nowrap; }
.badge { display: inline-block; border-radius: 999px; padding: 1px 9px; font-size: 12px; font-weight: 600;
  white-space: nowrap; text-decoration: none; }
.s-drift, .s-proposed { color: var(--drift); background: var(--drift-bg); }
.s-approval-requested { color: var(--blue); background: var(--blue-bg); }
.s-clean, .s-applied, .s-gone { color: var(--clean); background: var(--clean-bg); }
.s-unscannable, .s-superseded, .s-expired, .s-none { color: var(--grey); background: var(--grey-bg); }
.s-failed, .s-unreachable { color: var(--bad); background: var(--bad-bg); }
article { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
article.closed { opacity: .78; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 14px; margin: 8px 0; }
dt { color: var(--muted); } dd { margin: 0; }
pre.diff { background: var(--bg); border-radius: 6px; padding: 6px 10px; margin: 4px 0; white-space: pre-wrap;
  word-break: break-all; }
.add { color: var(--clean); } .del { color: var(--bad); }
details summary { cursor: pointer; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; }
footer { color: var(--muted); }
"""


def e(value: Any) -> str:
    """Escaped text (quotes too: values also go into attributes), rendered first as on a terminal (core/display.py):
    a bidirectional override or an invisible character shows as an escape, so the page says what the record holds."""
    return html.escape("" if value is None else render(value), quote=True)


def render_report(
    *,
    scan: Mapping[str, Any] | None,
    requests: Sequence[ConvergenceRequest],
    generated_at: datetime,
) -> str:
    """The page for one scan (its grid, unscannable tasks and errors) and the requests of its baseline."""
    baseline = (scan or {}).get("baseline") or (requests[0].baseline.as_dict() if requests else {})
    by_id = {r.id: r for r in requests}
    ordered = sorted(requests, key=lambda r: (not r.is_open, r.host, r.task_path, r.observed_at))[:_MAX_REQUESTS]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">",
        '<meta name="referrer" content="no-referrer">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>Drift report: {e(baseline.get('name', 'no scan yet'))}</title>",
        f"<style>{_CSS}</style></head><body>",
        _header(scan, baseline, requests, generated_at),
        _grid(scan, by_id, generated_at),
        _requests(ordered, generated_at),
        _unscannable(scan),
        _errors(scan),
        "<footer><p>Nothing was changed on any host by a scan. A convergence request is a proposal: it changes a host "
        "only through <code>praxis-gate drift converge ID</code>, which re-checks it and asks a human for an approval "
        "of exactly that task on exactly that host. What differs is summarised and redacted; no file body or module "
        "output is kept.</p></footer>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _header(scan: Mapping[str, Any] | None, baseline: Mapping[str, Any], requests: Sequence[ConvergenceRequest],
            now: datetime) -> str:  # fmt: skip
    counts = (scan or {}).get("counts") or {}
    open_count = sum(1 for r in requests if r.effective_state(now) in ("proposed", "approval-requested"))
    scanned = (
        f"scan <code>{e(scan.get('scan_id'))}</code> at {e(scan.get('started_at'))}"
        + (f", limited to <code>{e(scan.get('limit'))}</code>" if scan.get("limit") else "")
        if scan
        else "no scan recorded yet"
    )
    revision = f" · revision <code>{e(baseline.get('scm_revision'))}</code>" if baseline.get("scm_revision") else ""
    tiles = [
        ("hosts", counts.get("hosts", len({r.host for r in requests})), ""),
        ("drifted tasks", counts.get("drift", 0), "drift"),
        ("unscannable", counts.get("unscannable", 0), "grey"),
        ("errors", len((scan or {}).get("errors") or []), "bad"),
        ("open requests", open_count, "drift" if open_count else ""),
    ]  # fmt: skip
    tile_html = "".join(
        f'<div class="tile {cls}"><b>{e(n)}</b><span>{e(label)}</span></div>' for label, n, cls in tiles
    )
    return (
        "<header><h1>Drift report</h1>"
        f'<p class="meta">baseline <b>{e(baseline.get("name", "-"))}</b> · digest '
        f"<code>{e(str(baseline.get('digest', ''))[:16])}</code>{revision} · {scanned} · generated {e(iso(now))}</p>"
        f'<div class="tiles">{tile_html}</div></header>'
    )


def _grid(scan: Mapping[str, Any] | None, by_id: Mapping[str, ConvergenceRequest], now: datetime) -> str:
    cells: list[Mapping[str, Any]] = list((scan or {}).get("cells") or [])
    if not cells:
        return '<section id="grid"><h2>Hosts by tasks</h2><p class="empty">No scan to show.</p></section>'
    tasks: dict[str, str] = {}
    for cell in cells:
        tasks.setdefault(str(cell.get("task_path")), str(cell.get("task") or cell.get("task_path")))
    hosts = sorted({str(cell.get("host")) for cell in cells})
    at = {(str(c.get("host")), str(c.get("task_path"))): c for c in cells}
    head = "".join(f'<th class="task" title="{e(path)}">{e(name)}</th>' for path, name in tasks.items())
    rows = []
    for host in hosts:
        row = [f'<th class="host">{e(host)}</th>']
        for path in tasks:
            row.append(f"<td>{_cell(at.get((host, path)), by_id, now)}</td>")
        rows.append("<tr>" + "".join(row) + "</tr>")
    truncated = '<p class="empty">Only the first cells were kept.</p>' if (scan or {}).get("cells_truncated") else ""
    return (
        '<section id="grid"><h2>Hosts by tasks</h2><div class="scroll"><table class="grid">'
        f"<thead><tr><th>host</th>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{truncated}"
        '<p class="meta">Tasks that only read (facts, stat, debug) are left out. A drift cell links to its request '
        "and shows the request's state now.</p></section>"
    )


def _cell(cell: Mapping[str, Any] | None, by_id: Mapping[str, ConvergenceRequest], now: datetime) -> str:
    if cell is None:
        return '<span class="badge s-none" title="not run on this host">-</span>'
    status = str(cell.get("status"))
    note = str(cell.get("note") or "")
    request = by_id.get(str(cell.get("request"))) if cell.get("request") else None
    if request is not None:
        state = request.effective_state(now)
        return (f'<a class="badge s-{e(state)}" href="#{e(request.id)}" title="{e(diffs.describe(request.summary))}">'
                f"{e(state)}</a>")  # fmt: skip
    label = _STATUS_LABEL.get(status, status)
    return f'<span class="badge s-{e(status)}" title="{e(note)}">{e(label)}</span>'


def _requests(requests: Sequence[ConvergenceRequest], now: datetime) -> str:
    if not requests:
        return '<section id="requests"><h2>Convergence requests</h2><p class="empty">None.</p></section>'
    return (
        '<section id="requests"><h2>Convergence requests</h2>'
        + "".join(_request(r, now) for r in requests)
        + "</section>"
    )


def _request(request: ConvergenceRequest, now: datetime) -> str:
    state = request.effective_state(now)
    facts = [
        ("request", f"<code>{e(request.id)}</code>"),
        ("state", f'<span class="badge s-{e(state)}">{e(state)}</span> {e(request.state_reason)}'),
        ("action", f"<code>{e(request.action)}</code> ({e(request.tier)})"),
        ("task", f"{e(request.task_name)} <code>{e(request.task_path)}</code>"),
        ("since", e(iso(request.first_observed_at))),
        ("last observed", f"{e(iso(request.observed_at))} by scan <code>{e(request.scan)}</code>"),
        ("expires", e(iso(request.expires_at))),
    ]
    if request.approval_request:
        facts.append(("approval request", f"<code>{e(request.approval_request)}</code>"))
    if request.superseded_by:
        facts.append(("superseded by", f'<a href="#{e(request.superseded_by)}">{e(request.superseded_by)}</a>'))
    if request.outcome:
        facts.append(("outcome", f"{e(request.outcome.get('status'))} at {e(request.outcome.get('at'))}"))
    dl = "".join(f"<dt>{label}</dt><dd>{value}</dd>" for label, value in facts)
    history = "".join(
        f"<tr><td>{e(v.get('state'))}</td><td>{e(v.get('at'))}</td><td>{e(v.get('actor'))}</td>"
        f"<td>{e(v.get('reason'))}</td></tr>"
        for v in request.history
    )
    history_html = (
        f"<details><summary>history ({_versions(len(request.history))})</summary><table><thead><tr><th>state</th>"
        f"<th>recorded</th><th>by</th><th>why</th></tr></thead><tbody>{history}</tbody></table></details>"
        if request.history
        else ""
    )
    closed = "" if request.is_open and state != "expired" else " closed"
    return (
        f'<article id="{e(request.id)}" class="request{closed}"><h3>{e(request.host)} · {e(request.task_name)}</h3>'
        f"<dl>{dl}</dl><h4>What differs</h4>{_summary(request.summary)}{history_html}</article>"
    )


def _versions(count: int) -> str:
    return f"{count} version" + ("" if count == 1 else "s")


def _summary(summary: Iterable[Mapping[str, Any]]) -> str:
    parts = []
    for change in summary:
        where = f"<code>{e(change['path'])}</code>: " if change.get("path") else ""
        if change.get("attributes"):
            rows = "".join(
                f'<tr><td>{e(name)}</td><td><span class="del">{e(values[0])}</span> → '
                f'<span class="add">{e(values[1])}</span></td></tr>'
                for name, values in change["attributes"].items()
            )
            parts.append(f"<div>{where}<table>{rows}</table></div>")
        elif "added" in change:
            note = f" ({e(change['note'])})" if change.get("note") else ""
            lines = "".join(
                f'<span class="{"add" if str(line).startswith("+") else "del"}">{e(line)}</span>\n'
                for line in change.get("lines", [])
            )
            more = change["added"] + change["removed"] - len(change.get("lines", []))
            tail = f"<span>… {more} more changed line(s)</span>" if more > 0 else ""
            body = f'<pre class="diff">{lines}{tail}</pre>' if lines or tail else ""
            parts.append(f"<div>{where}+{e(change['added'])} -{e(change['removed'])} lines{note}{body}</div>")
        else:
            parts.append(f"<div>{where}{e(change.get('note', 'changes'))}</div>")
    return "".join(parts) or '<p class="empty">no summary</p>'


def _unscannable(scan: Mapping[str, Any] | None) -> str:
    cells = [c for c in (scan or {}).get("cells") or [] if c.get("status") == "unscannable"]
    if not scan:
        return ""
    if not cells:
        return (
            '<section id="unscannable"><h2>Unscannable</h2>'
            '<p class="empty">None: every task could be checked.</p></section>'
        )
    rows = "".join(
        f"<tr><td>{e(c.get('host'))}</td><td>{e(c.get('task'))}<br><code>{e(c.get('task_path'))}</code></td>"
        f"<td><code>{e(c.get('action'))}</code></td><td>{e(c.get('note'))}</td></tr>"
        for c in cells
    )
    return (
        '<section id="unscannable"><h2>Unscannable</h2><p class="meta">These tasks would really execute in check mode '
        "(or their module cannot check), so the scan did not run them and cannot say whether they drifted.</p>"
        '<div class="scroll"><table><thead><tr><th>host</th><th>task</th><th>action</th><th>why</th></tr></thead>'
        f"<tbody>{rows}</tbody></table></div></section>"
    )


def _errors(scan: Mapping[str, Any] | None) -> str:
    errors = list((scan or {}).get("errors") or [])
    if not errors:
        return ""
    items = "".join(f"<li>{e(error)}</li>" for error in errors[:200])
    return f'<section id="errors"><h2>Errors</h2><p class="meta">The scan is incomplete.</p><ul>{items}</ul></section>'
