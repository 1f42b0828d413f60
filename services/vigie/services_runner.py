"""Vigie's own three services run as background processes beside the local stack.

They are started by `vigie demo` (or `vigie services up`) and stopped by `vigie stack down`,
with pidfiles and logs in the stack dir like the servers.
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from vigie_stack import procs
from vigie_stack.config import StackConfig

SERVICES = ("ingest", "matcher", "notifier")
GRACE_SECONDS = 20.0


@dataclass(frozen=True)
class ServiceProcess:
    name: str
    pid: int | None
    started: bool
    log: Path


def _pidfile(config: StackConfig, name: str) -> Path:
    return config.run_dir / f"service-{name}.pid"


def _log(config: StackConfig, name: str) -> Path:
    return config.logs_dir / f"service-{name}.log"


def _markers(name: str) -> list[str]:
    return ["-m", name]


def running(config: StackConfig, name: str) -> int | None:
    return procs.owned_pid(_pidfile(config, name), _markers(name))


def start_services(config: StackConfig, env: dict[str, str] | None = None) -> list[ServiceProcess]:
    """Start each service not already running; returns what runs now. Idempotent."""
    results = []
    for name in SERVICES:
        pid = running(config, name)
        started = False
        if pid is None:
            child_env = {**os.environ, "VIGIE_LOG_FORMAT": "json", **(env or {})}
            pid = procs.spawn(
                [sys.executable, "-m", name],
                log=_log(config, name),
                pidfile=_pidfile(config, name),
                cwd=Path.cwd(),
                env=child_env,
            )
            started = True
        results.append(ServiceProcess(name, pid, started, _log(config, name)))
    return results


def wait_for_ingest(url: str, timeout: float = 60.0) -> None:
    """Until ingest answers its health check; RuntimeError with the reason otherwise."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError as exc:
            last = repr(exc)
        time.sleep(0.3)
    raise RuntimeError(f"ingest did not answer at {url} within {timeout:.0f}s: {last}")


def stop_services(config: StackConfig) -> list[str]:
    stopped = []
    for name in reversed(SERVICES):
        pid = running(config, name)
        if pid is not None:
            procs.stop(pid, GRACE_SECONDS)
            stopped.append(name)
        _pidfile(config, name).unlink(missing_ok=True)
    return stopped


def log_tail(config: StackConfig, name: str, lines: int = 30) -> list[str]:
    try:
        return _log(config, name).read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return []
