"""Memory of a command's process and of each of its children over its run (Linux, /proc).

    python benchmarks/memwatch.py --every 10 -- policylint check --no-cache -j 0 CORPUS

prints, every ``--every`` seconds, the resident and proportional set sizes (MiB) of the root
process and of each child (a pool's workers), so a rise can be told apart: the parent
ordering results, or a worker keeping something per document.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time


def children(pid: int) -> list[int]:
    """The processes whose parent is ``pid``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(entry))
    return sorted(found)


def memory(pid: int) -> str:
    """``RSS/PSS`` in MiB from /proc/PID/smaps_rollup ("gone" once the process ended)."""
    sizes = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                key, _, value = line.partition(":")
                if key in ("Rss", "Pss"):
                    sizes[key] = int(value.split()[0]) // 1024
    except OSError:
        return "gone"
    return f"{sizes.get('Rss', 0)}/{sizes.get('Pss', 0)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command (after --)")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    start = time.monotonic()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    print("seconds  parent RSS/PSS MiB  children RSS/PSS MiB")
    while proc.poll() is None:
        time.sleep(args.every)
        if proc.poll() is not None:
            break
        kids = " ".join(memory(child) for child in children(proc.pid))
        print(f"{time.monotonic() - start:7.1f}  {memory(proc.pid):>18}  {kids}", flush=True)
    print(f"exit {proc.returncode} after {time.monotonic() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
