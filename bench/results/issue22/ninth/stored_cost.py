# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deny scan of a data string (``_value_commands.data_findings``) over 64 KiB texts: the content formats of
the seventh and eighth sessions and shell scripts that store text (redirections, heredocs). Run it once per tree,
interleaved: ``python stored_cost.py SHIM`` where SHIM holds ``ansible_collections/praxis/gatekeeper`` -> a
checkout. Benchmark code only."""

import importlib
import sys
import time

sys.path.insert(0, sys.argv[1])
value_commands = importlib.import_module(
    "ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy._value_commands"
)

LINES = 1500
SHAPES = {
    "ini (bench)": "".join(f"setting_{i} = value {i} # comment for line {i}\n" for i in range(LINES)),
    "yaml with 'quotes'": "".join(f"key_{i}: 'value {i}'  # note\n" for i in range(LINES)),
    "xml (<>)": "".join(f'<item id="{i}">value {i}</item>\n' for i in range(LINES)),
    "sql": "".join(f"INSERT INTO t VALUES ({i}, 'name {i}');\n" for i in range(LINES)),
    "sh: echo > file": "#!/bin/sh\n"
    + "".join(f"echo 'setting_{i} = value {i}' >> /etc/app/app.conf\n" for i in range(LINES)),
    "sh: heredocs": "#!/bin/sh\n"
    + "".join(f"cat > /etc/app/conf.d/{i}.conf <<'EOF'\n[section]\nkey = value {i}\nEOF\n" for i in range(LINES // 3)),
    "sh: one big heredoc": "#!/bin/sh\ncat > /etc/app/app.conf <<'EOF'\n"
    + "".join(f"setting_{i} = value {i} # c\n" for i in range(LINES))
    + "EOF\n",
}
ROUNDS = 5

for name, text in SHAPES.items():
    value_commands.data_findings(text)
    samples = []
    findings = []
    for _repeat in range(ROUNDS):
        start = time.thread_time_ns()
        findings = value_commands.data_findings(text)
        samples.append(time.thread_time_ns() - start)
    samples.sort()
    median_ms = samples[ROUNDS // 2] / 1e6
    print(f"{name:22s} {len(text):6d} chars median {median_ms:8.2f} ms findings={len(findings)}")
