#!/usr/bin/env python3
"""The runbook's experiment (seed DIGEST section 3), scripted as the runbook does it, at the real wall.

1. fill:       create memory cgroups until the kernel refuses (all 65535 IDs taken)
2. free 100:   remove 100 of them, then try to create 100
3. pod:        a pod-like tree of 3 cgroups (pod, pause, app) with processes writing files; try 100 again
4. pod gone:   kill the processes, remove the tree (the files stay, so its cgroups stay dying); try 100 again
then everything is removed, caches are dropped, and the kernel's count must come back to where it started.

The 100 tries go under a parent of their own, which takes a slot too: 99 of 100 fit where 100 were freed.

Prints one JSON object a step (step, kernel_count, live, dying, tried, created, refused) and a last
"summary" line. Runs only inside tests/vm/run-in-vm (CGLEAK_VM_CGROUP=v1): filling the ID space of a shared
machine stops every other user of it from creating a cgroup.
"""

import errno
import json
import os
import secrets
import signal
import subprocess
import sys
import time

MOUNT = "/sys/fs/cgroup/memory"
TRIES = 100


def kernel_count():
    with open("/proc/cgroups") as f:
        for line in f:
            fields = line.split()
            if fields and fields[0] == "memory":
                return int(fields[2])
    raise SystemExit("wall-experiment: /proc/cgroups has no memory row")


class Tree:
    """The live memory cgroups: those there at the start plus this script's own, counted as it makes and removes
    them (walking 65535 is slow). Every cgroup the script makes or removes goes through it."""

    def __init__(self):
        self.before = sum(1 for _ in os.walk(MOUNT))
        self.ours = 0

    def mkdir(self, path):
        os.mkdir(path)
        self.ours += 1

    def rmdir(self, path):
        os.rmdir(path)
        self.ours -= 1

    def live(self):
        return self.before + self.ours


def settle(target=None, seconds=15.0):
    """Waits until the kernel's count reaches target, or stops moving for a second (offline is RCU-delayed)."""
    deadline = time.monotonic() + seconds
    last, still = kernel_count(), time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.1)
        now = kernel_count()
        if target is not None and now <= target:
            return now
        if now != last:
            last, still = now, time.monotonic()
        elif target is None and time.monotonic() - still >= 1.0:
            return now
    return kernel_count()


def create(tree, parent, limit):
    """Creates parent/0, parent/1, ... until the kernel refuses or limit is reached; returns (created, errno)."""
    if not os.path.isdir(parent):
        tree.mkdir(parent)
    n = 0
    while n < limit:
        try:
            tree.mkdir(f"{parent}/{n}")
        except OSError as e:
            if e.errno in (errno.ENOSPC, errno.ENOMEM):
                return n, errno.errorcode[e.errno]
            raise
        n += 1
    return n, None


def remove(tree, parent, first, count):
    for i in reversed(range(first, first + count)):
        tree.rmdir(f"{parent}/{i}")


def report(tree, step, **fields):
    live = tree.live()
    count = kernel_count()
    line = {"step": step, "kernel_count": count, "live": live, "dying": count - live, **fields}
    print(json.dumps(line), flush=True)
    return line


def try_hundred(tree, root, step):
    tries = f"{root}/try-{step}"
    created, refused = create(tree, tries, TRIES)
    line = report(tree, step, tried=TRIES, created=created, refused=refused)
    remove(tree, tries, 0, created)
    tree.rmdir(tries)
    return line


def pod_process(cgroup, files):
    """A container's process: joins its cgroup, writes its files (page cache charged to it), then sleeps."""
    script = f'echo $$ > {cgroup}/cgroup.procs && ' + " && ".join(
        f"dd if=/dev/zero of={f} bs=64k count=16 2>/dev/null" for f in files) + " && exec sleep 3600"
    return subprocess.Popen(["/bin/sh", "-c", script])


def main():
    if os.environ.get("CGLEAK_VM_CGROUP") != "v1":
        raise SystemExit("wall-experiment: runs only inside tests/vm/run-in-vm --cgroup v1 (it fills the ID space)")

    tree = Tree()
    start = kernel_count()
    root = f"{MOUNT}/cgleak-test-{os.getpid()}-{secrets.token_hex(4)}"
    files_dir = f"/tmp/{os.path.basename(root)}"
    tree.mkdir(root)
    os.mkdir(files_dir)
    fill = f"{root}/fill"
    procs = []
    filled = 0
    summary = {"start_count": start}
    try:
        filled, refused = create(tree, fill, 70000)
        report(tree, "fill", created=filled, refused=refused)

        remove(tree, fill, filled - TRIES, TRIES)
        filled -= TRIES
        settle(target=kernel_count() - TRIES)
        summary["free_100"] = try_hundred(tree, root, "free-100")["created"]
        settle()

        pod = f"{root}/pod"
        for d in (pod, f"{pod}/pause", f"{pod}/app"):
            tree.mkdir(d)
        procs.append(subprocess.Popen(["/bin/sh", "-c", f"echo $$ > {pod}/pause/cgroup.procs && exec sleep 3600"]))
        procs.append(pod_process(f"{pod}/app", [f"{files_dir}/app-{i}" for i in range(4)]))
        time.sleep(2)  # the writes are done in well under a second
        summary["with_pod"] = try_hundred(tree, root, "with-pod")["created"]

        for p in procs:
            p.send_signal(signal.SIGKILL)
            p.wait()
        for d in (f"{pod}/app", f"{pod}/pause", pod):
            tree.rmdir(d)
        settle()
        deleted = try_hundred(tree, root, "pod-deleted")
        summary["pod_deleted"] = deleted["created"]
        summary["dying_after_delete"] = deleted["dying"]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        remove(tree, fill, 0, filled)
        tree.rmdir(fill)
        tree.rmdir(root)
        for name in os.listdir(files_dir):
            os.unlink(f"{files_dir}/{name}")
        os.rmdir(files_dir)

    # What still pins the pod's dying cgroups is page cache: of its files (deleted above) and of the binaries its
    # processes ran (sh, dd, sleep: first read from inside it). Dropping clean caches lets them go.
    # Pages still under writeback when the caches are dropped stay, and keep their cgroup: drop again while
    # waiting (a CI run once found 3 of them dying 15 s after a single drop).
    for _ in range(6):
        os.sync()
        with open("/proc/sys/vm/drop_caches", "w") as f:
            f.write("3\n")
        summary["end_count"] = settle(target=start, seconds=5.0)
        if summary["end_count"] <= start:
            break
    print(json.dumps({"step": "summary", **summary}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
