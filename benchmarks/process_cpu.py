"""CPU time used by processes over a stretch of a benchmark, read from /proc (Linux).

On a machine shared with other work, rates and latencies follow the neighbours' load; the CPU
time each process spent per unit of work follows the code, so the benchmarks report both."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def cpu_seconds(pid: int | str | None) -> float:
    """CPU time (user + system) a process used so far; 0 when it cannot be read."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ProcessCpu:
    """The CPU each named process used since the meter was made."""

    def __init__(self, pids: Mapping[str, int | None]) -> None:
        self._pids = dict(pids)
        self._start = self._now()

    def _now(self) -> dict[str, float]:
        return {name: cpu_seconds(pid) for name, pid in self._pids.items()}

    def used(self) -> dict[str, float]:
        """Seconds of CPU per process since the start."""
        now = self._now()
        return {name: now[name] - self._start[name] for name in self._pids}
