# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Warm, in the controller, what a worker's first decision for an action would otherwise build (issue 22, item 2).

Why: ansible-core forks one worker per task and host from the controller, and each worker exits after its one task.
What the policy builds on first use (the shell analyser's modules and tables, caches filled by a first evaluation,
the interpreter's specialised bytecode of the evaluation path), a controller that never evaluated anything leaves to
be built again in every worker, once per task and host, and thrown away with it. Evaluating one request per action
in the controller, just before the strategy queues the first worker for it, builds those once per run; the
workers, forked later, inherit them. Measured with bench/pertask.py.

Recording, once per run: every worker builds, serialises and hashes a decision and an outcome record. The gate
builds the same two records for the first task a few times over and has the audit writer serialise and hash them
without writing anything (``Gate.rehearse_records``), so that the interpreter has specialised that code before the
workers fork instead of in each of them (about 0.15 ms and 30 page faults per worker, bench/results/issue22/pertask2).

Templating, once per run: building a request templates the task's interpreter variables (adapter/requests.py),
and ansible-core builds its Jinja lexer (a handful of regular expressions, about 1 ms) and runs its template
compiler for the first time in whichever process templates first. A controller that templated nothing before its
first fork (a play whose tasks name no variables in the controller) leaves that to every worker, and a worker whose
task's arguments hold no template pays it inside the gate's request building. One constant template, rendered with
no variables at all, builds both in the controller. ansible-core's own templating in the workers uses the same
lexer (its source notes the same missed optimisation), so gated runs also save some of ansible-core's own cost.

The store, once per run: a task whose worker will use the store (an approval item or a --check plan entry for T2
and above, every task of an agent session) imported the store's driver in that worker; psycopg alone costs about
140 ms of CPU in a fresh process. The tier of each task, evaluated once per task (not per host) until every seam has
loaded what it can, goes to the pipeline's seams (``Gate.warm_seams``), and a seam that will need the store for
such a task loads its modules now (``store.warm``).

The warm-up decides nothing and changes nothing: it runs the policy's classification and the argument redaction
(pure functions of the request and the ruleset) on the task's arguments as written, untemplated, and discards the
result; the template it renders is a constant of this module, with no variables, so no lookup, filter or value of
the play runs. No gate decision, no pipeline stage's decision, no egress check, no audit record, no store opened
(modules imported only): nothing is recorded, resolved or asked for. Every error is swallowed. The worker still
takes the whole decision, on exactly what runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from ..core.models import TaskRequest
from ..policy.evaluate import evaluate
from ..policy.redact import redact

if TYPE_CHECKING:
    from ..core.gate import Gate

__all__ = ["warm", "warmed"]

# Actions warmed in this process. Bounded: a run with more distinct actions than this warms its first ones only.
_WARMED: set[str] = set()
_MAX_ACTIONS = 256
# Tasks whose tier went to the seams (``Gate.warm_seams``), and whether every seam has loaded all it can. Bounded: a
# run with more tasks than this gives the seams the first ones' tiers (and each action's first) only.
_TIERED: set[str] = set()
_MAX_TASKS = 4096
_SEAMS_WARM: list[bool] = [False]
# A constant template (no variables, no lookup, no filter of the play's): rendering it builds the lexer and runs the
# template compiler once. Whether templating was warmed in this process (once per run).
_WARM_TEMPLATE = "{{ 'praxis-warm-up' }}"
_TEMPLATING: list[bool] = [False]


def warm(gate: Gate, task: Any) -> None:
    """Evaluate ``task`` (an ansible-core Task about to be queued) once per action name in this process, for what
    the evaluation builds and caches, and once per task while a seam may still load something for its tier; never
    raises, never records."""
    first = not _TEMPLATING[0]
    if first:
        _TEMPLATING[0] = True
        _warm_templating()
    try:
        action = str(task.action)
        new_action = action not in _WARMED and len(_WARMED) < _MAX_ACTIONS
        if not (_new_task_for_the_seams(task) or new_action):
            return
        if new_action:
            _WARMED.add(action)
        args = task.args
        request = TaskRequest(
            action=action,
            args=dict(args) if isinstance(args, Mapping) else {},
            host="localhost",
            connection="ansible.builtin.local",
        )
        if first:
            gate.rehearse_records(request)
        evaluation = evaluate(
            request,
            ruleset=gate.ruleset,
            protected_paths=gate.protected_paths,
            trusted_interpreters=gate.trusted_interpreters,
        )
        if new_action:
            redact(request.args)
        if gate.warm_seams(evaluation.tier):
            _SEAMS_WARM[0] = True
    except Exception:  # a warm-up that fails only leaves the worker to build it
        return


def _new_task_for_the_seams(task: Any) -> bool:
    """True the first time a task (by ansible-core's task uuid, not per host) is queued while a seam may still load
    something: tasks of one action differ in tier (``command: uptime`` then ``command: touch ...``), and the seams
    load what a tier needs, so each task's tier is given to them once until they have loaded everything."""
    if _SEAMS_WARM[0]:
        return False
    uuid = getattr(task, "_uuid", None)
    if not isinstance(uuid, str) or not uuid or uuid in _TIERED or len(_TIERED) >= _MAX_TASKS:
        return False
    _TIERED.add(uuid)
    return True


def _warm_templating() -> None:
    """Render the constant template once in this process, with no variables; never raises."""
    try:
        from ansible._internal._datatag._tags import TrustedAsTemplate  # noqa: PLC0415 - the controller, once
        from ansible.template import Templar  # noqa: PLC0415

        Templar(variables={}).template(TrustedAsTemplate().tag(_WARM_TEMPLATE))
    except Exception:  # a warm-up that fails only leaves the workers to build it
        return


def warmed() -> frozenset[str]:
    """The actions warmed in this process (tests, the benchmark's probe)."""
    return frozenset(_WARMED)
