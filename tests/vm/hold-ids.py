#!/usr/bin/env python3
"""Takes COUNT memory cgroup IDs and holds them: creates COUNT empty memory cgroups under a parent of its own
(cgleak-test-PID-HEX, which `cgleak cleanup` also recognizes), optionally at --rate per second, prints
"held N" when done, holds them until SIGTERM or SIGINT, then removes them all and exits 0.

Inside tests/vm/run-in-vm only (CGLEAK_VM_CGROUP set): near the wall, no other user of the machine can
create a cgroup.
"""

import argparse
import os
import secrets
import signal
import sys
import time


def main():
    layout = os.environ.get("CGLEAK_VM_CGROUP")
    if layout not in ("v1", "v2"):
        raise SystemExit("hold-ids: runs only inside tests/vm/run-in-vm (it takes memory cgroup IDs by the ten thousand)")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("count", type=int)
    parser.add_argument("--rate", type=float, default=0, help="cgroups a second (0: as fast as the kernel goes)")
    args = parser.parse_args()

    mount = "/sys/fs/cgroup/memory" if layout == "v1" else "/sys/fs/cgroup"
    parent = f"{mount}/cgleak-test-{os.getpid()}-{secrets.token_hex(4)}"
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    os.mkdir(parent)
    created = 0
    try:
        started = time.monotonic()
        while created < args.count and not stop:
            os.mkdir(f"{parent}/{created}")
            created += 1
            if args.rate > 0:
                ahead = created / args.rate - (time.monotonic() - started)
                if ahead > 0:
                    time.sleep(ahead)
        print(f"held {created}", flush=True)
        while not stop:
            signal.pause()
    finally:
        for i in reversed(range(created)):
            os.rmdir(f"{parent}/{i}")
        os.rmdir(parent)
    return 0


if __name__ == "__main__":
    sys.exit(main())
