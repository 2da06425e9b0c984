# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
import os
import resource
import time

N = 2000
buf = bytearray(N * 4096 + 4096)
for i in range(0, len(buf), 4096):
    buf[i] = 1


def child():
    t = time.thread_time_ns()
    f0 = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for i in range(0, N * 4096, 4096):
        buf[i] = 2
    dt = time.thread_time_ns() - t
    f = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - f0
    t = time.thread_time_ns()
    for i in range(0, N * 4096, 4096):
        buf[i] = 3
    dt2 = time.thread_time_ns() - t
    print(f"first writes: {dt / N / 1000:.2f} us/page ({f} faults), second writes {dt2 / N / 1000:.3f} us/page")


for _repeat in range(3):
    pid = os.fork()
    if pid == 0:
        child()
        os._exit(0)
    os.waitpid(pid, 0)
