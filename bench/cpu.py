"""CPU use during the run: the machine's, and the benchmark's own (gunicorn and its workers,
locust, and the PostgreSQL backends of the bench database), so that the report can tell when
other work on the machine muddied the latencies.

    python bench/cpu.py DBNAME OUT.json PID...

watches until it gets SIGTERM or SIGINT, then writes the percentages of all cores that were
busy, busy with our processes, and busy with anything else. It looks twice a second, so a
process that exits meanwhile (a backend whose connection gunicorn renewed) is counted up to its
last look.
"""

import json
import signal
import sys
import time
from pathlib import Path


def machine() -> tuple[int, int]:
    """(busy, total) jiffies of all cores since boot."""
    fields = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, idle, iowait, irq, softirq, steal = fields[:8]
    busy = user + nice + system + irq + softirq + steal
    return busy, busy + idle + iowait


def processes() -> dict[int, tuple[int, str, str, int]]:
    """pid -> (parent pid, start time, command line, CPU jiffies) of every process."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        found[int(entry.name)] = (int(stat[1]), stat[19], command, int(stat[11]) + int(stat[12]))
    return found


def ours(table, dbname: str, roots: set[int]) -> dict[tuple[int, str], int]:
    """(pid, start time) -> CPU jiffies of our processes: the roots, their descendants, and
    the backends of the bench database."""
    mine = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, *_rest) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                grew = True
    return {(pid, start): used for pid, (_p, start, command, used) in table.items()
            if pid in mine or (command.startswith("postgres: ") and f" {dbname} " in command)}


def main(dbname: str, out: str, roots: set[int]) -> None:
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    signal.signal(signal.SIGINT, lambda *_: stop.append(1))
    busy0, total0 = machine()
    first = ours(processes(), dbname, roots)
    last = dict(first)
    while not stop:
        time.sleep(0.5)
        for key, used in ours(processes(), dbname, roots).items():
            last[key] = used
            first.setdefault(key, 0)
    busy1, total1 = machine()
    total = total1 - total0
    mine = sum(used - first[key] for key, used in last.items())
    busy = busy1 - busy0
    Path(out).write_text(json.dumps({
        "busy": round(100 * busy / total), "ours": round(100 * min(mine, busy) / total),
        "other": max(0, round(100 * (busy - mine) / total))}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], {int(p) for p in sys.argv[3:]})
