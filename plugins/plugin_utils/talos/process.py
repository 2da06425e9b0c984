# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Isolated subprocesses: how every program the collection starts on the controller runs (talosctl, and any later).

What isolation means here, and why each part:

* never a shell: the argv is a list handed to ``execve``; there is no text for a shell to reinterpret;
* its own session and process group: the program cannot read the controller's terminal, and everything it starts
  can be found and killed as one group (a program that forks helpers leaves none behind);
* the whole group killed (SIGKILL) when the emergency stop trips (checked every ``poll`` seconds), on timeout,
  and after the program exits (stragglers holding its pipes);
* stdin from /dev/null: nothing can wait for input that never comes, nor read the controller's;
* an allowlisted environment: cloud credentials, proxies and agent sockets of the controller stay out unless the
  operator names them;
* bounded output: at most ``max_output`` bytes of each stream are kept (the rest is read, counted and dropped, so
  the program never blocks on a full pipe).

Security constraints: SEC-8 (docs/security-constraints.yml).
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BASE_ENVIRONMENT", "Completed", "isolated_environment", "run_isolated"]

# What every isolated program may see of the controller's environment; operators add names (PRAXIS_TALOS_ENV).
BASE_ENVIRONMENT = ("PATH", "HOME", "LANG", "TALOSCONFIG", "KUBECONFIG")
_READ_SIZE = 65536


class Ended:
    """How a run ended."""

    EXITED = "exited"
    TIMEOUT = "timeout"
    STOPPED = "stopped"  # the emergency stop tripped


@dataclass(frozen=True, slots=True)
class Completed:
    """What an isolated run produced. ``returncode`` is the program's (negative: killed by that signal)."""

    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    stdout_total: int  # bytes the program wrote, kept or not
    stderr_total: int
    ended: str
    seconds: float

    @property
    def truncated(self) -> bool:
        return self.stdout_total > len(self.stdout) or self.stderr_total > len(self.stderr)


def isolated_environment(source: Mapping[str, str], *, allow: Iterable[str] = ()) -> dict[str, str]:
    """Only the allowlisted names of ``source`` (the base list plus ``allow``), with their values unchanged."""
    names = set(BASE_ENVIRONMENT) | set(allow)
    return {name: value for name, value in source.items() if name in names}


def run_isolated(
    argv: Sequence[str],
    *,
    env: Mapping[str, str],
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
    max_output: int = 1024 * 1024,
    stop: Callable[[], bool] | None = None,
    poll: float = 0.05,
    clock: Callable[[], float] = time.monotonic,
) -> Completed:
    """Run ``argv`` isolated (see the module docstring) and return what it produced; never leaves a process.

    ``stop`` is asked every ``poll`` seconds (and before the program starts): True kills the whole group at once.
    ``timeout`` counts from the start; reaching it kills the whole group too. Raises ValueError for an argv that
    is not a non-empty list of strings (a string would be one program name, not a command line) and OSError when
    the program cannot be started."""
    if isinstance(argv, str | bytes) or not argv or not all(isinstance(word, str) for word in argv):
        raise ValueError("an isolated program takes an argv: a non-empty list of strings, never a command line")
    words = tuple(argv)
    started = clock()
    if stop is not None and stop():
        return Completed(words, -signal.SIGKILL, b"", b"", 0, 0, Ended.STOPPED, 0.0)
    process = subprocess.Popen(
        list(words),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=dict(env),
        cwd=Path(cwd) if cwd is not None else None,
        start_new_session=True,
        close_fds=True,
        shell=False,
    )
    group = process.pid  # a new session's leader leads its own process group
    captured = _Capture(process, max_output)
    ended = Ended.EXITED
    try:
        while True:
            captured.read(poll)
            if stop is not None and stop():
                ended = Ended.STOPPED
                break
            if clock() - started > timeout:
                ended = Ended.TIMEOUT
                break
            if _exited(process.pid):
                break
    finally:
        # The group dies while its leader is still unreaped (a zombie keeps the group id from being reused), then
        # whatever the pipes still hold is read, and the leader is reaped.
        _kill_group(group)
        captured.drain()
        process.wait()
    return Completed(
        words, process.returncode, bytes(captured.stdout), bytes(captured.stderr), captured.totals[0],
        captured.totals[1], ended, clock() - started,
    )  # fmt: skip


def _exited(pid: int) -> bool:
    """Whether the process has exited, without reaping it."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _kill_group(group: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGKILL)


class _Capture:
    """Both output pipes, read without blocking; keeps the first ``limit`` bytes of each."""

    def __init__(self, process: subprocess.Popen[bytes], limit: int) -> None:
        self.limit = limit
        self.stdout = bytearray()
        self.stderr = bytearray()
        self.totals = [0, 0]
        self.selector = selectors.DefaultSelector()
        for index, pipe in enumerate((process.stdout, process.stderr)):
            if pipe is None:  # Popen was given PIPE for both: never None, but python -O must not hide it
                raise RuntimeError("talosctl was started without its output pipes")
            os.set_blocking(pipe.fileno(), False)
            self.selector.register(pipe, selectors.EVENT_READ, index)

    def read(self, wait: float) -> None:
        if not self.selector.get_map():
            time.sleep(wait)
            return
        for key, _events in self.selector.select(wait):
            self._read_one(key)

    def drain(self, wait: float = 1.0) -> None:
        """After the group is dead: read what is left until every pipe reports its end (bounded by ``wait``)."""
        deadline = time.monotonic() + wait
        while self.selector.get_map() and time.monotonic() < deadline:
            self.read(0.05)
        for key in list(self.selector.get_map().values()):
            self.selector.unregister(key.fileobj)
            key.fileobj.close()  # type: ignore[union-attr]
        self.selector.close()

    def _read_one(self, key: selectors.SelectorKey) -> None:
        pipe = key.fileobj
        try:
            chunk = os.read(pipe.fileno(), _READ_SIZE)  # type: ignore[union-attr]
        except BlockingIOError:
            return
        if not chunk:
            self.selector.unregister(pipe)
            pipe.close()  # type: ignore[union-attr]
            return
        index = key.data
        self.totals[index] += len(chunk)
        kept = self.stdout if index == 0 else self.stderr
        room = self.limit - len(kept)
        if room > 0:
            kept.extend(chunk[:room])
