#!/usr/bin/env python3
"""Replay every input of a fuzzing run through its target once, each as its own process, and
report the slowest input and the largest peak memory (AFL++ leaves both at 0 for a persistent
target). The limits are the fuzzer's: 256 MiB of address space, and inputs are stopped after
10 s so a slow one is measured rather than waited on.

    python3 fuzz/measure.py BINARY DIR...
"""

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

LIMIT_BYTES = 256 * 1024 * 1024


def limit() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def run(binary: str, path: Path):
    with path.open("rb") as stdin:
        started = time.monotonic()
        proc = subprocess.Popen([binary], stdin=stdin, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, preexec_fn=limit)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() - started > 10:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.001)
        took = time.monotonic() - started
    return took, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    binary, dirs = sys.argv[1], sys.argv[2:]
    files = sorted(p for d in dirs for p in Path(d).glob("id:*") if p.is_file())
    slowest = (0.0, None)
    biggest = (0.0, None)
    failed = []
    for path in files:
        took, rss_mib, code = run(binary, path)
        slowest = max(slowest, (took, path))
        biggest = max(biggest, (rss_mib, path))
        if code != 0:
            failed.append((path, code))
    print(f"replayed inputs     {len(files)} (each as its own process)")
    if slowest[1]:
        print(f"slowest input       {slowest[0] * 1000:.0f} ms ({slowest[1].name[:40]}, process start included)")
        print(f"peak memory (RSS)   {biggest[0]:.0f} MiB ({biggest[1].name[:40]})")
    for path, code in failed:
        print(f"replay failed       {path} exits with {code}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
