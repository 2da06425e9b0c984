# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Agent sessions: the "lethal trifecta" latch, budgets and scoped grants, and the two doors agents use to run
Ansible (an ansible-runner wrapper and an MCP server over stdio).

``config`` (the operator's agent settings: project roots, default budgets, output bounds), ``sessions`` (session
state in the store: latch, budget usage, grants, as bitemporal facts), ``trifecta`` (which outcomes are host output,
which reads are sensitive, which arguments derive from host output; pure), ``seam`` (the pipeline stage that
applies all of it to agent-session requests), ``runner`` (the ansible-runner entry point: confined playbooks,
forced gate settings, in-memory secrets, the emergency stop as cancel callback), ``results`` (the structured result
an agent receives), ``_processes`` (ending a run's whole process tree) and ``mcp`` (the MCP server; the ``mcp`` SDK
is imported only when it starts).

May import the core foundation and interfaces and every concern package (policy, audit, store, approvals); never
the pipeline (``core.gate``), the cli or Ansible: the CLI hands the server what it needs from the pipeline.
"""
