# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prototype measurement (issue 22, item 2): what a freshly forked worker pays to decide a task and record its
outcome itself, against asking one warm decision process over a socketpair (pickled request and decision).

Not the gate's code: a measurement of whether a decision process would remove the per-fork cost. The controller
is warmed as the run's warm-up would warm it, ``gc.freeze()`` runs before forking as arming does, and each of 200
fresh forks per round decides one ``lineinfile`` request and records its outcome, either in the fork or through the
decision process. Printed per round: the fork's CPU (median, mean) and minor faults, and the decision process's CPU
per request.

    python proto.py TREE
"""

import gc
import json
import os
import pickle
import resource
import shutil
import socket
import sys
import tempfile
from pathlib import Path

TREE = Path(sys.argv[1]).resolve()
SHIM = Path(tempfile.mkdtemp(prefix="srvshim-"))
(SHIM / "ansible_collections" / "praxis").mkdir(parents=True)
(SHIM / "ansible_collections" / "praxis" / "gatekeeper").symlink_to(TREE)
sys.path.insert(0, str(SHIM))

# pylint: disable=wrong-import-position
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import gate as gate_mod  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import models  # noqa: E402
from ansible_collections.praxis.gatekeeper.plugins.plugin_utils.core import settings as settings_mod  # noqa: E402

STATE = Path(tempfile.mkdtemp(prefix="srv-"))
ENV = {
    "PRAXIS_STATE_DIR": str(STATE / "state"),
    "PRAXIS_MODE": "guarded",
    "PRAXIS_POLICY": str(TREE / "bench/playbook/policy.yml"),
    "HOME": "/root",
    "PRAXIS_PRINCIPAL": "bench@localhost",
}
GATE = gate_mod.Gate.from_settings(settings_mod.load_settings(ENV, cwd=str(STATE), cfg=None))
GATE.audit.prepare()
GATE.audit.watch()
PARENT = os.getpid()


def request(index: int) -> object:
    return models.TaskRequest(
        action="ansible.builtin.lineinfile",
        args={"path": f"/srv/app{index % 4}/conf/app.conf", "line": "max_conn=100"},
        host=f"host{index % 4}",
        connection="ansible.builtin.ssh",
        task_name="Connection limit",
        run_id=GATE.run_id,
    )


def serve(channel: socket.socket) -> None:
    while True:
        data = channel.recv(1 << 20)
        if not data:
            os._exit(0)
        kind, payload = pickle.loads(data)
        if kind == "decide":
            channel.send(pickle.dumps(GATE.decide(payload)))
        elif kind == "outcome":
            decision, output, host, action = payload
            GATE.record_outcome(decision, status="ok", output=output, host=host, action=action)
            channel.send(b"ok")
        else:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            channel.send(pickle.dumps(usage.ru_utime + usage.ru_stime))


def work(mode: str, index: int, channel: socket.socket) -> None:
    task = request(index)
    if mode == "local":
        decision = GATE.decide(task)
        GATE.record_outcome(decision, status="ok", output=b'{"changed": true}', host=task.host, action=task.action)
        return
    channel.send(pickle.dumps(("decide", task)))
    decision = pickle.loads(channel.recv(1 << 20))
    channel.send(pickle.dumps(("outcome", (decision, b'{"changed": true}', task.host, task.action))))
    channel.recv(16)


def forks(mode: str, count: int, channel: socket.socket) -> tuple[float, float, int]:
    cpu: list[float] = []
    faults: list[int] = []
    for index in range(count):
        read_end, write_end = os.pipe()
        child = os.fork()
        if child == 0:
            os.close(read_end)
            before = resource.getrusage(resource.RUSAGE_SELF)
            work(mode, index, channel)
            after = resource.getrusage(resource.RUSAGE_SELF)
            spent = (after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime) * 1000
            os.write(write_end, json.dumps([spent, after.ru_minflt - before.ru_minflt]).encode())
            os._exit(0)
        os.close(write_end)
        data = os.read(read_end, 200)
        os.close(read_end)
        os.waitpid(child, 0)
        spent, faulted = json.loads(data)
        cpu.append(spent)
        faults.append(faulted)
    cpu.sort()
    faults.sort()
    return cpu[len(cpu) // 2], sum(cpu) / len(cpu), faults[len(faults) // 2]


def main() -> None:
    for index in range(50):  # the controller warmed as the run's warm-up warms it
        GATE.decide(request(index))
    gc.freeze()
    client, server = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    decider = os.fork()
    if decider == 0:
        client.close()
        serve(server)
    server.close()

    def server_cpu() -> float:
        client.send(pickle.dumps(("cpu", None)))
        value: float = pickle.loads(client.recv(100))
        return value

    for _round in range(3):
        for mode in ("local", "server"):
            before = server_cpu()
            median, mean, faults = forks(mode, 200, client)
            per_request = (server_cpu() - before) / 200 * 1000
            print(f"{mode:7s} fork CPU median {median:.3f} ms, mean {mean:.3f} ms, faults {faults}; "
                  f"decision process CPU per request {per_request:.3f} ms")  # fmt: skip
    client.close()
    os.waitpid(decider, 0)


try:
    main()
finally:
    if os.getpid() == PARENT:
        shutil.rmtree(STATE, ignore_errors=True)
        shutil.rmtree(SHIM, ignore_errors=True)
