# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Wheel build hook: the collection inside the wheel is the Galaxy artifact, byte for byte.

``ansible-galaxy collection build`` decides what the collection holds (galaxy.yml ``build_ignore``) and writes
MANIFEST.json and FILES.json, the checksums that ``ansible-galaxy collection verify`` checks. Building the wheel's
``ansible_collections/praxis/gatekeeper`` from that tarball, rather than from a second list of directories, keeps
one definition of the collection's content, and a pip install verifiable like a Galaxy one. ansible-core is a build
requirement for that (pyproject.toml); ``ansible-galaxy`` is a program the start-up hook never arms.

One addition to the Galaxy artifact: FILES.json also lists a ``__pycache__`` directory beside every Python file, and
MANIFEST.json the new checksum of FILES.json. pip compiles bytecode there at install time (and Python whenever it
imports the runner), and ``collection verify`` ignores ``*.pyc`` files but reports any directory FILES.json does
not list; without the entries every pip install would look tampered with.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface

_DESTINATION = "ansible_collections/praxis/gatekeeper"


class CollectionBuildHook(BuildHookInterface):  # type: ignore[type-arg]
    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if self.target_name != "wheel":
            return
        self._scratch = Path(tempfile.mkdtemp(prefix="praxis-collection-"))
        galaxy = shutil.which("ansible-galaxy", path=os.path.dirname(sys.executable)) or shutil.which("ansible-galaxy")
        if galaxy is None:
            raise RuntimeError("building the wheel needs ansible-galaxy (ansible-core is a build requirement)")
        built = subprocess.run(
            [galaxy, "collection", "build", "--force", "--output-path", str(self._scratch), self.root],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if built.returncode != 0:
            raise RuntimeError(f"ansible-galaxy collection build failed: {built.stdout}{built.stderr}")
        tarball = next(self._scratch.glob("praxis-gatekeeper-*.tar.gz"))
        content = self._scratch / "collection"
        with tarfile.open(tarball) as archive:
            archive.extractall(content, filter="data")
        _expect_bytecode_caches(content)
        build_data["force_include"][str(content)] = _DESTINATION

    def finalize(self, version: str, build_data: dict[str, Any], artifact_path: str) -> None:
        scratch = getattr(self, "_scratch", None)
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)


def _expect_bytecode_caches(collection: Path) -> None:
    files_json = collection / "FILES.json"
    manifest = json.loads(files_json.read_text(encoding="utf-8"))
    listed = {entry["name"] for entry in manifest["files"]}
    sources = {Path(entry["name"]).parent for entry in manifest["files"] if entry["name"].endswith(".py")}
    caches = sorted({str(directory / "__pycache__") for directory in sources} - listed)
    manifest["files"].extend(
        {"name": name, "ftype": "dir", "chksum_type": None, "chksum_sha256": None, "format": 1} for name in caches
    )
    files_json.write_text(json.dumps(manifest, indent=4), encoding="utf-8")
    manifest_json = collection / "MANIFEST.json"
    info = json.loads(manifest_json.read_text(encoding="utf-8"))
    info["file_manifest_file"]["chksum_sha256"] = hashlib.sha256(files_json.read_bytes()).hexdigest()
    manifest_json.write_text(json.dumps(info, indent=4), encoding="utf-8")
