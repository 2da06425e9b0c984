# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""SEC-7 in the source: nothing in the collection opens a network listener, and every outbound connection is made
by the egress filter's client.

Read from the syntax tree of every Python file the collection ships (plugins/, boot/), imports inside functions
included. The running counterpart is tests/integration/test_egress.py::
test_nothing_a_gated_run_starts_opens_a_network_listener, which watches every process of a real gated run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = [ROOT / "plugins", ROOT / "boot"]

# Modules and calls that accept connections.
LISTENER_MODULES = frozenset({"socketserver", "http.server", "xmlrpc.server", "wsgiref.simple_server", "aiohttp.web"})
LISTENER_CALLS = frozenset({"listen", "accept", "start_server", "create_server", "start_unix_server", "serve_forever"})
# Modules that open outbound connections: only the egress client may use them (the TSA's direct transport stays
# for callers that pass none; the gate passes the filter's, tested in test_the_tsa_is_reached_through_the_filter).
# The client is two modules: client.py checks and pins a URL, _http.py (loaded by the first request) connects.
OUTBOUND_MODULES = frozenset({"socket", "http.client", "urllib.request", "requests", "httpx", "urllib3", "aiohttp"})
OUTBOUND_ALLOWED = frozenset(
    {
        "plugins/plugin_utils/egress/client.py",
        "plugins/plugin_utils/egress/_http.py",
        "plugins/plugin_utils/audit/timestamps.py",
    }
)
# Local (non-network) uses of the socket module that are not connections: the host name for the principal.
SOCKET_HARMLESS = frozenset({"gethostname", "getfqdn"})


def _sources() -> Iterator[tuple[str, ast.Module]]:
    for base in SHIPPED:
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" not in path.parts:
                yield str(path.relative_to(ROOT)), ast.parse(path.read_text(encoding="utf-8"))


def listener_findings(name: str, tree: ast.Module) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno} imports {a.name}" for a in node.names if a.name in LISTENER_MODULES]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in LISTENER_MODULES:
            found.append(f"{name}:{node.lineno} imports from {node.module}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in LISTENER_CALLS:
            found.append(f"{name}:{node.lineno} calls .{node.func.attr}()")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "bind":
            found.append(f"{name}:{node.lineno} binds a socket")
    return found


def outbound_findings(name: str, tree: ast.Module) -> list[str]:
    if name in OUTBOUND_ALLOWED:
        return []
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [f"{name}:{node.lineno} imports {a.name}" for a in node.names if a.name in OUTBOUND_MODULES]
        elif (
            isinstance(node, ast.ImportFrom)
            and node.level == 0  # "from .requests import ..." is a module of this collection, not the library
            and node.module in OUTBOUND_MODULES
            and not (node.module == "socket" and all(a.name in SOCKET_HARMLESS for a in node.names))
        ):
            found.append(f"{name}:{node.lineno} imports from {node.module}")
    if any(f.endswith("imports socket") for f in found):
        uses = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name)
                and n.value.id == "socket"}  # fmt: skip
        if uses <= SOCKET_HARMLESS:
            found = [f for f in found if not f.endswith("imports socket")]
    return found


def test_nothing_in_the_collection_opens_a_listener() -> None:
    sources = list(_sources())
    assert len(sources) > 60, "the collection's sources were not found"
    findings = [f for name, tree in sources for f in listener_findings(name, tree)]
    assert findings == [], findings


def test_every_outbound_connection_is_made_by_the_egress_client() -> None:
    findings = [f for name, tree in _sources() for f in outbound_findings(name, tree)]
    assert findings == [], findings


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import socketserver\n", "imports socketserver"),
        ("from http.server import HTTPServer\n", "imports from http.server"),
        ("def f(s):\n    s.listen(5)\n", "calls .listen()"),
        ("def f(s):\n    s.bind(('0.0.0.0', 80))\n", "binds a socket"),
        ("import asyncio\nasync def f():\n    await asyncio.start_server(None, port=1)\n", "calls .start_server()"),
        ("def f(loop):\n    loop.create_server(None)\n", "calls .create_server()"),
    ],
)
def test_the_listener_check_catches(source: str, expected: str) -> None:
    assert any(expected in f for f in listener_findings("x.py", ast.parse(source)))


@pytest.mark.parametrize(
    "source",
    [
        "import urllib.request\n",
        "import http.client\n",
        "import socket\ndef f():\n    socket.create_connection(('h', 1))\n",
        "from socket import create_connection\n",
        "def f():\n    import requests\n",
    ],
)
def test_the_outbound_check_catches(source: str) -> None:
    assert outbound_findings("plugins/plugin_utils/cli/x.py", ast.parse(source))


def test_the_outbound_check_lets_a_host_name_through() -> None:
    source = "import socket\ndef f():\n    return socket.gethostname()\n"
    assert outbound_findings("plugins/plugin_utils/core/settings.py", ast.parse(source)) == []


def test_a_relative_import_of_a_module_of_the_same_name_is_no_outbound_library() -> None:
    source = "from .requests import read_option\nfrom ..socketserver import x\n"
    assert outbound_findings("plugins/plugin_utils/adapter/x.py", ast.parse(source)) == []
    assert listener_findings("plugins/plugin_utils/adapter/x.py", ast.parse(source)) == []
    assert outbound_findings("plugins/plugin_utils/adapter/x.py", ast.parse("from requests import get\n"))
