# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The egress step of the pipeline (SEC-7): URLs a task fetches, judged by the egress filter next to the deny list.

It lives in the pipeline because it joins two concerns that may not import each other: the policy's option table
says which options of a builtin module are URLs, and the egress package says which destinations are off limits.
Its findings are deny findings: first, in every mode, never approvable; the operator's egress allowlist lifts them.
"""

from __future__ import annotations

from ..egress.addresses import EgressPolicy
from ..egress.client import Resolver
from ..egress.rules import CONTROLLER_NAMES, URL_LOOKUPS, judge_url, option_urls
from ..policy import _modules, _options
from ..policy._commands import Finding
from .models import RequestKind, TaskRequest

__all__ = ["egress_findings", "fetched_urls", "on_controller"]


def on_controller(request: TaskRequest) -> bool:
    """Whether the request fetches from the controller's network: a local connection, a lookup, or a delegation
    to one of the controller's own names."""
    if request.runs_on_controller or request.kind is RequestKind.LOOKUP:
        return True
    return (request.delegate_to or "").strip().lower() in CONTROLLER_NAMES


def fetched_urls(request: TaskRequest) -> list[str]:
    """The URL texts a request will fetch (its options' URLs, a url lookup's terms)."""
    action = _modules.canonical_action(request.action)
    args = request.args
    if request.kind is RequestKind.LOOKUP:
        if action not in URL_LOOKUPS:
            return []
        terms = args.get("_terms", ())
        return [str(t) for t in (terms if isinstance(terms, list | tuple) else [terms])]
    if request.kind is not RequestKind.TASK and request.kind is not RequestKind.CHECK:
        return []
    table = _options.option_table(action)
    if table is None:
        urls = option_urls(action, args, None)
    elif _options.may_name_url(action, table):
        urls = option_urls(action, args, [str(k) for k in args if _options.option_kind(table, str(k)) == _options.URL])
    else:  # (no option of this module is a URL, whatever its name: nothing to collect)
        urls = []
    for sub_action, sub_args in request.sub_actions[:8]:
        sub_table = _options.option_table(_modules.canonical_action(sub_action))
        sub_names = (
            None
            if sub_table is None
            else [str(k) for k in sub_args if _options.option_kind(sub_table, str(k)) == _options.URL]
        )
        urls.extend(option_urls(sub_action, sub_args, sub_names))
    return urls


def egress_findings(request: TaskRequest, *, policy: EgressPolicy, resolver: Resolver) -> list[Finding]:
    """Deny findings for every URL the request would fetch from somewhere the filter refuses."""
    findings: list[Finding] = []
    urls = fetched_urls(request)
    if not urls:  # (most tasks fetch nothing)
        return findings
    controller = on_controller(request)
    for text in dict.fromkeys(urls):
        refusal = judge_url(text, on_controller=controller, policy=policy, resolver=resolver)
        if refusal is not None and Finding(refusal.rule, refusal.reason) not in findings:
            findings.append(Finding(refusal.rule, refusal.reason))
    return findings
