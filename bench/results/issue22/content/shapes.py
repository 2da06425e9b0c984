# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import sys
import time
import json

tree = sys.argv[1]
sys.path.insert(0, {"base": "/tmp/pc/base", "cur": "/tmp/pc/cur"}[tree])
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.policy import _commands

n = 1500
shapes = {
    "ini (bench)": "".join(f"setting_{i} = value {i} # comment for line {i}\n" for i in range(n)),
    "json": json.dumps({f"key_{i}": {"name": f"value {i}", "list": [i, i + 1]} for i in range(n)}, indent=2),
    "yaml with 'quotes'": "".join(f"key_{i}: 'value {i}'  # note\n" for i in range(n)),
    "nginx (; and {})": "".join(f"location /p{i} {{ proxy_pass http://b{i}; }}\n" for i in range(n)),
    "xml (<>)": "".join(f'<item id="{i}">value {i}</item>\n' for i in range(n)),
    "prose": "".join(f"Line {i}: the quick brown fox jumps over the lazy dog, then rests.\n" for i in range(n)),
}
for name, text in shapes.items():
    _commands.deny_findings(text)
    k = 3 if tree == "base" else 20
    t = time.thread_time_ns()
    for _ in range(k):
        f = _commands.deny_findings(text)
    print(
        f"{tree} {name:22s} {len(text):6d} chars  {(time.thread_time_ns() - t) / k / 1e3:9.1f} us  findings={len(f)}"
        f" precheck={_commands._long_text_clean(text) if tree == 'cur' else '-'}"
    )
