# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import json
import os
import subprocess
import sys
import statistics

W = """
import json, resource, subprocess, sys
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "cpu": u.ru_utime + u.ru_stime, "rss": u.ru_maxrss, "err": done.stderr.decode()[-500:]}))
"""
V = {
    "ungated": ("/work/wt-perf-startup/.venv", False),
    "gated": ("/work/wt-perf-startup/.venv", True),
    "gated_freeze": ("/tmp/pxs/venv-freeze", True),
}


def run(name, play):
    venv, gated = V[name]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANSIBLE_", "PRAXIS_"))}
    env.update(
        ANSIBLE_CONFIG="/tmp/pxs/e2e/ansible.cfg",
        ANSIBLE_LOCALHOST_WARNING="False",
        PRAXIS_PRINCIPAL="bench@e2e",
        ANSIBLE_PYTHON_INTERPRETER=f"{venv}/bin/python",
    )
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    if gated:
        env.update(
            PRAXIS_GATE="enforce", PRAXIS_STATE_DIR="/tmp/pxs/e2e/state", PRAXIS_POLICY="/tmp/pxs/e2e/policy.yml"
        )
    else:
        env.update(PRAXIS_STATE_DIR="/tmp/pxs/e2e/unarmed")
    out = subprocess.run(
        [
            f"{venv}/bin/python",
            "-c",
            W,
            f"{venv}/bin/python",
            f"{venv}/bin/ansible-playbook",
            "-i",
            "localhost,",
            "-c",
            "local",
            play,
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd="/tmp/pxs/e2e",
        check=False,
    )
    r = json.loads(out.stdout.strip().splitlines()[-1])
    assert r["rc"] == 0, r
    return r


play = "/tmp/pxs/play.yml"
names = list(V)
for n in names:
    run(n, play)
res = {n: [] for n in names}
rounds = int(sys.argv[1])
for i in range(rounds):
    order = names[i % 3 :] + names[: i % 3]
    for n in order:
        res[n].append(run(n, play))
print(json.dumps({n: [r["cpu"] for r in v] for n, v in res.items()}))
for n, v in res.items():
    cpu = sorted(r["cpu"] * 1000 for r in v)
    print(
        f"{n:14} CPU best {cpu[0]:.0f} ms, median {statistics.median(cpu):.0f} ms, peak RSS median {statistics.median(r['rss'] for r in v) / 1024:.1f} MiB"
    )
