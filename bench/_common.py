# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared helpers for the benchmark harness: the machine, statistics, results files, the installed gate."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
BIN_DIR = Path(sys.executable).parent
PKG = "ansible_collections.praxis.gatekeeper.plugins.plugin_utils"

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))  # the integration tests' harness: one definition of the lab's parts

from tests.integration.harness import installed_collection, stale_install_files  # noqa: E402


def ensure_snapshot_env(argv: list[str], ref: str | None = None) -> None:
    """Re-run this program in a private venv holding a snapshot of the gate (this working tree, or a git ref).

    Why: the benchmark must measure one known version of the gate for its whole duration. The interpreter's own
    pip-installed copy is shared with everyone on the machine (test runs reinstall it), so a long benchmark could
    otherwise measure one version in its first rounds and another in its last. The venv (one per benchmark run, in
    /tmp, removed at the end) sees the interpreter's packages (ansible-core, ARA, the profilers) but has its own
    copy of praxis-gatekeeper, first on sys.path."""
    if os.environ.get("PRAXIS_BENCH_SNAPSHOT"):
        return
    venv = Path(tempfile.mkdtemp(prefix="pxb-venv-", dir="/tmp"))
    python = venv / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True)
    source_root = REPO_ROOT
    if ref:
        # A committed version, exactly: ``git archive`` of the ref, without the working tree's uncommitted edits.
        source_root = Path(tempfile.mkdtemp(prefix="pxb-src-"))
        archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", "--format=tar", ref], check=True,
                                 capture_output=True).stdout  # fmt: skip
        subprocess.run(["tar", "-x", "-C", str(source_root)], input=archive, check=True)
        commit = subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", ref], check=True, capture_output=True,
                                text=True).stdout.strip()  # fmt: skip
        os.environ["PRAXIS_BENCH_REF"] = f"{ref} ({commit})"
    log(f"installing {'git ' + ref if ref else 'this working tree'} into the benchmark venv {venv} (--no-deps)")
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", "--no-deps",
                    "--force-reinstall", str(source_root)], check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    for program in ("ansible-playbook", "ansible"):
        source = Path(sys.executable).parent / program
        if not source.is_file():
            source = Path(sys.base_prefix) / "bin" / program
        lines = source.read_text().splitlines(keepends=True)
        target = venv / "bin" / program
        target.write_text(f"#!{python}\n" + "".join(lines[1:]))
        target.chmod(0o755)
    env = {**os.environ, "PRAXIS_BENCH_SNAPSHOT": str(venv), "PRAXIS_BENCH_TREE_DIGEST": tree_digest(source_root)}
    if ref:
        shutil.rmtree(source_root, ignore_errors=True)
    os.execve(str(python), [str(python), *argv], env)


def tree_digest(root: Path = REPO_ROOT) -> str:
    """sha256 over the gate's source files in a source tree (plugins/ and boot/)."""
    digest = hashlib.sha256()
    for source in sorted([*(root / "plugins").rglob("*.py"), *(root / "boot").glob("*")]):
        if "__pycache__" in source.parts or not source.is_file():
            continue
        digest.update(str(source.relative_to(root)).encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def installed_digest() -> str:
    """The same digest over the copy this interpreter loads (it must equal tree_digest at the start)."""
    installed = installed_collection()
    if installed is None:
        return "not installed"
    digest = hashlib.sha256()
    boot_dir = installed.parents[2]
    files = [*(installed / "plugins").rglob("*.py"), boot_dir / "_praxis_gatekeeper_boot.py",
             boot_dir / "praxis_gatekeeper.pth"]  # fmt: skip
    for source in sorted(files, key=lambda f: str(f.relative_to(installed)) if installed in f.parents else
                         "boot/" + f.name):  # fmt: skip
        if "__pycache__" in source.parts or not source.is_file():
            continue
        name = str(source.relative_to(installed)) if installed in source.parents else "boot/" + source.name
        digest.update(name.encode() + b"\0" + source.read_bytes() + b"\0")
    return digest.hexdigest()


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ statistics
def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation): the value below which ``pct`` % of the samples lie."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), int(-(-pct * len(ordered) // 100))))
    return ordered[rank - 1]


