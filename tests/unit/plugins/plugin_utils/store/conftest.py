# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the store suite: every store test runs on SQLite and on a real PostgreSQL server.

The PostgreSQL server is a private cluster in a temporary folder, listening only on a unix socket there (the port
number, picked free, only names the socket), one per xdist worker, torn down at the end. Tests run as root here and
initdb refuses root, so the cluster runs as the unprivileged ``postgres`` user that Debian's package creates.
If PostgreSQL is not installed the PostgreSQL tests FAIL: a skip would hide a missing install step in CI.
"""

from __future__ import annotations

import contextlib
import glob
import multiprocessing
import os
import pwd
import queue
import re
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.store import Store, open_postgres, open_sqlite

PG_USER = "praxis"
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_bindir() -> Path:
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent

    def major(path: str) -> int:
        match = re.search(r"/postgresql/(\d+)/", path)
        return int(match.group(1)) if match else 0

    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=major, reverse=True):
        if os.access(candidate, os.X_OK) and os.access(Path(candidate).with_name("pg_ctl"), os.X_OK):
            return Path(candidate).parent
    pytest.fail(
        "PostgreSQL server programs (initdb, pg_ctl) are not in PATH or /usr/lib/postgresql/*/bin: install Debian's "
        "`postgresql` package (.ci/run does). The PostgreSQL half of the store suite is required, not optional.",
        pytrace=False,
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class PgCluster:
    bindir: Path
    socket_dir: Path
    port: int
    startup_seconds: float

    def dsn(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={PG_USER} dbname={dbname}"

    def admin(self, sql: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn("postgres"), autocommit=True) as conn:
            conn.execute(sql)


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PgCluster]:
    bindir = _pg_bindir()
    run_as: dict[str, Any] = {}
    base = Path(tempfile.mkdtemp(prefix="praxis-pg-", dir="/tmp"))
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.fail("running as root, and there is no `postgres` user to run the test cluster as", pytrace=False)
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        os.chown(base, account.pw_uid, account.pw_gid)
    data, sockets, log = base / "data", base / "s", base / "server.log"
    sockets.mkdir()
    if run_as:
        os.chown(sockets, run_as["user"], run_as["group"])
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "LC_ALL": "C"}

    def run(argv: Sequence[str]) -> None:
        done = subprocess.run(
            list(argv), check=False, cwd=base, env=env, capture_output=True, text=True, timeout=120, **run_as
        )
        if done.returncode != 0:
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            pytest.fail(f"{argv[0]} failed ({done.returncode}): {done.stdout}{done.stderr}\n{tail}", pytrace=False)

    started = time.monotonic()
    run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            PG_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-locale",
            "--no-sync",
        ]
    )
    port = _free_port()
    options = (
        f"-p {port} -k {sockets} -c listen_addresses='' -c max_connections=150 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off"
    )
    run([str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options, "start"])
    cluster = PgCluster(bindir, sockets, port, time.monotonic() - started)
    try:
        yield cluster
    finally:
        subprocess.run(
            [str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
            cwd=base,
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
            **run_as,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_database(pg_cluster: PgCluster) -> Iterator[str]:
    """A new, empty database for one test; its DSN."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    pg_cluster.admin(f'CREATE DATABASE "{name}"')
    try:
        yield pg_cluster.dsn(name)
    finally:
        pg_cluster.admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Target:
    """Where a test's store lives, and a raw SQL door into it that bypasses the store's code entirely."""

    kind: str
    location: str  # SQLite: the file path; PostgreSQL: the DSN
    cluster: PgCluster | None = None

    @property
    def path(self) -> Path:
        return Path(self.location)

    def open(self, **kwargs: Any) -> Store:
        if self.kind == "sqlite":
            return open_sqlite(self.path, **kwargs)
        return open_postgres(self.location, **kwargs)

    def raw(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement on a fresh connection, autocommit. Driver errors propagate unchanged."""
        if self.kind == "sqlite":
            conn = sqlite3.connect(self.location, isolation_level=None)
            try:
                conn.execute("PRAGMA foreign_keys = ON")
                return conn.execute(sql, tuple(params)).fetchall()
            finally:
                conn.close()
        import psycopg

        with psycopg.connect(self.location, autocommit=True) as pg:
            cursor = pg.execute(sql.replace("?", "%s") if params else sql, tuple(params) or None)
            return [tuple(r) for r in cursor.fetchall()] if cursor.description else []

    @property
    def driver_error(self) -> type[Exception]:
        if self.kind == "sqlite":
            return sqlite3.Error
        import psycopg

        return psycopg.Error


@pytest.fixture(params=BACKENDS)
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Target:
    if request.param == "sqlite":
        state = tmp_path / "state"
        state.mkdir(mode=0o700)
        return Target("sqlite", str(state / "state.db"))
    cluster: PgCluster = request.getfixturevalue("pg_cluster")
    return Target("postgres", request.getfixturevalue("pg_database"), cluster)


@pytest.fixture
def store(target: Target) -> Iterator[Store]:
    opened = target.open()
    try:
        yield opened
    finally:
        with contextlib.suppress(Exception):
            opened.close()


# Fork, not spawn: the racing processes inherit the open test fixtures (a PostgreSQL cluster, keys) as they are.
FORK = multiprocessing.get_context("fork")


def race(target_fn: Any, args: list[tuple[Any, ...]], timeout: float) -> dict[int, Any]:
    """Start one process per argument tuple (each gets a results queue last and reports ``(index, outcome)``) and
    collect every report; a process that does not report within ``timeout`` fails the test."""
    results = FORK.Queue()
    processes = [FORK.Process(target=target_fn, args=(*a, results)) for a in args]
    for process in processes:
        process.start()
    collected: dict[int, Any] = {}
    try:
        for _process in processes:
            index, outcome = results.get(timeout=timeout)
            collected[index] = outcome
    except queue.Empty:
        pytest.fail(f"only {len(collected)} of {len(processes)} processes reported in {timeout}s")
    finally:
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.kill()
    return collected
