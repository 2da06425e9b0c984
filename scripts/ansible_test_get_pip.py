# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for ansible-test's get-pip bootstrap script.

Why: ``ansible-test sanity --venv`` creates each test's virtual environment without pip and downloads a get-pip
script from ci-files.testing.ansible.com to bootstrap it, unless one is cached at
``~/.ansible/test/cache/get_pip_<version>.py``. That host is not reachable from every machine that runs the tests;
the package registry is. scripts/sanity copies this file to that cache name under a HOME of the project's own (never
the user's), so the bootstrap uses the standard library's ``ensurepip`` and then pip installs what ansible-test
asked for (the pip version it pins and its test requirements) from the configured registry.

ansible-test passes ``--no-setuptools``/``--no-wheel``, which only get-pip understands: they are dropped (pip
installs neither unless asked). ``ensurepip`` points ``PIP_CONFIG_FILE`` at /dev/null for its own run; the
environment handed on drops it, so the registry's configuration (/etc/pip.conf, the user's pip.conf) applies.
"""

import os
import subprocess
import sys

GET_PIP_ONLY = ("--no-setuptools", "--no-wheel")


def main() -> None:
    env = dict(os.environ)
    env.pop("PIP_CONFIG_FILE", None)
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], env=env, check=True)
    pip_args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY]
    if pip_args:
        subprocess.run([sys.executable, "-m", "pip", "install", *pip_args], env=env, check=True)


if __name__ == "__main__":
    main()