def summary(values: Sequence[float]) -> dict[str, float]:
    if not values:
        return {}
    return {
        "n": len(values),
        "median": statistics.median(values),
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
    }


# ------------------------------------------------------------------------------------------------ the machine
def _first_line(command: Sequence[str]) -> str:
    try:
        done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired):
        return "?"
    text = (done.stdout or done.stderr).strip()
    return text.splitlines()[0] if text else "?"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"


def _fs_type(path: Path) -> str:
    best, kind = "", "?"
    try:
        for line in Path("/proc/mounts").read_text().splitlines():
            parts = line.split()
            if len(parts) > 2 and str(path).startswith(parts[1]) and len(parts[1]) > len(best):
                best, kind = parts[1], f"{parts[2]} on {parts[0]} (mounted at {parts[1]})"
    except OSError:
        pass
    return kind


def machine(state_root: Path | None = None) -> dict[str, Any]:
    import ansible  # noqa: F401  (version below)
    from ansible.release import __version__ as ansible_version

    mem = "?"
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem = line.split(":", 1)[1].strip()
    except OSError:
        pass
    info: dict[str, Any] = {
        "cpu_model": _cpu_model(),
        "cores_online": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "memory": mem,
        "kernel": platform.release(),
        "os": _os_release(),
        "python": platform.python_version(),
        "python_executable": sys.executable,
        "ansible_core": ansible_version,
        "openssh": _first_line(["ssh", "-V"]),
        "ara": _version("ara"),
        "django": _version("django"),
        "praxis_gatekeeper": _version("praxis-gatekeeper"),
        "git_commit": _first_line(["git", "-C", str(REPO_ROOT), "rev-parse", "HEAD"]),
        "git_dirty_files": _git_dirty(),
        "installed_copy_stale_files": stale_install_files(),
        "measured_copy": str(installed_collection()),
        "measured_source": os.environ.get(
            "PRAXIS_BENCH_REF",
            "working tree" if os.environ.get("PRAXIS_BENCH_SNAPSHOT") else "the interpreter's installed copy",
        ),
        "tree_digest_at_install": os.environ.get("PRAXIS_BENCH_TREE_DIGEST", tree_digest()),
        "measured_copy_digest": installed_digest(),
        "loadavg_at_start": _loadavg(),
    }
    if state_root is not None:
        info["state_dir_filesystem"] = _fs_type(state_root)
    return info


def _os_release() -> str:
    try:
        for line in Path("/etc/os-release").read_text().splitlines():
            if line.startswith("PRETTY_NAME="):
                return line.split("=", 1)[1].strip('"')
    except OSError:
        pass
    return platform.platform()


def _loadavg() -> str:
    try:
        return Path("/proc/loadavg").read_text().strip()
    except OSError:
        return "?"


def _version(dist: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git_dirty() -> list[str]:
    try:
        done = subprocess.run(
            ["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "plugins", "boot"],
            check=False, capture_output=True, text=True, timeout=30,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return ["?"]
    return [line[3:] for line in done.stdout.splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------------ results
def write_result(name: str, data: dict[str, Any], *, results_dir: Path = RESULTS_DIR) -> Path:
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    data = {"written": datetime.now(UTC).isoformat(timespec="seconds"), **data}
    path.write_text(json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")
    return path


def which(program: str) -> str | None:
    return shutil.which(program) or (f"/usr/sbin/{program}" if Path(f"/usr/sbin/{program}").exists() else None)


_SAFE = re.compile(r"[^A-Za-z0-9_.-]")


def safe_name(text: str) -> str:
    return _SAFE.sub("-", text)
